import { InternalError, markRunStopped } from '../errors.ts'
import type { RunInfo } from '../ledger/ledger.ts'
import { takesRecord } from './route-records.ts'
import { createChannel, fanOut } from './fan-out.ts'
import { sharedReads, waves } from '../plan/shared-reads.ts'
import type { Mapping, TransformContext } from '../mapping/types.ts'
import { phaseEntitySets, planLoad } from '../plan/plan-load.ts'
import { reconcile, type Reconciliation } from './reconciliation.ts'
import { extractClass, type CompletenessReport } from '../source/x2crm/extract.ts'
import type { X2crmRecord, X2crmSource } from '../source/x2crm/types.ts'
import { createNameIndex, linkByNameTargets, type NameIndex } from '../mapping/name-index.ts'
import type { OwnerDecisions } from '../mapping/reconcile-users.ts'
import { createFindingsCollector, type FindingsCollector } from '../mapping/findings.ts'
import { mapFingerprint } from '../mapping/map-fingerprint.ts'
import { buildContext } from './build-context.ts'
import { closeOpportunities } from './close-opportunities.ts'
import { closeCases } from './close-incidents.ts'
import { closedRowsGate } from './reopen-closed.ts'
import { addListMembers } from './list-members.ts'
import { connectRelationships } from './connections.ts'
import { withRecordTags } from './record-tags.ts'
import { writeTagRows } from './tag-rows.ts'
import type { RelatedReaders } from '../source/x2crm/related.ts'
import { finishSales } from './finish-sales.ts'
import { withSalesCatalog } from './sales-run.ts'
import { withTeams } from './teams.ts'
import { withAuthors } from './authors.ts'
import { stopIfAborted, withCounts } from './interrupted.ts'
import { loadedHash, loadPhase, type LoadDeps, type RunPhase } from './load-phase.ts'
import { createStageTimer, timedLedger, timedReads, timedWriters } from './stage-timer.ts'

export interface MigrateOptions {
  /** Names the source in deterministic target ids. */
  instance: string
  mapping: Mapping
  /** Rows per UpsertMultiple request. @default 100 */
  batchSize?: number
  /** Owner for records whose X2CRM user has no Dataverse user. */
  defaultOwnerEmail?: string
  /** users.yaml: owners mapped by hand, the default owner, what to do with inactive users. */
  ownerDecisions?: OwnerDecisions
  /** Fetch the records X2CRM's lists hide, by id, and reconcile against what exists. @default true */
  gapFill?: boolean
  /** A rehearsal on this many roots (`source` is narrowed to them): kept in the run, which only such a run resumes. */
  sample?: number
}

/** What a migration reads (X2CRM) besides what loading its phases uses. */
export interface MigrateDeps extends LoadDeps {
  source: X2crmSource
  /** List members, relationships and tags, for the steps after the load; a reader left out is not migrated. */
  related?: RelatedReaders
}

export interface MigrateResult {
  runId: string
  resumed: boolean
  reconciliation: Reconciliation
  /** Records that reached an outcome in this process (a resumed run counts only its own part). */
  processed: number
  seconds: number
}

export const MIGRATE_RUN = 'migrate'

/**
 * Loads every mapped entity in the order of the map's load plan ({@link planLoad}), then the second-pass links.
 * Resumes the newest unfinished migrate run when there is one: each phase starts after its checkpoint, and re-sent
 * rows are upserts on deterministic ids, so nothing duplicates. A rejected row is quarantined with the server's reason; a systemic failure throws and
 * leaves the run resumable.
 */
export async function migrate(given: MigrateOptions, givenDeps: MigrateDeps): Promise<MigrateResult> {
  // Tags travel in the records, and the map fills the tag column from them (settings.tags).
  const { mapping, deps } = withRecordTags(given.mapping, givenDeps)
  const options = { ...given, mapping }
  const started = deps.now()
  const unfinished = await deps.ledger.unfinishedRun(MIGRATE_RUN)
  const resumed =
    unfinished !== undefined &&
    unfinished.params['instance'] === options.instance &&
    unfinished.params['sample'] === options.sample
  const run: RunInfo = resumed
    ? unfinished
    : await deps.ledger.startRun(
        MIGRATE_RUN,
        { instance: options.instance, batchSize: options.batchSize ?? 100, sample: options.sample },
        started,
      )
  deps.emit({ type: 'run.started', runId: run.runId, resumed, at: started.toISOString() })
  // Where the time goes, per stage, for the run's summary (`stages`).
  const stages = deps.stages ?? createStageTimer()
  const timed: MigrateDeps = {
    ...deps,
    stages,
    ledger: timedLedger(deps.ledger, stages),
    target: timedReads(deps.target, stages),
    ...(deps.writers !== undefined && { writers: timedWriters(deps.writers, stages) }),
  }
  try {
    return await loadRun(run, resumed, started, options, timed)
  } catch (error) {
    // The run stays unfinished: the next migrate resumes it after its checkpoints.
    throw markRunStopped(error, run.runId)
  }
}

async function loadRun(
  run: RunInfo,
  resumed: boolean,
  started: Date,
  options: MigrateOptions,
  deps: MigrateDeps,
): Promise<MigrateResult> {
  const owners = await buildContext(options, deps)
  // Plain-text links are linked by name (`linkByName`) against the classes read whole before them; not in a sample.
  const names = options.sample === undefined ? createNameIndex(linkByNameTargets(options.mapping)) : undefined
  const named: TransformContext =
    names === undefined ? owners : { ...owners, idsNamed: (entity, name) => names.lookup(entity, name) }
  // Products and quotes bind the run's unit group, unit and price lists, found or created first.
  // Records assigned to an X2CRM group are owned by its team, matched (or created) with its members first.
  const context = await withAuthors(
    await withSalesCatalog(await withTeams(named, options, deps), options, deps),
    options.mapping,
    deps,
  )
  const sourceCounts = new Map<string, number>()
  const completeness: (CompletenessReport & { phase: string })[] = []
  let processed = 0
  const { phases } = planLoad(options.mapping)
  const phaseSets = phaseEntitySets(phases)
  // Findings (duplicates, future timestamps, …) are reported with the run, never acted on.
  const findings = createFindingsCollector({ now: started, inactiveUsers: await inactiveUsers(deps.source) })
  try {
    // The phases that take one class (Actions → task, phonecall, …) share one read of it; the link pass's groups run
    // together (plan/shared-reads.ts).
    const planned = waves(sharedReads(phases))
    // The last group of the first pass that reads each class: once it has, the class's duplicate keys can go.
    const lastRead = new Map<string, object>()
    for (const group of planned.flat()) {
      if (group[0]?.pass === 1) lastRead.set(group[0].entityMap.entity, group)
    }
    for (const wave of planned) {
      stopIfAborted(deps.signal, run.runId, MIGRATE_RUN)
      // The link pass observes no record: the duplicate keys of the first pass are let go before its read-aheads fill.
      if (wave.every((group) => group[0]?.pass === 2)) findings.forgetKeys()
      // The phases of every group in the wave load side by side, and share one phase's read-ahead between them.
      const wavePhases = wave.reduce((sum, group) => sum + group.length, 0)
      const settled = await Promise.allSettled(
        wave.map(async (group) => {
          const groupStarted = performance.now()
          const runPhases: RunPhase[] = []
          for (const phase of group) {
            const fingerprint = mapFingerprint(options.mapping, phase.entityMap.entity)
            // A case, opportunity or quote a run before closed is read-only: left closed when its record is unchanged
            // (a quote, which cannot be reopened, also when it changed), else reopened to load and closed again at the
            // end.
            const closedRows = await closedRowsGate(
              phase,
              run.runId,
              (record) => loadedHash(record, fingerprint),
              deps,
            )
            runPhases.push({
              ...phase,
              phaseSets,
              mapFingerprint: fingerprint,
              ...(closedRows !== undefined && { closedRows }),
            })
          }
          const result = await runGroup(
            runPhases,
            run.runId,
            options,
            deps,
            context,
            names,
            findings,
            wavePhases,
          )
          const lead = group[0]
          if (lead !== undefined && lastRead.get(lead.entityMap.entity) === group)
            findings.forgetKeys(lead.entityMap.entity)
          return { result, ms: performance.now() - groupStarted, pass: lead?.pass }
        }),
      )
      // Every group of a wave has finished (none is left writing) before a failure stops the run.
      const failed = settled.find((s) => s.status === 'rejected')
      if (failed !== undefined) throw failed.reason
      // The link pass's time is its wave's: its groups overlap.
      const linkMs = Math.max(
        0,
        ...settled.map((s) => (s.status === 'fulfilled' && s.value.pass === 2 ? s.value.ms : 0)),
      )
      if (linkMs > 0) deps.stages?.add('linkPass', linkMs)
      for (const s of settled) {
        if (s.status !== 'fulfilled') continue
        const { result } = s.value
        for (const [phase, count] of result.sourceCounts) sourceCounts.set(phase, count)
        if (result.report !== undefined) completeness.push(result.report)
        processed += result.processed
      }
    }
  } catch (error) {
    // Stopped on request: the run stays `running`, so `migrate` resumes it and `rollback` undoes it.
    return withCounts(error, () => deps.ledger.counts(run.runId), MIGRATE_RUN)
  }

  // Last, after every record and link is in: opportunities X2CRM won or lost are closed (they load open).
  // Each step records the rows it may create before it sends (intent before effect): rollback finds them.
  const scope = { runId: run.runId, intents: deps.ledger.intents }
  const closed = await closeOpportunities(phases, deps, undefined, scope)
  if (closed.won + closed.lost + closed.failed.length > 0)
    deps.emit({ type: 'opportunities.closed', ...closed })
  const cases = await closeCases(phases, options.instance, deps, scope)
  if (cases.resolved + cases.cancelled + cases.failed.length > 0)
    deps.emit({ type: 'cases.closed', ...cases })
  const lists = await addListMembers(phases, deps, scope)
  if (lists.lists + lists.dynamic + lists.unread > 0) deps.emit({ type: 'lists.filled', ...lists })
  const tagRows = await writeTagRows(phases, options.mapping, options.instance, deps, scope)
  if (tagRows.rows + tagRows.failed.length > 0) deps.emit({ type: 'tags.written', ...tagRows })
  const connections = await connectRelationships(phases, options.mapping, options.instance, deps, scope)
  if (connections.connected + connections.failed.length > 0)
    deps.emit({ type: 'connections.made', ...connections })
  // Then products are published (and the inactive retired), quotes activated, won or closed.
  const sales = await finishSales(phases, deps, { intents: scope })
  if (Object.values(sales).some((v) => (Array.isArray(v) ? v.length > 0 : v > 0)))
    deps.emit({ type: 'sales.finished', ...sales })

  const reconciliation = reconcile(sourceCounts, await deps.ledger.counts(run.runId))
  const finished = deps.now()
  const seconds = (finished.getTime() - started.getTime()) / 1000
  await deps.ledger.finishRun(run.runId, 'succeeded', finished, {
    reconciliation,
    seconds,
    processed,
    completeness,
    closed,
    cases,
    lists,
    connections,
    ...(deps.retries && { retries: deps.retries() }),
    findings: findings.findings(),
    ...(resumed && { findingsNote: 'resumed: findings cover the records this run read after resuming' }),
    sales,
    stages: deps.stages?.seconds(),
    tagRows,
  })
  deps.emit({ type: 'run.finished', runId: run.runId, status: 'succeeded', reconciliation, seconds })
  return { runId: run.runId, resumed, reconciliation, processed, seconds }
}

/** A phase of a shared read, where it stands when the read begins, and the records it takes from it. */
interface PhaseRead {
  phase: RunPhase
  /** Its checkpoint: it takes only records above this id (it had done the others). */
  afterId: number
  /** Records of the phase that already have an outcome in this run (a resumed run). */
  doneBefore: number
  /** Records it took in this run. */
  matched: number
}

interface GroupResult {
  /** Records the source has for each phase of the group. */
  sourceCounts: [string, number][]
  processed: number
  /** How complete the read of the class was, for the run's summary. */
  report?: CompletenessReport & { phase: string }
}

/**
 * Loads the phases of one shared read (plan/shared-reads.ts): the class is read once, from the lowest checkpoint of
 * its phases, and each record goes to every phase that takes it ({@link takesRecord}), above that phase's own
 * checkpoint. One phase loads from the read directly; several load side by side, each from a bounded queue the read
 * waits on ({@link fanOut}), so memory stays flat and the class is read once instead of once per table.
 */
async function runGroup(
  group: readonly RunPhase[],
  runId: string,
  options: MigrateOptions,
  deps: MigrateDeps,
  context: TransformContext,
  names?: NameIndex,
  findings?: FindingsCollector,
  /** The phases loading side by side with this group's, its own included. @default the group's */
  sideBySide: number = group.length,
): Promise<GroupResult> {
  const first = group[0]
  if (first === undefined) throw new InternalError('a shared read of no phase')
  const entity = first.entityMap.entity
  const listedCount = await deps.source.count(entity)
  const checkpoints = await Promise.all(group.map((phase) => deps.ledger.checkpoint(runId, phase.name)))
  // What a resumed run had done already. A phase without a checkpoint recorded nothing (a batch's outcomes and its
  // checkpoint are one transaction), so a fresh run does not count the run's outcomes (a scan of all of them, which
  // at a million records stops the ledger for a second at the start of every phase).
  const counts = checkpoints.some((c) => c !== undefined) ? await deps.ledger.counts(runId) : []
  const reads: PhaseRead[] = group.map((phase, i) => {
    const doneBefore = counts
      .filter((c) => c.phase === phase.name)
      .reduce((sum, c) => sum + c.created + c.updated + c.quarantined + c.skipped, 0)
    return { phase, afterId: checkpoints[i]?.lastSourceId ?? 0, doneBefore, matched: 0 }
  })
  // Read from the earliest checkpoint; a phase that had gone further skips the records it had done.
  const afterId = Math.min(...reads.map((r) => r.afterId))
  for (const r of reads)
    deps.emit({
      type: 'phase.started',
      phase: r.phase.name,
      sourceCount: listedCount,
      resumeAfterId: r.afterId,
    })
  // Lists hide some records (private, assigned to nobody): read the class with its id gaps fetched one by one.
  const extraction = options.gapFill === false ? undefined : extractClass(deps.source, entity, { afterId })
  const extracted = extraction ?? deps.source.records(entity, { afterId })
  // The name index learns a class only when this run reads it from its first record.
  const indexing = names !== undefined && first.pass === 1 && afterId === 0
  const read = indexing ? withNamesNoted(extracted, entity, names) : extracted
  // A split map (Contacts → lead and → contact) takes only the records its rule selects; the first table of a class
  // routed by type (Actions) also takes the records no table takes, which the load quarantines.
  const takes = (r: PhaseRead, record: X2crmRecord): boolean => {
    if (r.afterId > afterId && numericId(record) <= r.afterId) return false
    if (!takesRecord(r.phase, record)) return false
    r.matched++
    return true
  }
  const observe =
    findings === undefined || first.pass !== 1
      ? undefined
      : (record: X2crmRecord) => findings.observe(entity, record)
  // Phases loading side by side share the read-ahead one phase alone may hold, so memory does not grow with them. The
  // link pass holds less: most of its records set nothing and are only passed over, and it runs last, on top of all
  // the first pass left in memory.
  const sharing = Math.max(reads.length, sideBySide)
  const readAhead = first.pass === 2 ? LINK_PASS_READ_AHEAD : LOADER_READ_AHEAD
  const loadOptions =
    sharing > 1 || first.pass === 2
      ? { ...options, maxBufferedRows: sharedReadAhead(options, sharing, readAhead) }
      : options
  const load = async (r: PhaseRead, records: AsyncIterable<X2crmRecord>) => {
    const processed = await loadPhase(r.phase, runId, records, loadOptions, deps, context, {
      done: r.doneBefore,
      total: () => listedCount,
    })
    deps.emit({ type: 'phase.finished', phase: r.phase.name })
    return processed
  }
  const processed =
    reads.length === 1 && reads[0] !== undefined
      ? await load(reads[0], taken(read, reads[0], takes, observe))
      : await loadShared(reads, observe === undefined ? read : observed(read, observe), takes, load, options)
  if (indexing) names.complete(entity)

  const report = extraction?.report()
  if (reads.length === 1 && first.entityMap.where === undefined) {
    if (report === undefined) return { sourceCounts: [[first.name, listedCount]], processed }
    // The source count is what exists, not what lists show: listed + found by id, plus what a resumed run had done.
    deps.emit({ type: 'phase.completeness', phase: first.name, report })
    const sourceCount = (reads[0]?.doneBefore ?? 0) + report.listed + report.gapFetched
    return { sourceCounts: [[first.name, sourceCount]], processed, report: { phase: first.name, ...report } }
  }
  // What exists for each phase is what its rule selected from everything read (hidden records included).
  const sourceCounts = reads.map((r): [string, number] => [r.phase.name, r.doneBefore + r.matched])
  if (report === undefined) return { sourceCounts, processed }
  if (reads.length === 1) {
    deps.emit({ type: 'phase.completeness', phase: first.name, report })
    return { sourceCounts, processed }
  }
  // One read for the class: its completeness is the class's (`Actions`; `Actions.links` for the link pass).
  const label = first.pass === 1 ? entity : `${entity}.links`
  deps.emit({ type: 'phase.completeness', phase: label, report })
  return { sourceCounts, processed, report: { phase: label, ...report } }
}

/** The records of a one-phase read that the phase takes, each one observed for the findings as it goes. */
async function* taken(
  records: AsyncIterable<X2crmRecord>,
  r: PhaseRead,
  takes: (r: PhaseRead, record: X2crmRecord) => boolean,
  observe?: (record: X2crmRecord) => void,
): AsyncGenerator<X2crmRecord> {
  for await (const record of records) {
    if (!takes(r, record)) continue
    observe?.(record)
    yield record
  }
}

async function* observed(
  records: AsyncIterable<X2crmRecord>,
  observe: (record: X2crmRecord) => void,
): AsyncGenerator<X2crmRecord> {
  for await (const record of records) {
    observe(record)
    yield record
  }
}

/** Rows the loader of a phase loading alone may hold read ahead (the loader's default). */
const LOADER_READ_AHEAD = 10_000
/** The same, for the link pass: its groups, side by side, share this many. */
const LINK_PASS_READ_AHEAD = 4_000

/**
 * The read-ahead of each of `phases` phases loading side by side: an equal share of `total` (what one phase alone
 * may hold), and at least four batches, so each still keeps a few calls in flight. Pure.
 */
export function sharedReadAhead(
  options: { batchSize?: number },
  phases: number,
  total: number = LOADER_READ_AHEAD,
): number {
  const batchSize = options.batchSize ?? 100
  return Math.max(batchSize * 4, Math.floor(total / Math.max(1, phases)))
}

/** Batches of records each phase may hold queued, besides those its loader prepares: what bounds the memory. */
const QUEUED_BATCHES = 4

/**
 * Several phases loading side by side from one read. When one fails (Dataverse down, Ctrl-C), the read stops, the
 * others finish what they were given and record it (their checkpoints stay true), and the failure is thrown: the
 * read's own failure first, else the first phase's to fail.
 */
async function loadShared(
  reads: readonly PhaseRead[],
  records: AsyncIterable<X2crmRecord>,
  takes: (r: PhaseRead, record: X2crmRecord) => boolean,
  load: (r: PhaseRead, records: AsyncIterable<X2crmRecord>) => Promise<number>,
  options: MigrateOptions,
): Promise<number> {
  const capacity = (options.batchSize ?? 100) * QUEUED_BATCHES
  const routes = reads.map((r) => ({
    takes: (record: X2crmRecord) => takes(r, record),
    channel: createChannel<X2crmRecord>(capacity),
  }))
  const failures: unknown[] = []
  const loads = routes.map(async (route, index) => {
    const r = reads[index]
    try {
      return r === undefined ? 0 : await load(r, route.channel)
    } catch (error) {
      failures.push(error)
      return 0
    } finally {
      route.channel.close()
    }
  })
  const reading = fanOut(records, routes, () => failures.length > 0).then(
    () => undefined,
    (error: unknown) => ({ error }),
  )
  const processed = (await Promise.all(loads)).reduce((a, b) => a + b, 0)
  const readFailure = await reading
  if (readFailure !== undefined) throw readFailure.error
  if (failures.length > 0) throw failures[0]
  return processed
}

/** Usernames of X2CRM's inactive users (their records are a finding); none when the users cannot be read. */
async function inactiveUsers(source: Pick<X2crmSource, 'users'>): Promise<Set<string>> {
  const users = await source.users().catch(() => [])
  return new Set(users.filter((u) => u.status !== 1).map((u) => u.username))
}

/** The records as they are read, each one's name noted in the index on the way. */
async function* withNamesNoted(
  records: AsyncIterable<X2crmRecord>,
  entity: string,
  names: NameIndex,
): AsyncGenerator<X2crmRecord> {
  for await (const record of records) {
    names.add(entity, Number(record.id), record['name'])
    yield record
  }
}

function numericId(record: X2crmRecord): number {
  const id = Number(record['id'])
  return Number.isFinite(id) ? id : 0
}
