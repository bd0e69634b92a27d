import type { X2crmDataset } from './dataset.ts'
import type { Row } from './query.ts'
import { createStore, idOf, type Store } from './store.ts'

/** A class whose records are computed on demand, never held. */
export interface VirtualClass {
  firstId: number
  lastId: number
  /** Record `id`, or undefined for an id that does not exist (deleted, or never allocated). */
  record(id: number): Row | undefined
}

/**
 * A store over `base` (users, fields, dropdowns, API keys, and any ordinary records) whose `classes` are virtual:
 * reads generate records on demand, writes go to an overlay. Keyset lists and counts scan (see `Store.scan`), so an
 * instance of millions of records is served in the memory of one page. `rows()` of a virtual class materializes it:
 * fine for small instances, what the slower paths (tag queries, `_page`) need.
 */
export function createVirtualStore(
  base: X2crmDataset,
  classes: Readonly<Record<string, VirtualClass>>,
  now: number,
): Store {
  const nextIds = { ...base.nextIds }
  for (const [name, virtual] of Object.entries(classes))
    nextIds[name] = Math.max(nextIds[name] ?? 1, virtual.lastId + 1)
  const store = createStore({ ...base, nextIds }, now)
  const written = new Map<string, Map<number, Row>>()
  const removed = new Map<string, Set<number>>()
  const overlay = (name: string) => {
    let rows = written.get(name)
    if (!rows) written.set(name, (rows = new Map<number, Row>()))
    return rows
  }
  const gone = (name: string) => {
    let ids = removed.get(name)
    if (!ids) removed.set(name, (ids = new Set()))
    return ids
  }
  const lookup = (name: string, virtual: VirtualClass, id: number) =>
    written.get(name)?.get(id) ?? (removed.get(name)?.has(id) ? undefined : virtual.record(id))

  function* scan(name: string, afterId: number): Generator<Row> {
    const virtual = classes[name]
    if (!virtual) {
      for (const row of store.rows(name)) if (idOf(row) > afterId) yield row
      return
    }
    const extra = [...(written.get(name)?.keys() ?? [])].filter(
      (id) => id < virtual.firstId || id > virtual.lastId,
    )
    const below = extra.filter((id) => id < virtual.firstId).sort((a, b) => a - b)
    const above = extra.filter((id) => id > virtual.lastId).sort((a, b) => a - b)
    for (const id of below) if (id > afterId) yield* present(lookup(name, virtual, id))
    for (let id = Math.max(afterId + 1, virtual.firstId); id <= virtual.lastId; id++) {
      yield* present(lookup(name, virtual, id))
    }
    for (const id of above) if (id > afterId) yield* present(lookup(name, virtual, id))
  }

  return {
    ...store,
    rows: (name) => (classes[name] ? [...scan(name, Number.MIN_SAFE_INTEGER)] : store.rows(name)),
    scan,
    get(name, id) {
      const virtual = classes[name]
      return virtual ? lookup(name, virtual, id) : store.get(name, id)
    },
    put(name, row) {
      if (!classes[name]) return store.put(name, row)
      const stored = row.id === undefined || row.id === null ? { ...row, id: store.allocateId(name) } : row
      overlay(name).set(idOf(stored), stored)
      removed.get(name)?.delete(idOf(stored))
      return stored
    },
    remove(name, id) {
      const virtual = classes[name]
      if (!virtual) return store.remove(name, id)
      const existed = lookup(name, virtual, id) !== undefined
      written.get(name)?.delete(id)
      gone(name).add(id)
      return existed
    },
  }
}

function* present(row: Row | undefined): Generator<Row> {
  if (row) yield row
}
