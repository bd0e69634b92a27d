import { sourceKeyOf } from '../domain/source-key.ts'
import { withRecordTags } from './record-tags.ts'
import { closeCases } from './close-incidents.ts'
import { rowsToClose } from './close-scope.ts'
import { keepSalesStateImages, reopenChangedRows } from './reopen-closed.ts'
import type { Ledger, LoadedRecord, RecordOutcome, RunInfo } from '../ledger/ledger.ts'
import { transformRecord } from '../mapping/transform-record.ts'
import type { TransformContext } from '../mapping/types.ts'
import { mapFingerprint } from '../mapping/map-fingerprint.ts'
import {
  classesInOrder,
  phaseEntitySets,
  planLoad,
  rowPhaseName,
  rowPhaseOf,
  type LoadPlan,
} from '../plan/plan-load.ts'
import { reconcile, type Reconciliation } from './reconciliation.ts'
import { HttpError, InternalError, markRunStopped, MigrationError } from '../errors.ts'
import { type DeltaChange, type DeltaStatus } from '../source/x2crm/delta.ts'
import {
  candidatesOf,
  detectClass,
  planChanges,
  readingOf,
  type ChangesMode,
  type ChangesPlan,
  type ChangesReading,
  type ClassRead,
} from './delta-changes.ts'
import type { CompletenessReport } from '../source/x2crm/extract.ts'
import type { X2crmRecord } from '../source/x2crm/types.ts'
import { imageColumns, readExisting } from './before-image.ts'
import { chunks } from './chunks.ts'
import { stopIfAborted, withCounts } from './interrupted.ts'
import { loadedHash, loadPhase, type RunPhase } from './load-phase.ts'
import { takesRecord } from './route-records.ts'
import { closeOpportunities, type CloseSummary } from './close-opportunities.ts'
import { finishSales } from './finish-sales.ts'
import { closedQuotes } from './closed-quotes.ts'
import { buildContext } from './build-context.ts'
import { readNames } from './read-names.ts'
import { MIGRATE_RUN, type MigrateDeps, type MigrateOptions } from './migrate.ts'
import { countStatuses } from './outcomes-from-load.ts'
import { undoneRuns } from './run-chain.ts'
import { cannotDeactivate, inactiveState, STATE_COLUMNS, type DeletionPolicy } from './retire.ts'

export const DELTA_RUN = 'delta'

export interface DeltaOptions extends Pick<
  MigrateOptions,
  'instance' | 'mapping' | 'batchSize' | 'defaultOwnerEmail' | 'ownerDecisions'
> {
  /** What becomes of the Dataverse row of a record deleted in X2CRM. @default 'deactivate' */
  deletions?: DeletionPolicy
  /** How changes are found (delta-changes.ts). @default 'changelog' with the database source, else 'full' */
  changes?: ChangesMode
  /** @default CHANGES_MARGIN_SECONDS */
  changesMarginSeconds?: number
  /** Unmarked records per class read anyway in changelog mode, to check the marks. @default SPOT_CHECK */
  changesSpotCheck?: number
}

export type DeltaDeps = MigrateDeps

/** What one X2CRM class's delta found, and what became of it. */
export interface EntityDelta {
  entity: string
  found: Record<DeltaStatus, number>
  /** Of the `new`: records an earlier run quarantined, tried again (they have no hash until they load). */
  retried: number
  /** How the class was read: listed, found by id, gone. */
  completeness?: CompletenessReport
  /** Whether only what changed was read (changelog) or everything (full), and how many records were read whole. */
  read?: ClassRead
}

/** One change, for the list a person reads after the run (the ledger holds all of them). */
export interface DeltaChangeLine {
  sourceKey: string
  /** `relinked`: unchanged in X2CRM, loaded again because a parent it links to arrived in this delta. */
  change: 'new' | 'retried' | 'changed' | 'deleted' | 'relinked'
  phase: string
  outcome: RecordOutcome['status']
  /** `deactivated`, `deleted`, the quarantine reason … */
  detail?: string
}

export interface DeltaResult {
  runId: string
  /** The migrate run whose content hashes the delta compared against (the first one; later deltas moved them on). */
  since: string
  entities: EntityDelta[]
  reconciliation: Reconciliation
  /** The first changes in the order they were loaded (at most {@link CHANGE_LINES}). */
  changes: DeltaChangeLine[]
  deletions: DeletionPolicy
  /** How changes were found: `changelog` (marks since the watermark, proven by hash) or `full` (every record). */
  reading?: ChangesReading
  seconds: number
}

/** How many changes a result lists; the ledger and `x2d365 report` have every one. */
export const CHANGE_LINES = 200
/** Records read from X2CRM and loaded as one step (the loader sends them as concurrent batches). */
const CHUNK_BATCHES = 10

/**
 * Brings Dataverse up to date with X2CRM after a migration: every class of the map is read whole (hidden records
 * included) and hashed; a record whose hash differs from the one kept when it was last loaded is changed, even when
 * X2CRM did not bump `lastUpdated` (tags, relationships, direct SQL); a record with no hash is new; a kept hash with
 * no record is a deletion. New and changed records are upserted in dependency order (before-images of the rows they
 * overwrite are kept), then the links that had to wait; deletions are applied last, in reverse order, as
 * `options.deletions` says. A record's hash moves on only once its row is in Dataverse, so a delta that stops or
 * quarantines a record finds it again next time: running it twice is safe, and a second run with no source changes
 * does nothing.
 *
 * On the database source the classes are not read whole by default (`options.changes`, delta-changes.ts): an id-only
 * scan finds new and deleted records, and only the records X2CRM marked as changed since the last run (change log,
 * `lastUpdated`, tags) are read and compared by hash; `changes: 'full'` reads everything, as through the API.
 */
export async function delta(given: DeltaOptions, givenDeps: DeltaDeps): Promise<DeltaResult> {
  // A tag added or removed changes the record's hash: the tags travel in the records (record-tags.ts).
  const { mapping, deps } = withRecordTags(given.mapping, givenDeps)
  const options = { ...given, mapping }
  const started = deps.now()
  const run = await openDelta(options, deps, started)
  const stop = () => stopIfAborted(deps.signal, run.runId, DELTA_RUN)
  try {
    for (const entity of classesInOrder(run.plan)) {
      stop()
      const detected = await detectChanges(run, entity)
      await loadChanges(run, detected)
    }
    stop()
    await relinkChildren(run)
    stop()
    await setWaitingLinks(run)
    // Opportunities this delta loaded that X2CRM has won or lost since are closed, after everything is in.
    // Each close records the row it creates before it sends (intent before effect): rollback finds it.
    const scope = { runId: run.runId, intents: deps.ledger.intents }
    const toClose = await rowsToClose(deps.ledger, run.touched, run.runId)
    run.closed = await closeOpportunities(run.firstPass, deps, toClose, scope)
    if (run.closed.won + run.closed.lost + run.closed.failed.length > 0)
      deps.emit({ type: 'opportunities.closed', ...run.closed })
    await retireDeletions(run, stop)
    // A case X2CRM resolved or cancelled during the cutover is closed in Dataverse too; only what differs is written.
    // Changelog mode: only those loaded (or left reopened); a full delta reads every case anyway.
    const only = run.reading.mode === 'full' ? undefined : toClose
    const cases = await closeCases(run.plan.phases, options.instance, deps, scope, only)
    if (cases.resolved + cases.cancelled + cases.failed.length > 0)
      deps.emit({ type: 'cases.closed', ...cases })
    // Products and quotes this delta loaded get the state X2CRM says, as migrate does: published, retired or active
    // again; activated, won or closed (each quote recorded before WinQuote / CloseQuote leaves).
    const sales = await finishSales(run.plan.phases, deps, { intents: scope, only: run.touched })
    if (Object.values(sales).some((v) => (Array.isArray(v) ? v.length > 0 : v > 0)))
      deps.emit({ type: 'sales.finished', ...sales })
  } catch (error) {
    // Stopped on request: the run stays `running`; the next delta closes it as failed and does the rest. Any other
    // failure: the next delta closes this one as failed and finds what it left undone (hashes move only once loaded).
    return withCounts(markRunStopped(error, run.runId), () => deps.ledger.counts(run.runId), DELTA_RUN)
  }
  return closeDelta(run, started)
}

/** What a delta has found and done so far, handed from one step to the next. */
interface DeltaRun {
  runId: string
  /** The migrate run the delta builds on. */
  since: string
  options: DeltaOptions
  deps: DeltaDeps
  context: TransformContext
  plan: LoadPlan
  firstPass: RunPhase[]
  linkPass: RunPhase[]
  policy: DeletionPolicy
  /** Source keys an earlier run quarantined: found "new" again, they are retried. */
  quarantined: ReadonlySet<string>
  /** Records per phase, for the reconciliation. */
  sourceCounts: Map<string, number>
  /** The first {@link CHANGE_LINES} changes, in the order they were loaded. */
  changes: DeltaChangeLine[]
  entities: EntityDelta[]
  /** Records whose second-pass links must be set once every class is in, per first-pass phase. */
  awaitingLinks: Map<string, X2crmRecord[]>
  /** Of those, the ones only there to be relinked (unchanged in X2CRM). */
  relinking: Set<string>
  /** Ids gone from X2CRM, per class. */
  deleted: Map<string, number[]>
  /** Rows this delta created (their children may wait for them). */
  arrived: Set<string>
  /** Every record this delta loaded. */
  touched: Set<string>
  /** The opportunities it closed (won or lost in X2CRM since they were loaded). */
  closed?: CloseSummary
  /** How changes are found (changelog or full), decided at the start. */
  reading: ChangesPlan
  /** Per class, ids compared whatever X2CRM marked: fixed (`x2d365 fix`) or quarantined before. */
  alsoCheck: ReadonlyMap<string, ReadonlySet<number>>
}

/** Starts the run: the base migration, the owners, the plan, and nothing found yet. */
async function openDelta(options: DeltaOptions, deps: DeltaDeps, started: Date): Promise<DeltaRun> {
  const since = await baseRun(deps.ledger, options.instance)
  const run = await startDeltaRun(deps.ledger, options, started)
  deps.emit({ type: 'run.started', runId: run.runId, resumed: false, at: started.toISOString() })
  const owners = await buildContext(options, deps)
  const quarantined = await quarantinedBefore(deps.ledger, since, run.runId)
  const reading = await planChanges(options.changes, deps.related?.changes, deps.ledger, {
    instance: options.instance,
    current: run.runId,
    now: started,
    ...(options.changesMarginSeconds !== undefined && { marginSeconds: options.changesMarginSeconds }),
  })
  // Plain-text links are linked by name (`linkByName`), as migrate linked them; in changelog mode from ids and names
  // alone (`SELECT id, name`), not whole records.
  const names = await readNames(
    deps.source,
    options.mapping,
    reading.mode === 'changelog'
      ? { finder: reading.finder, fixes: await deps.ledger.fixes.current() }
      : undefined,
  )
  const context: TransformContext = { ...owners, idsNamed: (entity, name) => names.lookup(entity, name) }
  const plan = planLoad(options.mapping)
  const phaseSets = phaseEntitySets(plan.phases)
  const phases = plan.phases.map((p): RunPhase => ({
    ...p,
    phaseSets,
    mapFingerprint: mapFingerprint(options.mapping, p.entityMap.entity),
  }))
  return {
    runId: run.runId,
    since,
    options,
    deps,
    context,
    plan,
    firstPass: phases.filter((p) => p.pass === 1),
    linkPass: phases.filter((p) => p.pass === 2),
    policy: options.deletions ?? 'deactivate',
    quarantined,
    sourceCounts: new Map(),
    changes: [],
    entities: [],
    awaitingLinks: new Map(),
    relinking: new Set(),
    deleted: new Map(),
    arrived: new Set(),
    touched: new Set(),
    reading,
    alsoCheck:
      reading.mode === 'full' ? new Map() : candidatesOf(quarantined, await deps.ledger.fixes.current()),
  }
}

function count(run: DeltaRun, phase: string, n = 1): void {
  run.sourceCounts.set(phase, (run.sourceCounts.get(phase) ?? 0) + n)
}

function note(run: DeltaRun, lines: readonly DeltaChangeLine[]): void {
  for (const line of lines) if (run.changes.length < CHANGE_LINES) run.changes.push(line)
}

/** One class being compared: its summary, and its new and changed records as they are found. */
interface DetectedClass {
  entity: string
  summary: EntityDelta
  /** The progress phase of the comparison (`Accounts delta`). */
  comparing: string
  upserts: AsyncIterable<Upsert>
}

/**
 * Step 1, per class: reads the class whole and compares each record's hash with the one kept. New and changed
 * records stream out as they are found; deleted ids are set aside for the last step.
 */
async function detectChanges(run: DeltaRun, entity: string): Promise<DetectedClass> {
  const { deps } = run
  const summary: EntityDelta = {
    entity,
    found: { new: 0, changed: 0, unchanged: 0, deleted: 0 },
    retried: 0,
  }
  run.entities.push(summary)
  const listed = await deps.source.count(entity)
  const comparing = `${entity} delta`
  deps.emit({ type: 'phase.started', phase: comparing, sourceCount: listed, resumeAfterId: 0 })
  let lastRead = 0
  // A record is changed when X2CRM's values changed or when the map's columns for its class did (a field added).
  const fingerprint = mapFingerprint(run.options.mapping, entity)
  const detected = detectClass(run.reading, deps.source, entity, deps.ledger.contentHashes, {
    hash: (record) => loadedHash(record, fingerprint),
    alsoCheck: run.alsoCheck.get(entity) ?? new Set(),
    ...(run.options.changesSpotCheck !== undefined && { spotCheck: run.options.changesSpotCheck }),
    onFound: (found, report) => {
      if (report !== undefined) summary.completeness = report
      summary.found = { ...found }
    },
    onRead: (read) => {
      summary.read = read
    },
    onProgress: (read) => {
      deps.emit({
        type: 'phase.progress',
        phase: comparing,
        done: read,
        total: Math.max(listed, read),
        step: read - lastRead,
        unit: 'rec/s',
      })
      lastRead = read
    },
  })
  const gone: number[] = []
  run.deleted.set(entity, gone)
  const changes = upserts(detected, gone, (change) => {
    if (change.status === 'new' && run.quarantined.has(sourceKeyOf(entity, change.id))) summary.retried++
  })
  return { entity, summary, comparing, upserts: changes }
}

/** Step 2, per class: loads the new and changed records chunk by chunk, as they are detected, into their phases. */
async function loadChanges(run: DeltaRun, detected: DetectedClass): Promise<void> {
  const { deps, options } = run
  const entityPhases = run.firstPass.filter((p) => p.entity === detected.entity)
  for await (const chunk of chunks(detected.upserts, (options.batchSize ?? 100) * CHUNK_BATCHES)) {
    note(run, await upsertChunk(run, chunk, entityPhases))
  }
  deps.emit({ type: 'phase.finished', phase: detected.comparing })
  if (detected.summary.completeness !== undefined)
    deps.emit({ type: 'phase.completeness', phase: detected.entity, report: detected.summary.completeness })
}

/**
 * Step 3: records loaded earlier with a link left empty because its parent was not in Dataverse yet. The parent
 * arrived now (new, or a quarantined record that loads at last), so they are loaded again to bind it; those whose
 * link waits for the link pass join {@link DeltaRun.awaitingLinks}.
 */
async function relinkChildren(run: DeltaRun): Promise<void> {
  const { deps, options } = run
  const waiting = await waitingFor(deps.ledger, run.arrived, run.since, run.runId, run.touched)
  for (const [phaseName, keys] of waiting) {
    const phase = rowPhaseOf(run.firstPass, phaseName)
    if (phase === undefined) continue
    const records = await fetchRecords(deps, phase.entity, keys)
    if (records.length === 0) continue
    if (phaseName !== phase.name) {
      run.awaitingLinks.set(phase.name, [...(run.awaitingLinks.get(phase.name) ?? []), ...records])
      for (const key of keys) run.relinking.add(key)
      continue
    }
    count(run, phase.name, records.length)
    deps.emit({ type: 'phase.started', phase: phase.name, sourceCount: records.length, resumeAfterId: 0 })
    await loadPhase(phase, run.runId, streamOf(records), options, deps, run.context, {
      done: 0,
      total: () => records.length,
      onOutcomes: (outcomes) =>
        note(
          run,
          outcomes.map((o) => ({
            sourceKey: o.sourceKey,
            change: 'relinked',
            phase: o.phase,
            outcome: o.status,
            ...(o.reason === undefined ? {} : { detail: o.reason }),
          })),
        ),
    })
    deps.emit({ type: 'phase.finished', phase: phase.name })
  }
}

/** Step 4: the link pass, for the records loaded or relinked in this delta whose second-pass links had to wait. */
async function setWaitingLinks(run: DeltaRun): Promise<void> {
  const { deps, options } = run
  for (const phase of run.linkPass) {
    const records = run.awaitingLinks.get(phase.linksOf ?? phase.name) ?? []
    if (records.length === 0) continue
    count(run, phase.name, records.length)
    deps.emit({ type: 'phase.started', phase: phase.name, sourceCount: records.length, resumeAfterId: 0 })
    await loadPhase(phase, run.runId, streamOf(records), options, deps, run.context, {
      done: 0,
      total: () => records.length,
      onOutcomes: (outcomes) =>
        note(
          run,
          outcomes
            .filter((o) => run.relinking.has(o.sourceKey))
            .map((o) => ({
              sourceKey: o.sourceKey,
              change: 'relinked' as const,
              phase: o.phase,
              outcome: o.status,
              ...(o.reason === undefined ? {} : { detail: o.reason }),
            })),
        ),
    })
    deps.emit({ type: 'phase.finished', phase: phase.name })
  }
}

/** Step 5: deletions, class by class in reverse load order (children before their parents), a batch at a time. */
async function retireDeletions(run: DeltaRun, stop: () => void): Promise<void> {
  const batchSize = run.options.batchSize ?? 100
  for (const entity of classesInOrder(run.plan).reverse()) {
    const ids = run.deleted.get(entity) ?? []
    for (let i = 0; i < ids.length; i += batchSize) {
      stop()
      note(run, await retireBatch(run, entity, ids.slice(i, i + batchSize)))
    }
  }
}

/** Step 6: reconciles what each phase read against what the ledger recorded, and closes the run. */
async function closeDelta(run: DeltaRun, started: Date): Promise<DeltaResult> {
  const { deps } = run
  const reconciliation = reconcile(run.sourceCounts, await deps.ledger.counts(run.runId))
  const finished = deps.now()
  const seconds = (finished.getTime() - started.getTime()) / 1000
  await deps.ledger.finishRun(run.runId, 'succeeded', finished, {
    reconciliation,
    seconds,
    since: run.since,
    deletions: run.policy,
    entities: run.entities,
    reading: readingOf(run.reading),
    ...(deps.retries && { retries: deps.retries() }),
    ...(run.closed !== undefined && { closed: run.closed }),
  })
  deps.emit({ type: 'run.finished', runId: run.runId, status: 'succeeded', reconciliation, seconds })
  return {
    runId: run.runId,
    since: run.since,
    entities: run.entities,
    reconciliation,
    changes: run.changes,
    deletions: run.policy,
    reading: readingOf(run.reading),
    seconds,
  }
}

/** The migrate run a delta builds on: the newest full one that succeeded for this instance. */
async function baseRun(ledger: Ledger, instance: string): Promise<string> {
  const undone = await undoneRuns(ledger)
  const migrated = (await ledger.runs()).filter(
    (r) =>
      r.kind === MIGRATE_RUN &&
      r.status === 'succeeded' &&
      r.params['instance'] === instance &&
      !undone.has(r.runId),
  )
  const full = migrated.find((r) => r.params['sample'] === undefined)
  if (full === undefined) {
    throw new MigrationError(
      migrated.length > 0
        ? 'The only migrations in the ledger are rehearsals (--sample); a delta needs a full `x2d365 migrate` first.'
        : `The ledger has no finished migration of instance "${instance}"; run \`x2d365 migrate\` first (a delta loads only what changed since).`,
    )
  }
  return full.runId
}

/**
 * A delta that was stopped is closed as failed (its outcomes stay, for the report and for rollback) and a new one
 * starts: the stopped run moved the hash of every record it loaded, so the new one picks up exactly the rest.
 */
async function startDeltaRun(ledger: Ledger, options: DeltaOptions, at: Date): Promise<RunInfo> {
  const stopped = await ledger.unfinishedRun(DELTA_RUN)
  if (stopped !== undefined) {
    await ledger.finishRun(stopped.runId, 'failed', at, { interrupted: true, continuedBy: 'the next delta' })
  }
  return ledger.startRun(
    DELTA_RUN,
    {
      instance: options.instance,
      batchSize: options.batchSize ?? 100,
      deletions: options.deletions ?? 'deactivate',
      ...(stopped === undefined ? {} : { continues: stopped.runId }),
    },
    at,
  )
}

type Upsert = Extract<DeltaChange, { status: 'new' | 'changed' }>

/** New and changed records, in id order; deleted ids are set aside in `gone` (they are applied at the end). */
async function* upserts(
  changes: AsyncIterable<DeltaChange>,
  gone: number[],
  seen: (change: Upsert) => void,
): AsyncGenerator<Upsert> {
  for await (const change of changes) {
    if (change.status === 'deleted') gone.push(change.id)
    else {
      seen(change)
      yield change
    }
  }
}

/**
 * Source keys quarantined by the base migration or a delta since: such a record has no hash, so a delta finds it
 * "new" every time until it loads; the summary calls it retried instead. Held in memory (only quarantined keys).
 */
async function quarantinedBefore(ledger: Ledger, since: string, current: string): Promise<Set<string>> {
  const runs = await ledger.runs()
  const base = runs.findIndex((r) => r.runId === since)
  const keys = new Set<string>()
  for (const run of runs.slice(0, base + 1)) {
    if (run.runId === current || (run.kind !== MIGRATE_RUN && run.kind !== DELTA_RUN)) continue
    for await (const outcome of ledger.outcomes(run.runId))
      if (outcome.status === 'quarantined') keys.add(outcome.sourceKey)
  }
  return keys
}

/**
 * Loads one chunk of new and changed records of a class into every phase whose rule selects them, then moves their
 * hashes on: the hash of a record that some phase quarantined stays as it was, so the next delta tries it again.
 */
async function upsertChunk(
  run: DeltaRun,
  chunk: readonly Upsert[],
  entityPhases: readonly RunPhase[],
): Promise<DeltaChangeLine[]> {
  const { runId, options, deps, context } = run
  const change = new Map(chunk.map((c) => [sourceKeyOf(entityPhases[0]?.entityMap.entity ?? '', c.id), c]))
  const failed = new Set<string>()
  // Where each record was before: a split map (Contacts → lead / contact) can move a record to the other table.
  const previously: ReadonlyMap<string, LoadedRecord> =
    entityPhases.length > 1 ? await deps.ledger.loaded([...change.keys()]) : new Map()
  const lines: DeltaChangeLine[] = []
  for (const phase of entityPhases) {
    // A class routed by type (Actions): the first phase also takes what no rule takes, to quarantine it again.
    const records = chunk.map((c) => c.record).filter((r) => takesRecord(phase, r))
    if (records.length === 0) continue
    count(run, phase.name, records.length)
    // A changed case or opportunity that is closed in Dataverse is read-only: reopened to load, closed again at the
    // end when X2CRM still says so (a record X2CRM reopened stays open).
    const keys = records.map((r) => sourceKeyOf(phase.entityMap.entity, String(r['id'])))
    await reopenChangedRows(phase, keys, runId, deps)
    // A product's or quote's state is set after the load: its image keeps the state, for rollback.
    await keepSalesStateImages(phase, keys, runId, deps)
    // A won or closed quote is read-only: its change is skipped and said so, not sent to be refused.
    const readOnly = await closedQuotes(phase, keys, runId, deps)
    if (readOnly.size > 0) {
      await deps.ledger.recordBatch(runId, phase.name, [...readOnly.values()], { lastSourceId: 0 })
      await deps.ledger.contentHashes.save(
        phase.entityMap.entity,
        chunk
          .filter((c) => readOnly.has(sourceKeyOf(phase.entityMap.entity, c.id)))
          .map((c) => ({ id: c.id, hash: c.hash })),
      )
      for (const outcome of readOnly.values()) {
        failed.add(outcome.sourceKey)
        lines.push({
          sourceKey: outcome.sourceKey,
          change: labelOf(change.get(outcome.sourceKey)?.status, false),
          phase: phase.name,
          outcome: 'skipped',
          ...(outcome.reason !== undefined && { detail: outcome.reason }),
        })
      }
    }
    const done = (await deps.ledger.counts(runId)).find((c) => c.phase === phase.name)
    const before = done === undefined ? 0 : done.created + done.updated + done.quarantined + done.skipped
    const toLoad = records.filter((r) => !readOnly.has(sourceKeyOf(phase.entityMap.entity, String(r['id']))))
    await loadPhase(phase, runId, streamOf(toLoad), options, deps, context, {
      done: before,
      total: () => before + toLoad.length,
      onOutcomes: (outcomes) => {
        for (const outcome of outcomes) {
          run.touched.add(outcome.sourceKey)
          if (outcome.status === 'created') run.arrived.add(outcome.sourceKey)
          if (outcome.status !== 'created' && outcome.status !== 'updated') failed.add(outcome.sourceKey)
          const wrote = previously.get(outcome.sourceKey)?.phase
          const was = wrote === undefined ? undefined : rowPhaseName(wrote)
          const moved =
            was !== undefined &&
            was !== phase.name &&
            (outcome.status === 'created' || outcome.status === 'updated')
              ? `moved by the map's rule from ${was} to ${phase.name}: the row in ${was} is left as it was (qualify, deactivate or delete it in Dataverse)`
              : undefined
          const detail = [outcome.reason, moved].filter((d) => d !== undefined).join('; ')
          lines.push({
            sourceKey: outcome.sourceKey,
            change: labelOf(change.get(outcome.sourceKey)?.status, run.quarantined.has(outcome.sourceKey)),
            phase: phase.name,
            outcome: outcome.status,
            ...(detail === '' ? {} : { detail }),
          })
        }
      },
    })
    if (run.linkPass.some((p) => p.linksOf === phase.name)) {
      const waiting = run.awaitingLinks.get(phase.name) ?? []
      for (const record of records) {
        const key = sourceKeyOf(phase.entityMap.entity, String(record['id']))
        if (failed.has(key)) continue
        const links = transformRecord(phase.entityMap, record, context)
        // Second-pass links, and an activity's state (completed, canceled), are set in the link pass.
        const later = links.status === 'ok' && Object.keys(links.later ?? {}).length > 0
        if (links.status === 'ok' && (later || links.links.some((l) => l.pass === 2))) waiting.push(record)
      }
      run.awaitingLinks.set(phase.name, waiting)
    }
  }
  // loadPhase saved the hashes of what arrived; a record no phase selects has nothing to load and is settled too.
  const entity = entityPhases[0]?.entityMap.entity ?? ''
  const unselected = chunk.filter((c) => !entityPhases.some((p) => takesRecord(p, c.record)))
  await deps.ledger.contentHashes.save(
    entity,
    unselected.map((c) => ({ id: c.id, hash: c.hash })),
  )
  return lines
}

/**
 * Applies deletions of one class: each deleted record's row (in whichever table its phase loaded it) is deactivated,
 * deleted or left, with its before-image kept first so rollback can put it back. The hash is dropped either way, so
 * the next delta does not report the deletion again.
 */
async function retireBatch(
  run: DeltaRun,
  entity: string,
  ids: readonly number[],
): Promise<DeltaChangeLine[]> {
  const { runId, deps, policy } = run
  const keys = ids.map((id) => sourceKeyOf(entity, id))
  const loaded = await deps.ledger.loaded(keys)
  const outcomes: RecordOutcome[] = []
  const byPhase = new Map<string, RecordOutcome[]>()
  for (const key of keys) {
    const row = loaded.get(key)
    if (row === undefined) continue
    // The newest write may have been the link pass (`Accounts.links`): the row is in its first pass's table.
    const phase = rowPhaseOf(run.firstPass, row.phase)
    if (phase === undefined) {
      throw new InternalError(`${key} was loaded by phase ${row.phase}, which the map does not have`)
    }
    const base = { runId, phase: phase.name, sourceKey: key, targetId: row.targetId }
    const { table } = phase.entityMap
    count(run, phase.name)
    const state = inactiveState(table.logicalName)
    let outcome: RecordOutcome
    if (policy === 'ignore') {
      outcome = { ...base, status: 'skipped', reason: 'deleted in X2CRM; run.delta.deletions is ignore' }
    } else if (policy === 'deactivate' && state === undefined) {
      outcome = {
        ...base,
        status: 'skipped',
        reason: `deleted in X2CRM; ${cannotDeactivate(table.logicalName)}`,
      }
    } else {
      outcome = await retireRow(phase, row.targetId, policy, state, base, runId, deps).catch(
        (error: unknown) => {
          // The row was refused (a 4xx other than throttling): the record is quarantined, the run goes on.
          if (
            !(error instanceof HttpError) ||
            error.status < 400 ||
            error.status >= 500 ||
            error.status === 429
          )
            throw error
          return { ...base, status: 'quarantined' as const, reason: `deleted in X2CRM; ${error.message}` }
        },
      )
    }
    outcomes.push(outcome)
    byPhase.set(phase.name, [...(byPhase.get(phase.name) ?? []), outcome])
  }
  for (const [phase, list] of byPhase) {
    await deps.ledger.recordBatch(runId, phase, list, { lastSourceId: 0 })
    deps.emit({
      type: 'batch.loaded',
      phase,
      size: list.length,
      counts: countStatuses(list),
      lastSourceId: 0,
      done: list.length,
      total: list.length,
    })
  }
  await deps.ledger.contentHashes.remove(entity, ids)
  return outcomes.map((o) => ({
    sourceKey: o.sourceKey,
    change: 'deleted',
    phase: o.phase,
    outcome: o.status,
    ...(o.reason === undefined ? {} : { detail: o.reason }),
  }))
}

async function retireRow(
  phase: RunPhase,
  targetId: string,
  policy: 'deactivate' | 'delete',
  state: ReturnType<typeof inactiveState>,
  base: Omit<RecordOutcome, 'status'>,
  runId: string,
  deps: DeltaDeps,
): Promise<RecordOutcome> {
  const { table } = phase.entityMap
  const columns = [...imageColumns(phase.entityMap), ...(state === undefined ? [] : STATE_COLUMNS)]
  // A row deleted here is re-created by rollback with its creation date, which only createdon holds.
  if (policy === 'delete' && columns.includes('overriddencreatedon')) columns.push('createdon')
  const image = (await readExisting(deps.target, table, [targetId], columns)).get(targetId)
  if (image === undefined) {
    return { ...base, status: 'skipped', reason: 'deleted in X2CRM; the row is already gone from Dataverse' }
  }
  await deps.ledger.recordBeforeImages(runId, [
    { phase: phase.name, entitySet: table.entitySet, targetId, values: image },
  ])
  await deps.ledger.intents.record(runId, phase.name, [
    { targetId, entitySet: table.entitySet, existed: true },
  ])
  const { target } = deps
  if (policy === 'delete') {
    const result = await target.delete(table, targetId)
    return result === 'deleted'
      ? { ...base, status: 'deleted', reason: 'deleted in X2CRM' }
      : { ...base, status: 'skipped', reason: 'deleted in X2CRM; the row is already gone from Dataverse' }
  }
  if (state === undefined) throw new MigrationError(cannotDeactivate(table.logicalName))
  if (image['statecode'] === state.statecode) {
    return { ...base, status: 'skipped', reason: 'deleted in X2CRM; the row is already inactive' }
  }
  const result = await target.update(table, { targetId, values: { ...state } })
  return result === 'updated'
    ? { ...base, status: 'updated', reason: 'deactivated: deleted in X2CRM' }
    : { ...base, status: 'skipped', reason: 'deleted in X2CRM; the row is already gone from Dataverse' }
}

/** `company: Accounts:57 is not in Dataverse (…); link left empty`, as {@link bindLinks} words it. */
const LINK_LEFT_EMPTY = /^\w+: (\S+:\d+) is not in Dataverse/

/**
 * Per phase, the records whose newest load left a link empty because its parent (one of `arrived`) was not in
 * Dataverse, and that are still there. One pass over the outcomes of the runs since the base migration.
 */
async function waitingFor(
  ledger: Ledger,
  arrived: ReadonlySet<string>,
  since: string,
  current: string,
  touched: ReadonlySet<string>,
): Promise<Map<string, string[]>> {
  const waiting = new Map<string, Set<string>>()
  if (arrived.size === 0) return new Map()
  const runs = await ledger.runs()
  const base = runs.findIndex((r) => r.runId === since)
  for (const run of runs.slice(0, base + 1)) {
    if (run.runId === current || (run.kind !== MIGRATE_RUN && run.kind !== DELTA_RUN)) continue
    for await (const outcome of ledger.outcomes(run.runId)) {
      if (touched.has(outcome.sourceKey)) continue
      const parents = (outcome.warnings ?? []).map((w) => LINK_LEFT_EMPTY.exec(w)?.[1])
      if (!parents.some((parent) => parent !== undefined && arrived.has(parent))) continue
      const keys = waiting.get(outcome.phase) ?? new Set<string>()
      keys.add(outcome.sourceKey)
      waiting.set(outcome.phase, keys)
    }
  }
  // Only records whose row is still in Dataverse: a rolled-back or deleted one must not come back this way.
  const result = new Map<string, string[]>()
  for (const [phase, keys] of waiting) {
    const loaded = await ledger.loaded([...keys])
    const still = [...keys].filter((k) => loaded.has(k))
    if (still.length > 0) result.set(phase, still)
  }
  return result
}

/** The records behind source keys of one class, read one by one (a few: children of what just arrived). */
async function fetchRecords(
  deps: DeltaDeps,
  entity: string,
  keys: readonly string[],
): Promise<X2crmRecord[]> {
  const ids = keys.map((k) => Number(k.slice(k.lastIndexOf(':') + 1))).sort((a, b) => a - b)
  const records: X2crmRecord[] = []
  for (const id of ids) {
    const record = await deps.source.record(entity, id)
    if (record !== undefined) records.push(record)
  }
  return records
}

function labelOf(
  status: Upsert['status'] | undefined,
  quarantinedBefore: boolean,
): DeltaChangeLine['change'] {
  if (status === 'new') return quarantinedBefore ? 'retried' : 'new'
  return 'changed'
}

async function* streamOf<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items
}
