import { ConfigError, InternalError } from '../errors.ts'
import { parseNameId } from '../source/x2crm/normalize/link.ts'
import type { Mapping } from '../mapping/types.ts'
import { classesInOrder, firstPass, planLoad } from '../plan/plan-load.ts'
import { extractClass, mapLimit } from '../source/x2crm/extract.ts'
import { associationClass } from '../source/x2crm/normalize/link.ts'
import type { X2crmRecord, X2crmSource } from '../source/x2crm/types.ts'

/** A record of a mapped X2CRM class, by id. */
export interface SampleRef {
  entity: string
  id: number
}

/** Which records of one class a rehearsal migrates, and why they are in. */
export interface SampleEntity {
  entity: string
  /** Chosen roots (the root class only). */
  roots: number
  /** Records that link to (or are associated with) a root or another such record of a different class. */
  children: number
  /** Records the others link to, transitively: a parent account, a contact's company, a primary contact. */
  parents: number
  /** Every chosen id, ascending. */
  ids: readonly number[]
}

/** What `migrate --sample N` loads: N roots and everything they need, per mapped class in load order. */
export interface Sample {
  /** Roots asked for. */
  size: number
  /** The first class in load order that other mapped classes hang off (Accounts in the default map). */
  rootEntity: string
  /** Records of the root class there were to choose from. */
  rootCandidates: number
  /** The chosen roots, ascending. */
  rootIds: readonly number[]
  entities: readonly SampleEntity[]
}

/** The references a record of each mapped class can make to records of mapped classes. */
export interface SampleLinks {
  /** Mapped classes in load order, each once (a split map's two tables are one class). */
  entities: readonly string[]
  /** The map's link fields per class, to mapped classes only: what a run binds. */
  links: ReadonlyMap<string, readonly { field: string; entity: string }[]>
  /** Mapped classes whose records carry `associationType`/`associationId` (Actions, Media). */
  associating: ReadonlySet<string>
}

/** The link fields of the map and the classes that associate, as the closure reads them. Pure. */
export function sampleLinks(mapping: Mapping, associating: ReadonlySet<string> = new Set()): SampleLinks {
  const plan = planLoad(mapping)
  const entities = classesInOrder(plan)
  const mapped = new Set(entities)
  const links = new Map<string, { field: string; entity: string }[]>()
  for (const { entityMap } of firstPass(plan)) {
    const list = links.get(entityMap.entity) ?? []
    for (const field of entityMap.fields) {
      const to = field.linkTo?.entity
      if (field.transform !== 'link' || to === undefined || !mapped.has(to)) continue
      if (!list.some((l) => l.field === field.source && l.entity === to))
        list.push({ field: field.source, entity: to })
    }
    links.set(entityMap.entity, list)
  }
  return { entities, links, associating: new Set([...associating].filter((e) => mapped.has(e))) }
}

/**
 * The mapped records `record` points at: its link fields (read as the transform reads them, `"Name_ID"`) and, for
 * Actions and Media, its association. Pure.
 */
export function referencesOf(links: SampleLinks, entity: string, record: X2crmRecord): SampleRef[] {
  const refs: SampleRef[] = []
  for (const link of links.links.get(entity) ?? []) {
    const value = record[link.field]
    if (typeof value !== 'string' && typeof value !== 'number') continue
    const { id } = parseNameId(String(value).trim())
    if (id !== undefined && id > 0) refs.push({ entity: link.entity, id })
  }
  if (links.associating.has(entity)) {
    const associated = associationClass(record['associationType'], new Set(links.entities))
    const id = Number(record['associationId'])
    if (associated !== undefined && links.entities.includes(associated) && Number.isSafeInteger(id) && id > 0)
      refs.push({ entity: associated, id })
  }
  return refs
}

/**
 * The first class in load order that records of another mapped class link to or are associated with; the first
 * class when none is (a map of one class). Pure.
 */
export function rootEntityOf(links: SampleLinks): string | undefined {
  const hasChildren = (entity: string) =>
    links.entities.some(
      (other) =>
        other !== entity &&
        (links.associating.has(other) || (links.links.get(other) ?? []).some((l) => l.entity === entity)),
    )
  return links.entities.find(hasChildren) ?? links.entities[0]
}

/**
 * The classes that can hold children of the roots, in the order they are read: after the root, each mapped class
 * that links to (or associates with) the root class or a class already read. The others only give parents. Pure.
 */
export function childEntitiesOf(links: SampleLinks, rootEntity: string): string[] {
  const reached = new Set([rootEntity])
  const children: string[] = []
  for (const entity of links.entities) {
    if (reached.has(entity)) continue
    const linksIn =
      links.associating.has(entity) ||
      (links.links.get(entity) ?? []).some((l) => l.entity !== entity && reached.has(l.entity))
    if (!linksIn) continue
    reached.add(entity)
    children.push(entity)
  }
  return children
}

/**
 * `n` of `ids` (ascending), evenly spaced from the first to the last, so a rehearsal sees the oldest records, the
 * newest and those between. All of them when there are no more than `n`. Pure.
 *
 * @example spreadIds([1, 2, 3, 4, 5, 6, 7, 8, 9], 3) // [1, 5, 9]
 */
export function spreadIds(ids: readonly number[], n: number): number[] {
  if (n >= ids.length) return [...ids]
  if (n <= 0) return []
  if (n === 1) return ids.slice(0, 1)
  const step = (ids.length - 1) / (n - 1)
  // step ≥ 1, so rounded positions are distinct.
  return Array.from({ length: n }, (_, i) => ids[Math.round(i * step)] as number)
}

type Role = 'root' | 'child' | 'parent'

/**
 * The closure of a sample, fed by whoever reads the source: roots first, then the records of each child class as
 * they stream by (kept when they reference a root or a kept child of another class), then the records whose
 * references are still unknown (roots, parents) as they are read by id. Holds ids only. Pure.
 */
export interface SampleClosure {
  addRoots: (entity: string, ids: readonly number[]) => void
  /** A streamed record of a child class; kept (and its references queued) when it hangs off the sample. */
  offer: (entity: string, id: number, refs: readonly SampleRef[]) => boolean
  /** Records to read by id to learn their references: roots, and parents not read yet. Each is handed out once. */
  takeUnresolved: () => SampleRef[]
  /** What reading one of them gave: its references, or `undefined` when it no longer exists (it is left out). */
  resolve: (ref: SampleRef, refs: readonly SampleRef[] | undefined) => void
  /** Per class of `entities`, in that order. */
  entities: (entities: readonly string[]) => SampleEntity[]
  /** The roots still in (a root deleted since it was listed is not), ascending. */
  rootIds: (entity: string) => number[]
}

export function createSampleClosure(): SampleClosure {
  const members = new Map<string, Map<number, Role>>()
  const unresolved = new Map<string, SampleRef>()
  const handedOut = new Set<string>()
  const key = (ref: SampleRef) => `${ref.entity}:${ref.id}`
  const roleOf = (ref: SampleRef) => members.get(ref.entity)?.get(ref.id)
  const add = (ref: SampleRef, role: Role) => {
    const ids = members.get(ref.entity) ?? new Map<number, Role>()
    members.set(ref.entity, ids)
    ids.set(ref.id, role)
  }
  const need = (refs: readonly SampleRef[]) => {
    for (const ref of refs) {
      const k = key(ref)
      if (roleOf(ref) === undefined && !handedOut.has(k)) unresolved.set(k, ref)
    }
  }
  return {
    addRoots(entity, ids) {
      for (const id of ids) {
        add({ entity, id }, 'root')
        unresolved.set(key({ entity, id }), { entity, id })
      }
    },
    offer(entity, id, refs) {
      const current = roleOf({ entity, id })
      if (current === 'root' || current === 'child') return true
      const core = refs.some((ref) => {
        const role = ref.entity === entity ? undefined : roleOf(ref)
        return role === 'root' || role === 'child'
      })
      if (!core) return false
      add({ entity, id }, 'child')
      // Its references are known now: it need not be read again.
      unresolved.delete(key({ entity, id }))
      handedOut.add(key({ entity, id }))
      need(refs)
      return true
    },
    takeUnresolved() {
      const refs = [...unresolved.values()]
      unresolved.clear()
      for (const ref of refs) handedOut.add(key(ref))
      return refs
    },
    resolve(ref, refs) {
      if (refs === undefined) {
        members.get(ref.entity)?.delete(ref.id)
        return
      }
      if (roleOf(ref) === undefined) add(ref, 'parent')
      need(refs)
    },
    entities: (entities) =>
      entities.map((entity) => {
        const roles = members.get(entity) ?? new Map<number, Role>()
        const count = (role: Role) => [...roles.values()].filter((r) => r === role).length
        return {
          entity,
          roots: count('root'),
          children: count('child'),
          parents: count('parent'),
          ids: [...roles.keys()].sort((a, b) => a - b),
        }
      }),
    rootIds: (entity) =>
      [...(members.get(entity) ?? new Map<number, Role>())]
        .filter(([, role]) => role === 'root')
        .map(([id]) => id)
        .sort((a, b) => a - b),
  }
}

export interface ChooseSampleOptions {
  /** Read each class with the ids its lists hide fetched one by one, as a full run does. @default true */
  gapFill?: boolean
  /** Records read by id at once (roots and parents). @default 8 */
  concurrency?: number
}

/**
 * Chooses what `migrate --sample N` loads: N records of the root class (the first in load order that others hang
 * off), spread over its ids; every record of a later mapped class that links to or is associated with them (a root
 * account's contacts, opportunities of those accounts or contacts, actions on any of them); and every record all
 * of these link to, transitively (parent accounts, a contact's company, a primary contact), so that each link
 * binds. Parents bring no children of their own, so the sample stays near N.
 *
 * Reads the root class and each child class once, in full, keeping ids only; then reads roots and parents by id.
 */
export async function chooseSample(
  source: X2crmSource,
  mapping: Mapping,
  size: number,
  options: ChooseSampleOptions = {},
): Promise<Sample> {
  const gapFill = options.gapFill ?? true
  const concurrency = Math.max(1, options.concurrency ?? 8)
  const associating = new Set<string>()
  for (const entity of classesInOrder(planLoad(mapping))) {
    const names = new Set((await source.fields(entity)).map((f) => f.fieldName))
    if (names.has('associationType') && names.has('associationId')) associating.add(entity)
  }
  const links = sampleLinks(mapping, associating)
  const rootEntity = rootEntityOf(links)
  if (rootEntity === undefined) throw new ConfigError(['the map has no entities: there is nothing to sample'])

  const candidates: number[] = []
  for await (const record of extractClass(source, rootEntity, { gapFill })) {
    const id = idOf(record)
    if (id !== undefined) candidates.push(id)
  }
  const closure = createSampleClosure()
  closure.addRoots(rootEntity, spreadIds(candidates, size))

  for (const entity of childEntitiesOf(links, rootEntity)) {
    for await (const record of extractClass(source, entity, { gapFill })) {
      const id = idOf(record)
      if (id !== undefined) closure.offer(entity, id, referencesOf(links, entity, record))
    }
  }

  for (let refs = closure.takeUnresolved(); refs.length > 0; refs = closure.takeUnresolved()) {
    const records = await mapLimit(refs, concurrency, (ref) => source.record(ref.entity, ref.id))
    refs.forEach((ref, index) => {
      const record = records[index]
      closure.resolve(ref, record === undefined ? undefined : referencesOf(links, ref.entity, record))
    })
  }
  return {
    size,
    rootEntity,
    rootCandidates: candidates.length,
    rootIds: closure.rootIds(rootEntity),
    entities: closure.entities(links.entities),
  }
}

/**
 * `source` narrowed to a sample: lists and counts hold the chosen records only, and `record()` answers `undefined`
 * for any other id, so that a gap fill stays inside the sample. Lists read the chosen records by id (the sample
 * is small; the database need not be). A filtered list or count (the owner check) asks X2CRM and keeps the chosen.
 */
export function sampleSource(source: X2crmSource, sample: Sample, concurrency = 8): X2crmSource {
  const chosen = new Map(sample.entities.map((e) => [e.entity, e.ids]))
  const sets = new Map(sample.entities.map((e) => [e.entity, new Set(e.ids)]))
  const has = (entity: string, id: number | undefined) =>
    id !== undefined && (sets.get(entity)?.has(id) ?? false)
  return {
    fields: (entity) => source.fields(entity),
    users: () => source.users(),
    record: async (entity, id) => (has(entity, id) ? source.record(entity, id) : undefined),
    async *records(entity, options = {}) {
      if ((chosen.get(entity) ?? []).length === 0) return
      if (options.filters !== undefined && Object.keys(options.filters).length > 0) {
        for await (const record of source.records(entity, options))
          if (has(entity, idOf(record))) yield record
        return
      }
      const afterId = options.afterId ?? 0
      const ids = (chosen.get(entity) ?? []).filter((id) => id > afterId)
      const batchSize = Math.max(1, concurrency) * 4
      for (let start = 0; start < ids.length; start += batchSize) {
        const batch = ids.slice(start, start + batchSize)
        for (const record of await mapLimit(batch, concurrency, (id) => source.record(entity, id)))
          if (record !== undefined) yield record
      }
    },
    async count(entity, filters = {}) {
      const { id: idFilter, ...others } = filters
      const inRange = idPredicate(idFilter)
      if (Object.keys(others).length === 0) return (chosen.get(entity) ?? []).filter(inRange).length
      if ((chosen.get(entity) ?? []).length === 0) return 0
      let count = 0
      for await (const record of source.records(entity, { filters: others })) {
        const id = idOf(record)
        if (id !== undefined && has(entity, id) && inRange(id)) count++
      }
      return count
    },
  }
}

/** A sample without its ids: what a run reports, and what people read. */
export interface SampleSummary {
  size: number
  rootEntity: string
  rootCandidates: number
  entities: readonly { entity: string; roots: number; children: number; parents: number }[]
}

export function summarizeSample(sample: Sample): SampleSummary {
  return {
    size: sample.size,
    rootEntity: sample.rootEntity,
    rootCandidates: sample.rootCandidates,
    entities: sample.entities.map(({ entity, roots, children, parents }) => ({
      entity,
      roots,
      children,
      parents,
    })),
  }
}

/** A filter on `id` with X2CRM's operator prefixes (api.md §1.5), applied to the chosen ids. */
function idPredicate(filter: string | undefined): (id: number) => boolean {
  if (filter === undefined || filter === '') return () => true
  const match = /^(<>|<=|>=|<|>|=)?\s*(-?\d+)$/.exec(filter.trim())
  if (match === null)
    throw new InternalError(`a sampled source cannot filter ids on ${JSON.stringify(filter)}`)
  const value = Number(match[2])
  switch (match[1]) {
    case '>':
      return (id) => id > value
    case '>=':
      return (id) => id >= value
    case '<':
      return (id) => id < value
    case '<=':
      return (id) => id <= value
    case '<>':
      return (id) => id !== value
    default:
      return (id) => id === value
  }
}

function idOf(record: X2crmRecord): number | undefined {
  const id = Number(record['id'])
  return Number.isSafeInteger(id) ? id : undefined
}
