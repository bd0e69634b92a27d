import { createFindingsCollector, type Findings, type FindingsCollector } from '../mapping/findings.ts'
import { fieldsNewSinceMap, type NewField } from '../mapping/new-fields.ts'
import { createRepairTally, type RepairCounts, type RepairTally } from '../mapping/repair-tally.ts'
import { sourceKeyOf, type SourceKey } from '../domain/source-key.ts'
import type { LoadedRecord, RecordOutcome } from '../ledger/ledger.ts'
import { checkRow } from '../mapping/check-row.ts'
import {
  ownerQueueRefusal,
  type OwnerDecisionRow,
  type OwnerDecisions,
  type QueuedOwner,
} from '../mapping/reconcile-users.ts'
import type { TargetSchema } from '../mapping/schemas.ts'
import { targetIdFor } from '../mapping/target-id.ts'
import { createNameIndex, linkByNameTargets, type NameIndex } from '../mapping/name-index.ts'
import { transformRecord } from '../mapping/transform-record.ts'
import type { FieldMap, LinkRef, Mapping, TransformContext } from '../mapping/types.ts'
import { firstPass, phaseEntitySets, planLoad, type PlannedPhase } from '../plan/plan-load.ts'
import {
  createReasonTally,
  exampleValue,
  normalizeReason,
  valueOfFields,
  type ReasonTally,
  type ReasonTallyGroup,
} from './reason-groups.ts'
import { extractClass } from '../source/x2crm/extract.ts'
import type { X2crmField, X2crmRecord, X2crmSource } from '../source/x2crm/types.ts'
import type { DataverseTarget } from '../target/dataverse/types.ts'
import { chunks } from './chunks.ts'
import type { Emit } from './events.ts'
import { createIdSet, type IdSet } from './id-set.ts'
import { bindLinks } from './bind-links.ts'
import { takesRecord, unroutedResult } from './route-records.ts'
import { sharedReads } from '../plan/shared-reads.ts'
import { matchOwners } from './owners.ts'

export interface ValidateOptions {
  /** Names the source in deterministic target ids, as for `migrate`. */
  instance: string
  mapping: Mapping
  /** Records per progress event. @default 100 */
  batchSize?: number
  /** Owner for records whose X2CRM user has no Dataverse user. */
  defaultOwnerEmail?: string
  /** users.yaml: owners mapped by hand, the default owner, what to do with inactive users. */
  ownerDecisions?: OwnerDecisions
  /** Fetch the records X2CRM's lists hide, by id, as `migrate` does. @default true */
  gapFill?: boolean
  /** Where `deps.tables` came from, for the result (`the environment's metadata`). @default 'no metadata' */
  tablesFrom?: string
  /** What `schema apply` still has to do in the environment (`deps.tables` assumes it done), for the result. */
  pendingSchema?: readonly string[]
  /** Examples kept per reason. @default 3 */
  examples?: number
}

export interface ValidateDeps {
  source: X2crmSource
  /** Read only: the Dataverse users that owners are matched to. Absent (offline): owners are not checked. */
  target?: Pick<DataverseTarget, 'query'>
  /**
   * The map's tables as they will be when the load runs (the environment's metadata, plus what `schema apply` would
   * add). A table left out is not checked column by column.
   */
  tables?: TargetSchema
  emit: Emit
  now: () => Date
  /** Each record that would be quarantined: the outcome `migrate` would record, and the record (for the preview CSV). */
  onQuarantined?: (outcome: RecordOutcome, record: X2crmRecord) => void
}

export interface PhaseValidation {
  phase: string
  entity: string
  entitySet: string
  /** Records read for the phase (listed and found by id); for a split map, those its rule takes. */
  source: number
  wouldLoad: number
  wouldQuarantine: number
  wouldSkip: number
  /** Records that would load with something left out: an invalid e-mail, a link left empty, a dropped owner. */
  withWarnings: number
  /** False when Dataverse's metadata of the table was not available: only the transform's checks ran. */
  columnsChecked: boolean
  /** How the records were found: listed by X2CRM, found by id because its lists hid them, ids deleted. */
  completeness?: { count: number; listed: number; gapFetched: number; missing: number }
}

/** Owners of X2CRM records matched to Dataverse users, as `migrate` will do before it starts. */
export type OwnerCheck =
  | { checked: false; note: string }
  | {
      checked: true
      /** X2CRM users matched to a Dataverse user by hand, e-mail or name. */
      matched: number
      /** X2CRM users whose records go to the default owner. */
      defaulted: string[]
      /** Owners with no Dataverse user and no default: `migrate` will not start while any is left. */
      queue: QueuedOwner[]
      problems: string[]
      /** Every owner with records and who takes them (users, groups, Anyone). */
      decisions?: OwnerDecisionRow[]
      /** What `migrate` would say when it refuses to start. */
      refusal?: string
    }

export interface ValidationResult {
  instance: string
  startedAt: string
  seconds: number
  phases: PhaseValidation[]
  /**
   * Records that would be quarantined, grouped by X2CRM field and rule, with a few examples each. A record with two
   * problems counts once in `total` and once in each of its groups.
   */
  quarantine: { total: number; groups: ReasonTallyGroup[] }
  /** Records that would load with warnings, grouped the same way. */
  warnings: { total: number; groups: ReasonTallyGroup[] }
  skipped: { total: number; groups: ReasonTallyGroup[] }
  owners: OwnerCheck
  /**
   * Where the column metadata came from, the tables it lacked (not checked column by column), and what
   * `schema apply` still has to do before `migrate` (the checks assumed it done).
   */
  columns: { from: string; unchecked: string[]; pendingSchema: string[] }
  /** Why a row could still be refused at load time that no offline check can see. */
  onlyDataverse: string[]
  /** What X2CRM's data holds that the load does not change, reported for a person to decide (duplicates, …). */
  findings?: Findings
  /** Each named repair the map would make, counted with examples. */
  repairs?: RepairCounts
  /** Fields X2CRM has that the map does not name: they appeared since it was confirmed (`map propose --update`). */
  newFields?: NewField[]
}

/** What Dataverse alone can refuse: said with every result so that "nothing would be quarantined" is not overread. */
export const ONLY_DATAVERSE: readonly string[] = [
  'duplicate detection rules and alternate-key conflicts with rows already in Dataverse',
  "the environment's plug-ins, business rules and real-time workflows",
  'privileges of the application user and of the owners (a disabled or unlicensed user cannot own rows)',
  'a lookup to a parent that Dataverse itself refuses (a parent deleted or not visible there)',
  "the environment's limits: storage capacity, attachment size (maxuploadfilesize)",
]

/** Owner placeholder when owners are not checked (offline): validate sends nothing, so no row carries it anywhere. */
const UNCHECKED_OWNER = '00000000-0000-0000-0000-000000000000'

const EMPTY_COUNTS = { created: 0, updated: 0, quarantined: 0, skipped: 0, deleted: 0, restored: 0 }

/**
 * A dry run of `migrate`: reads every record of every first-pass phase the way it does (gap fill, split rules),
 * transforms it with the map, and makes the checks Dataverse would otherwise make at load time that can be made
 * offline (columns exist, lengths, required columns, whole numbers, choice options), then the links: a link whose
 * parent does not exist in X2CRM, or would be quarantined, or went to another table, is a warning "link left empty",
 * as `migrate` would record it. Second-pass links (parent account, primary contact) are checked once every phase is
 * read; their warnings count on the record's own phase. Writes nothing anywhere: `deps.target` is only read.
 *
 * Memory holds one bit per record id that would load (for the links) and four numbers per second-pass link.
 */
export async function validate(options: ValidateOptions, deps: ValidateDeps): Promise<ValidationResult> {
  const started = deps.now()
  const { ownerFor, ownerBindFor, defaultOwnerId, groupsOwnerId, owners } = await checkOwners(options, deps)
  // Plain-text links are linked by name against the classes read before them, as migrate does.
  const names = createNameIndex(linkByNameTargets(options.mapping))
  const context: TransformContext = {
    targetIdFor: (entity, sourceId) => targetIdFor(options.instance, entity, sourceId),
    ownerFor,
    ...optional('ownerBindFor', ownerBindFor),
    ...optional('defaultOwnerId', defaultOwnerId),
    ...optional('groupsOwnerId', groupsOwnerId),
    idsNamed: (entity, name) => names.lookup(entity, name),
  }
  const plan = planLoad(options.mapping)
  const phaseSets = phaseEntitySets(plan.phases)
  const findings = createFindingsCollector({ now: started, inactiveUsers: await inactiveUsers(deps.source) })
  const repairs = createRepairTally(options.examples)
  const tallies: Tallies = {
    quarantine: createReasonTally(options.examples),
    warnings: createReasonTally(options.examples),
    skipped: createReasonTally(options.examples),
  }
  const read: PhaseState[] = []
  const deferred = createDeferredLinks()
  const loadedParents = (links: readonly LinkRef[]) => parentsThatWouldLoad(links, read)

  // The phases that take one class (Actions → task, phonecall, …) share one read of it, as migrate reads it.
  for (const group of sharedReads(firstPass(plan))) {
    const states = group.map((phase): PhaseState => {
      const state: PhaseState = {
        phase,
        index: read.length,
        ids: createIdSet(),
        result: {
          phase: phase.name,
          entity: phase.entityMap.entity,
          entitySet: phase.entityMap.table.entitySet,
          source: 0,
          wouldLoad: 0,
          wouldQuarantine: 0,
          wouldSkip: 0,
          withWarnings: 0,
          columnsChecked: deps.tables?.[phase.entityMap.table.logicalName] !== undefined,
        },
      }
      read.push(state)
      return state
    })
    await validateGroup(states, options, deps, {
      context,
      tallies,
      deferred,
      phaseSets,
      loadedParents,
      names,
      findings,
      repairs,
      ...optional('onQuarantined', deps.onQuarantined),
    })
  }
  checkSecondPassLinks(deferred, read, tallies, phaseSets)

  const seconds = (deps.now().getTime() - started.getTime()) / 1000
  const phaseResults = read.map((s) => s.result)
  return {
    instance: options.instance,
    startedAt: started.toISOString(),
    seconds,
    phases: phaseResults,
    quarantine: { total: sum(phaseResults, 'wouldQuarantine'), groups: tallies.quarantine.groups() },
    warnings: { total: sum(phaseResults, 'withWarnings'), groups: tallies.warnings.groups() },
    skipped: { total: sum(phaseResults, 'wouldSkip'), groups: tallies.skipped.groups() },
    owners,
    columns: {
      from: options.tablesFrom ?? 'no metadata',
      unchecked: [
        ...new Set(
          read.filter((s) => !s.result.columnsChecked).map((s) => s.phase.entityMap.table.logicalName),
        ),
      ],
      pendingSchema: [...(options.pendingSchema ?? [])],
    },
    onlyDataverse: [...ONLY_DATAVERSE],
    findings: findings.findings(),
    repairs: repairs.repairs(),
    newFields: await newFieldsOf(options.mapping, deps.source),
  }
}

/** The fields of the map's classes that X2CRM has and the map does not name; none when fields cannot be read. */
async function newFieldsOf(mapping: Mapping, source: Pick<X2crmSource, 'fields'>): Promise<NewField[]> {
  const fields: Record<string, X2crmField[]> = {}
  for (const entity of new Set(mapping.entities.map((e) => e.entity))) {
    fields[entity] = await source.fields(entity).catch(() => [])
  }
  return fieldsNewSinceMap(mapping, fields)
}

/** Usernames of X2CRM's inactive users (their records are a finding); none when the users cannot be read. */
async function inactiveUsers(source: Pick<X2crmSource, 'users'>): Promise<Set<string>> {
  const users = await source.users().catch(() => [])
  return new Set(users.filter((u) => u.status !== 1).map((u) => u.username))
}

interface PhaseState {
  phase: PlannedPhase
  index: number
  /** Ids of the records that would load. */
  ids: IdSet
  result: PhaseValidation
}

interface Tallies {
  quarantine: ReasonTally
  warnings: ReasonTally
  skipped: ReasonTally
}

interface PhaseContext {
  context: TransformContext
  tallies: Tallies
  deferred: DeferredLinks
  phaseSets: ReadonlyMap<string, string>
  loadedParents: (links: readonly LinkRef[]) => Map<SourceKey, LoadedRecord>
  names: NameIndex
  findings: FindingsCollector
  repairs: RepairTally
  onQuarantined?: (outcome: RecordOutcome, record: X2crmRecord) => void
}

/**
 * Reads the class of a group of phases once (plan/shared-reads.ts) and takes each record through every phase that
 * takes it, as migrate routes it ({@link takesRecord}): a split map's rule, and for a class routed by type (Actions)
 * the records no table takes, which the first phase would quarantine.
 */
async function validateGroup(
  states: readonly PhaseState[],
  options: ValidateOptions,
  deps: ValidateDeps,
  run: PhaseContext,
): Promise<void> {
  const first = states[0]
  if (first === undefined) return
  const entity = first.phase.entityMap.entity
  const listedCount = await deps.source.count(entity)
  for (const { phase } of states)
    deps.emit({ type: 'phase.started', phase: phase.name, sourceCount: listedCount, resumeAfterId: 0 })
  const extraction = options.gapFill === false ? undefined : extractClass(deps.source, entity)
  const extracted = extraction ?? deps.source.records(entity)
  const tables = states.map((state) => deps.tables?.[state.phase.entityMap.table.logicalName])
  for await (const batch of chunks(extracted, options.batchSize ?? 100)) {
    const taken = states.map(() => ({ counts: { ...EMPTY_COUNTS }, ids: [] as number[] }))
    for (const record of batch) {
      run.names.add(entity, numericId(record), record['name'])
      for (const [index, state] of states.entries()) {
        if (!takesRecord(state.phase, record)) continue
        const outcome = validateRecord(state, record, tables[index], run)
        const into = taken[index]
        if (into === undefined) continue
        if (outcome === 'load') into.counts.created++
        else if (outcome === 'quarantine') into.counts.quarantined++
        else into.counts.skipped++
        into.ids.push(numericId(record))
      }
    }
    for (const [index, state] of states.entries()) {
      const into = taken[index]
      if (into === undefined || into.ids.length === 0) continue
      state.result.source += into.ids.length
      deps.emit({
        type: 'batch.loaded',
        phase: state.phase.name,
        size: into.ids.length,
        counts: into.counts,
        lastSourceId: Math.max(...into.ids),
        done: state.result.source,
        total: Math.max(listedCount, state.result.source),
      })
    }
  }
  for (const { phase } of states) deps.emit({ type: 'phase.finished', phase: phase.name })
  run.names.complete(entity)
  if (extraction !== undefined) {
    const report = extraction.report()
    // One read: its completeness is the class's (`Actions`), or the phase's when it is the class's only one.
    deps.emit({ type: 'phase.completeness', phase: states.length === 1 ? first.phase.name : entity, report })
    for (const { result } of states) {
      result.completeness = {
        count: report.count,
        listed: report.listed,
        gapFetched: report.gapFetched,
        missing: report.missing,
      }
    }
  }
}

/** One record through the map and the checks: what `migrate` would do with it. */
function validateRecord(
  state: PhaseState,
  record: X2crmRecord,
  table: TargetSchema[string] | undefined,
  run: PhaseContext,
): 'load' | 'quarantine' | 'skip' {
  const { phase, result } = state
  const { tallies } = run
  run.findings.observe(phase.entityMap.entity, record)
  // An action of a type no table takes: migrate's first Actions table quarantines it, with this reason.
  const transformed = unroutedResult(phase, record) ?? transformRecord(phase.entityMap, record, run.context)
  const { sourceKey } = transformed
  if (transformed.status === 'ok') run.repairs.add(sourceKey, transformed.warnings)
  const example = (field: string, value: unknown) => ({
    sourceKey,
    ...optional('value', exampleValue(field, value)),
  })
  const tally = (into: ReasonTally, reason: string) => {
    const field = normalizeReason(reason).field
    const value = valueOfFields(record, field)
    into.add(phase.name, field, normalizeReason(reason, value).rule, example(field, value))
  }
  const quarantine = (reason: string, warnings: readonly string[] = []) => {
    result.wouldQuarantine++
    run.onQuarantined?.(
      {
        runId: VALIDATE_RUN,
        phase: phase.name,
        sourceKey,
        status: 'quarantined',
        reason,
        ...(warnings.length > 0 && { warnings }),
      },
      record,
    )
    return 'quarantine' as const
  }

  if (transformed.status === 'skipped') {
    result.wouldSkip++
    tally(tallies.skipped, transformed.reason)
    return 'skip'
  }
  if (transformed.status === 'invalid') {
    for (const issue of transformed.issues) tally(tallies.quarantine, issue)
    // The same reason `migrate` records for a record the map refuses.
    return quarantine(transformed.issues.join('; '))
  }
  const problems = table === undefined ? [] : checkRow(phase.entityMap, transformed.values, table)
  if (problems.length > 0) {
    for (const p of problems) tallies.quarantine.add(phase.name, p.field, p.rule, example(p.field, p.value))
    return quarantine(problems.map((p) => p.message).join('; '), transformed.warnings)
  }

  const id = numericId(record)
  state.ids.add(id)
  result.wouldLoad++
  // First-pass links bind to parents of earlier phases, as migrate binds them to what the ledger has loaded.
  const firstPass = transformed.links.filter((l) => l.pass === 1)
  const { warnings: linkWarnings } = bindLinks(firstPass, run.loadedParents(firstPass), run.phaseSets)
  const warnings = [...transformed.warnings, ...linkWarnings]
  for (const link of transformed.links.filter((l) => l.pass === 2)) {
    const field = phase.entityMap.fields.findIndex((f) => f.source === link.field && f.target === link.nav)
    run.deferred.push(state.index, field, id, idOfKey(link.parentKey), warnings.length > 0)
  }
  if (warnings.length > 0) {
    result.withWarnings++
    for (const warning of warnings) tally(tallies.warnings, warning)
  }
  return 'load'
}

/** The run id outcomes carry in quarantine-preview.csv: no run is started, nothing goes to the ledger. */
export const VALIDATE_RUN = 'validate'

/**
 * The links' parents that would be in Dataverse, as the ledger would answer `loaded()` after the phases read so
 * far: the first phase of the parent's class whose records would load it.
 */
function parentsThatWouldLoad(
  links: readonly LinkRef[],
  read: readonly PhaseState[],
): Map<SourceKey, LoadedRecord> {
  const loaded = new Map<SourceKey, LoadedRecord>()
  for (const link of links) {
    const entity = link.parentKey.slice(0, link.parentKey.lastIndexOf(':'))
    const id = idOfKey(link.parentKey)
    const holder = read.find((s) => s.phase.entityMap.entity === entity && s.ids.has(id))
    if (holder !== undefined) {
      loaded.set(link.parentKey, {
        sourceKey: link.parentKey,
        targetId: link.parentTargetId,
        runId: VALIDATE_RUN,
        phase: holder.phase.name,
      })
    }
  }
  return loaded
}

/**
 * Second-pass links, checked once every phase is read, as migrate's link phases bind them: the warnings go to the
 * record's own phase (a record already counted with warnings is not counted again).
 */
function checkSecondPassLinks(
  deferred: DeferredLinks,
  read: readonly PhaseState[],
  tallies: Tallies,
  phaseSets: ReadonlyMap<string, string>,
): void {
  let group: DeferredLink[] = []
  const flush = () => {
    const first = group[0]
    if (first === undefined) return
    const state = read[first.phase]
    if (state === undefined) return
    const links = group.flatMap((d) => {
      const field = state.phase.entityMap.fields[d.field]
      return field === undefined ? [] : [linkOf(field, d.parent)]
    })
    const { warnings } = bindLinks(links, parentsThatWouldLoad(links, read), phaseSets)
    if (warnings.length > 0 && !first.warned) state.result.withWarnings++
    const sourceKey = sourceKeyOf(state.phase.entityMap.entity, first.child)
    for (const warning of warnings) {
      const { field, rule } = normalizeReason(warning)
      const parent = links.find((l) => l.field === field)?.parentKey
      tallies.warnings.add(state.phase.name, field, rule, { sourceKey, ...optional('value', parent) })
    }
    group = []
  }
  for (const link of deferred.entries()) {
    const first = group[0]
    if (first !== undefined && (first.phase !== link.phase || first.child !== link.child)) flush()
    group.push(link)
  }
  flush()
}

function linkOf(field: FieldMap, parentId: number): LinkRef {
  const entity = field.linkTo?.entity ?? ''
  return {
    field: field.source,
    nav: field.target,
    entitySet: field.linkTo?.table.entitySet ?? '',
    parentKey: sourceKeyOf(entity, parentId),
    parentTargetId: '',
    pass: 2,
  }
}

/** A second-pass link waiting for every phase to be read. */
interface DeferredLink {
  /** index of the child's phase in the phases read */
  phase: number
  /** index of the link's field in the phase's entity map */
  field: number
  child: number
  parent: number
  /** the child already had warnings of its own */
  warned: boolean
}

interface DeferredLinks {
  push: (phase: number, field: number, child: number, parent: number, warned: boolean) => void
  entries: () => Generator<DeferredLink>
}

/** Second-pass links kept in one growing Float64Array: four numbers (32 bytes) a link, in the order they came. */
function createDeferredLinks(): DeferredLinks {
  let data = new Float64Array(4 * 1024)
  let length = 0
  return {
    push(phase, field, child, parent, warned) {
      if (length + 4 > data.length) {
        const grown = new Float64Array(data.length * 2)
        grown.set(data)
        data = grown
      }
      // phase and field share a slot; the sign of the field says whether the child had warnings.
      data[length++] = phase
      data[length++] = warned ? -(field + 1) : field + 1
      data[length++] = child
      data[length++] = parent
    },
    *entries() {
      for (let i = 0; i < length; i += 4) {
        const field = data[i + 1] ?? 0
        yield {
          phase: data[i] ?? 0,
          field: Math.abs(field) - 1,
          child: data[i + 2] ?? 0,
          parent: data[i + 3] ?? 0,
          warned: field < 0,
        }
      }
    },
  }
}

/**
 * Owners as `migrate` matches them before it starts, reported instead of refused: a queue of owners without a
 * Dataverse user is a finding. Offline, they are not checked and every owner passes.
 */
async function checkOwners(
  options: ValidateOptions,
  deps: ValidateDeps,
): Promise<{
  ownerFor: (username: string) => string | undefined
  ownerBindFor?: (assignee: string) => string | undefined
  defaultOwnerId?: string
  groupsOwnerId?: string
  owners: OwnerCheck
}> {
  if (deps.target === undefined) {
    return {
      ownerFor: () => UNCHECKED_OWNER,
      owners: {
        checked: false,
        note: 'offline: X2CRM owners were not matched to Dataverse users (run without --offline, or `x2d365 users`)',
      },
    }
  }
  const owners = await matchOwners(options, { source: deps.source, target: deps.target })
  const byUsername = new Map(owners.matched.map((m) => [m.username, m.systemuserid]))
  const defaulted = owners.matched.filter((m) => m.by === 'default').map((m) => m.username)
  deps.emit({
    type: 'owners.matched',
    matched: owners.matched.length - defaulted.length,
    unmatched: [...defaulted, ...owners.queue.map((q) => q.username)],
  })
  const refusal = ownerQueueRefusal(owners)
  return {
    ownerFor: (username) => byUsername.get(username),
    ownerBindFor: (assignee) => owners.binds?.[assignee],
    ...optional('defaultOwnerId', owners.anyoneOwnerId),
    ...optional('groupsOwnerId', owners.groupsOwnerId),
    owners: {
      checked: true,
      matched: owners.matched.length - defaulted.length,
      defaulted,
      queue: owners.queue,
      problems: owners.problems,
      ...optional('decisions', owners.decisions),
      ...optional('refusal', refusal),
    },
  }
}

function sum(
  phases: readonly PhaseValidation[],
  key: 'wouldQuarantine' | 'withWarnings' | 'wouldSkip',
): number {
  return phases.reduce((n, p) => n + p[key], 0)
}

/** `{ [key]: value }`, or nothing when the value is undefined: results and examples carry no empty keys. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V })
}

function idOfKey(sourceKey: SourceKey): number {
  return Number(sourceKey.slice(sourceKey.lastIndexOf(':') + 1))
}

function numericId(record: X2crmRecord): number {
  const id = Number(record['id'])
  return Number.isFinite(id) ? id : 0
}
