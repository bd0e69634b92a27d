import type { EntityMap, FieldMap, Mapping, RecordFilter } from '../mapping/types.ts'
import { orderEntityMaps, parentEntities } from '../mapping/load-order.ts'

/**
 * How a map loads, as data: the phases in the order a run takes them, the passes they form, what decided that order
 * and which links wait for the second pass, and why. Every run (migrate, delta, validate, rollback, verify, sample)
 * takes its order from here; `x2d365 plan` prints it.
 */
export interface LoadPlan {
  /** Every phase in run order: the first pass in load order, then the link pass. */
  phases: readonly PlannedPhase[]
  /** The passes in order, each naming its phases; the link pass only when some link waits for it. */
  passes: readonly PlannedPass[]
  /** Links set in the link pass instead of with their record, in phase order. */
  deferred: readonly DeferredLink[]
  /**
   * First-pass links that close a cycle (`Accounts → Contacts → Accounts`), which have no order. `parseMapping`
   * refuses such a map; one built in code loads in the order given, each such link left empty when its parent is not
   * in yet. Empty for any map that parsed.
   */
  cycles: readonly (readonly string[])[]
}

export interface PlannedPass {
  pass: 1 | 2
  /** Phase names, in order. */
  phases: readonly string[]
}

export interface PlannedPhase {
  /** `Accounts`; `Contacts→lead` for the second table of a split class; `Accounts.links` for a link pass. */
  name: string
  /** 1: records with the links whose parents are in already; 2: the links that had to wait, patched onto the rows. */
  pass: 1 | 2
  /** The X2CRM class it reads. */
  entity: string
  /** The Dataverse table it writes. */
  table: EntityMap['table']
  entityMap: EntityMap
  /** Which records of the class: every one, or (a class split over two tables) those the map's rule takes or not. */
  records: 'all' | 'matching' | 'others'
  /** A class split over several tables: the phases of this pass that share its records, this one included. */
  split?: readonly string[]
  /** A link pass: the first-pass phase whose rows it patches. */
  linksOf?: string
  /**
   * A class routed by a field's value to several tables with no table for the others (Actions by `type`): the rules
   * of every table. The class's first phase also takes the records none of them takes, and quarantines them.
   */
  unrouted?: readonly RecordFilter[]
  /**
   * First pass: the lookups to other classes, whose phases therefore come before this one. Link pass: the links it
   * sets, whose parents are all loaded by then.
   */
  waitsFor: readonly PhaseWait[]
}

/** A lookup a phase waits for: the parent class loads, in the phases named, before it. */
export interface PhaseWait {
  /** X2CRM field holding the lookup (`company`). */
  field: string
  /** The navigation property it binds (`parentcustomerid_account`). */
  nav: string
  /** The X2CRM class it points at. */
  parent: string
  /** The first-pass phases that load the parent class (none: the map does not load it, the link stays empty). */
  phases: readonly string[]
}

/** A link set in the second pass, and why it could not be set with its record. */
export interface DeferredLink {
  /** The first-pass phase of the record that holds the link. */
  phase: string
  /** The link pass that sets it. */
  linkPhase: string
  field: string
  nav: string
  parent: string
  reason: DeferReason
}

/**
 * - `self-reference`: the parent is a record of the same class, which may come later in the same phase.
 * - `cycle`: the parent's class waits (through first-pass links) for this one; in the first pass this link would
 *   close `cycle` (`Accounts → Contacts → Accounts`: accounts would wait for contacts, which wait for accounts).
 * - `chosen`: the map sets `pass: 2` though no cycle needs it; the parent's class loads `before` or `after`.
 */
export type DeferReason =
  | { type: 'self-reference' }
  | { type: 'cycle'; cycle: readonly string[] }
  | { type: 'chosen'; parentLoads: 'before' | 'after' }

/**
 * The load plan of a map. Each class loads after the classes its first-pass links point at (otherwise in the order
 * the map gives), its split tables together; then one link pass per entity map with second-pass links. Pure and
 * deterministic: the same map gives the same plan.
 */
export function planLoad(mapping: Mapping): LoadPlan {
  const { entities: ordered, cycles } = orderEntityMaps(mapping.entities)
  const mapped = new Set(ordered.map((m) => m.entity))
  const graph = firstPassGraph(ordered)
  const phasesOf = (entity: string) => ordered.filter((m) => m.entity === entity).map(phaseName)
  const wait = ({ field, parent }: Lookup): PhaseWait => ({
    field: field.source,
    nav: field.target,
    parent,
    phases: phasesOf(parent),
  })

  const first = ordered.map((entityMap): PlannedPhase => {
    const siblings = phasesOf(entityMap.entity)
    const rules = ordered.filter((m) => m.entity === entityMap.entity).map((m) => m.where)
    const routed =
      siblings.length > 1 &&
      siblings[0] === phaseName(entityMap) &&
      rules.every((rule) => rule !== undefined && rule.negate !== true)
    return {
      name: phaseName(entityMap),
      pass: 1,
      entity: entityMap.entity,
      table: entityMap.table,
      entityMap,
      records: recordsOf(entityMap),
      ...(siblings.length > 1 && { split: siblings }),
      ...(routed && { unrouted: rules.filter((rule) => rule !== undefined) }),
      waitsFor: linksOf(entityMap, 1)
        .filter((l) => l.parent !== entityMap.entity && mapped.has(l.parent))
        .map(wait),
    }
  })
  const second = first
    .filter((phase) => linksOf(phase.entityMap, 2).length > 0 || setsLater(phase.entityMap))
    .map(({ unrouted: _, ...phase }): PlannedPhase => ({
      ...phase,
      name: `${phase.name}.links`,
      pass: 2,
      linksOf: phase.name,
      waitsFor: linksOf(phase.entityMap, 2).map(wait),
    }))
  const position = (entity: string) => ordered.findIndex((m) => m.entity === entity)
  const deferred = second.flatMap((phase) =>
    linksOf(phase.entityMap, 2).map(({ field, parent }): DeferredLink => {
      return {
        phase: phase.linksOf ?? phase.name,
        linkPhase: phase.name,
        field: field.source,
        nav: field.target,
        parent,
        reason: deferReason(phase.entity, parent, graph, position),
      }
    }),
  )
  return {
    phases: [...first, ...second],
    passes: [
      { pass: 1, phases: first.map((p) => p.name) },
      ...(second.length > 0 ? [{ pass: 2 as const, phases: second.map((p) => p.name) }] : []),
    ],
    deferred,
    cycles,
  }
}

/** `Contacts`, or the map's own name when one class loads into two tables (`Contacts→lead`). */
export function phaseName(entityMap: EntityMap): string {
  return entityMap.name ?? entityMap.entity
}

/** The phases of the first pass, in load order. */
export function firstPass(plan: LoadPlan): PlannedPhase[] {
  return plan.phases.filter((p) => p.pass === 1)
}

/** The classes of the plan, each once, in load order. */
export function classesInOrder(plan: LoadPlan): string[] {
  return [...new Set(firstPass(plan).map((p) => p.entity))]
}

/** Which entity set each phase writes to: a loaded record's phase says which table it is in. */
export function phaseEntitySets(phases: readonly PlannedPhase[]): Map<string, string> {
  return new Map(phases.map((p) => [p.name, p.table.entitySet]))
}

/** The first-pass phase behind a phase name the ledger recorded: `Accounts.links` → `Accounts`. */
export function rowPhaseName(name: string): string {
  return name.replace(/\.links$/, '')
}

/**
 * Of `phases`, the first-pass phase whose table holds a row that the phase named `name` wrote, as the ledger names
 * phases: itself, or `Accounts` for its link pass `Accounts.links`. Undefined for a phase the map does not have.
 */
export function rowPhaseOf<P extends Pick<PlannedPhase, 'name' | 'pass'>>(
  phases: readonly P[],
  name: string,
): P | undefined {
  return phases.find((p) => p.pass === 1 && p.name === rowPhaseName(name))
}

/** A lookup of a field to one parent class (a `regarding` gives one per class it may point at). */
interface Lookup {
  field: FieldMap
  parent: string
}

function linksOf(entityMap: EntityMap, pass: 1 | 2): Lookup[] {
  return entityMap.fields
    .filter((f) => (f.pass ?? 1) === pass)
    .flatMap((field) => parentEntities(field).map((parent) => ({ field, parent })))
}

/** Whether the map sets columns in the link pass besides links: an activity's state, closed last. */
function setsLater(entityMap: EntityMap): boolean {
  return entityMap.fields.some((f) => f.transform === 'activityState')
}

function recordsOf(entityMap: EntityMap): PlannedPhase['records'] {
  if (entityMap.where === undefined) return 'all'
  return entityMap.where.negate === true ? 'others' : 'matching'
}

/** Class → the other mapped classes its first-pass links point at (the classes it waits for). */
function firstPassGraph(maps: readonly EntityMap[]): Map<string, string[]> {
  const mapped = new Set(maps.map((m) => m.entity))
  const graph = new Map<string, string[]>()
  for (const map of maps) {
    const parents = graph.get(map.entity) ?? []
    for (const { parent } of linksOf(map, 1)) {
      if (parent !== map.entity && mapped.has(parent) && !parents.includes(parent)) parents.push(parent)
    }
    graph.set(map.entity, parents)
  }
  return graph
}

function deferReason(
  entity: string,
  parent: string,
  graph: ReadonlyMap<string, readonly string[]>,
  position: (entity: string) => number,
): DeferReason {
  if (parent === entity) return { type: 'self-reference' }
  const path = waitPath(parent, entity, graph)
  if (path !== undefined) return { type: 'cycle', cycle: [entity, ...path] }
  return { type: 'chosen', parentLoads: position(parent) < position(entity) ? 'before' : 'after' }
}

/** The shortest chain of first-pass waits from `from` to `to` (`[Contacts, Accounts]`), if there is one. */
function waitPath(
  from: string,
  to: string,
  graph: ReadonlyMap<string, readonly string[]>,
): string[] | undefined {
  const cameFrom = new Map<string, string | undefined>([[from, undefined]])
  const queue = [from]
  for (let entity = queue.shift(); entity !== undefined; entity = queue.shift()) {
    if (entity === to) {
      const path: string[] = []
      for (let at: string | undefined = entity; at !== undefined; at = cameFrom.get(at)) path.unshift(at)
      return path
    }
    for (const next of graph.get(entity) ?? []) {
      if (cameFrom.has(next)) continue
      cameFrom.set(next, entity)
      queue.push(next)
    }
  }
  return undefined
}
