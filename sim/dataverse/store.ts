import { AsyncLocalStorage } from 'node:async_hooks'

/** A lookup value: the row it points to. Read back as `_<column>_value`. */
export interface LookupRef {
  table: string
  id: string
}

/** A stored row. Rows are replaced, never mutated, so a snapshot is a copy of the maps. */
export interface StoredRow {
  table: string
  id: string
  /** non-lookup columns by logical name */
  values: Readonly<Record<string, unknown>>
  /** lookup columns by logical name */
  lookups: Readonly<Record<string, LookupRef>>
  /** row version behind the weak ETag; changes on every write */
  version: number
}

export interface Store {
  get(table: string, id: string): StoredRow | undefined
  put(row: StoredRow): void
  delete(table: string, id: string): boolean
  list(table: string): StoredRow[]
  nextVersion(): number
  /**
   * Runs `work` as one transaction (bulk messages, `$batch` change sets): when it throws, or
   * `keep(result)` is false, every row it wrote is restored. Only writes made from inside
   * `work` (its async context) are undone, so concurrent requests are not. Cost is
   * proportional to the rows touched, not the rows stored. Transactions nest.
   */
  /** Calls `listener` after every change to a row (put, delete, rollback): indexes follow the store. */
  onChange(
    listener: (table: string, before: StoredRow | undefined, after: StoredRow | undefined) => void,
  ): void
  atomically<T>(work: () => Promise<T> | T, keep?: (result: T) => boolean): Promise<T>
}

type Journal = Map<string, { table: string; id: string; before: StoredRow | undefined }>

export function createStore(): Store {
  const tables = new Map<string, Map<string, StoredRow>>()
  let version = 1_000_000
  /** the open transactions of the current async context, innermost last */
  const context = new AsyncLocalStorage<Journal[]>()
  const listeners: ((table: string, before: StoredRow | undefined, after: StoredRow | undefined) => void)[] =
    []
  const notify = (table: string, before: StoredRow | undefined, after: StoredRow | undefined) => {
    for (const listener of listeners) listener(table, before, after)
  }
  const record = (table: string, id: string) => {
    const key = `${table}\u0000${id}`
    for (const journal of context.getStore() ?? []) {
      if (!journal.has(key)) journal.set(key, { table, id, before: tables.get(table)?.get(id) })
    }
  }
  const rowsOf = (table: string) => {
    let rows = tables.get(table)
    if (!rows) {
      rows = new Map<string, StoredRow>()
      tables.set(table, rows)
    }
    return rows
  }
  return {
    get: (table, id) => tables.get(table)?.get(id.toLowerCase()),
    put(row) {
      const id = row.id.toLowerCase()
      record(row.table, id)
      const rows = rowsOf(row.table)
      const before = rows.get(id)
      rows.set(id, row)
      notify(row.table, before, row)
    },
    delete(table, id) {
      const key = id.toLowerCase()
      record(table, key)
      const before = tables.get(table)?.get(key)
      if (!before) return false
      tables.get(table)?.delete(key)
      notify(table, before, undefined)
      return true
    },
    onChange: (listener) => void listeners.push(listener),
    list: (table) => [...(tables.get(table)?.values() ?? [])],
    nextVersion: () => ++version,
    async atomically(work, keep = () => true) {
      const journal: Journal = new Map()
      const rollback = () => {
        for (const { table, id, before } of journal.values()) {
          record(table, id) // the undo is itself a change an enclosing transaction may undo
          const current = tables.get(table)?.get(id)
          if (before) rowsOf(table).set(id, before)
          else tables.get(table)?.delete(id)
          notify(table, current, before)
        }
      }
      let result
      try {
        result = await context.run([...(context.getStore() ?? []), journal], work)
      } catch (error) {
        rollback()
        throw error
      }
      if (!keep(result)) rollback()
      return result
    },
  }
}
