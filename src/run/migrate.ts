import { sourceKeyOf, type SourceKey } from '../domain/source-key.ts'
import type { Ledger, LoadedRecord, OutcomeStatus, RecordOutcome, RunInfo } from '../ledger/ledger.ts'
import { matchesFilter } from '../mapping/split-rule.ts'
import { targetIdFor } from '../mapping/target-id.ts'
import { transformRecord } from '../mapping/transform-record.ts'
import type { LinkRef, Mapping, TransformContext, TransformResult } from '../mapping/types.ts'
import { reconcile, type Reconciliation } from './reconciliation.ts'
import { ConfigError, InternalError } from '../errors.ts'
import type { RecordHash } from '../domain/record-hash.ts'
import { contentHash } from '../source/x2crm/delta.ts'
import { extractClass, type CompletenessReport } from '../source/x2crm/extract.ts'
import type { X2crmRecord, X2crmSource } from '../source/x2crm/types.ts'
import { createUserLimiter } from '../http/user-limiter.ts'
import type { AppUserTarget } from '../target/dataverse/app-user.ts'
import { createLoader } from '../target/dataverse/loader.ts'
import type { DataverseBulkTarget, RowResult, TargetRow } from '../target/dataverse/types.ts'
import { imageColumns, lookupColumn, readExisting } from './before-image.ts'
import { chunks } from './chunks.ts'
import { hasForeignRows, matchExisting } from './dedupe.ts'
import type { Emit } from './events.ts'
import { ownerQueueRefusal, type OwnerDecisions } from '../mapping/reconcile-users.ts'
import { matchOwners } from './owners.ts'
import { phaseEntitySets, planPhases, type Phase } from './phases.ts'

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

export interface MigrateDeps {
  source: X2crmSource
  /** Reads (existing rows, users) and, without `writers`, the writes too. */
  target: DataverseBulkTarget
  /** Application users that share the writes, each with its own limits. @default one, from `target` */
  writers?: readonly AppUserTarget[]
  ledger: Ledger
  emit: Emit
  now: () => Date
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
 * Loads every mapped entity in dependency order, then the second-pass links. Resumes the newest unfinished migrate
 * run when there is one: each phase starts after its checkpoint, and re-sent rows are upserts on deterministic ids,
 * so nothing duplicates. A rejected row is quarantined with the server's reason; a systemic failure throws and
 * leaves the run resumable.
 */
export async function migrate(options: MigrateOptions, deps: MigrateDeps): Promise<MigrateResult> {
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

  const context = await buildContext(options, deps)
  const sourceCounts = new Map<string, number>()
  const completeness: (CompletenessReport & { phase: string })[] = []
  let processed = 0
  const phases = planPhases(options.mapping)
  const phaseSets = phaseEntitySets(phases)
  for (const phase of phases) {
    const result = await runPhase({ ...phase, phaseSets }, run.runId, options, deps, context)
    sourceCounts.set(phase.name, result.sourceCount)
    if (result.report !== undefined) completeness.push({ phase: phase.name, ...result.report })
    processed += result.processed
  }

  const reconciliation = reconcile(sourceCounts, await deps.ledger.counts(run.runId))
  const finished = deps.now()
  const seconds = (finished.getTime() - started.getTime()) / 1000
  await deps.ledger.finishRun(run.runId, 'succeeded', finished, {
    reconciliation,
    seconds,
    processed,
    completeness,
  })
  deps.emit({ type: 'run.finished', runId: run.runId, status: 'succeeded', reconciliation, seconds })
  return { runId: run.runId, resumed, reconciliation, processed, seconds }
}

/**
 * Owners first: every X2CRM user who owns records of a mapped object must have a Dataverse user (by hand, e-mail or
 * name) or fall to the default owner; otherwise the run does not start, and says who is left.
 */
export async function buildContext(options: MigrateOptions, deps: MigrateDeps): Promise<TransformContext> {
  const owners = await matchOwners(options, deps)
  const refusal = ownerQueueRefusal(owners)
  if (refusal !== undefined) throw new ConfigError([refusal])
  const byUsername = new Map(owners.matched.map((m) => [m.username, m.systemuserid]))
  deps.emit({
    type: 'owners.matched',
    matched: owners.matched.filter((m) => m.by !== 'default').length,
    unmatched: owners.matched.filter((m) => m.by === 'default').map((m) => m.username),
  })
  return {
    targetIdFor: (entity, sourceId) => targetIdFor(options.instance, entity, sourceId),
    ownerFor: (username) => byUsername.get(username),
  }
}

async function runPhase(
  phase: RunPhase,
  runId: string,
  options: MigrateOptions,
  deps: MigrateDeps,
  context: TransformContext,
): Promise<{ sourceCount: number; processed: number; report?: CompletenessReport }> {
  const { entityMap } = phase
  const listedCount = await deps.source.count(entityMap.entity)
  const checkpoint = await deps.ledger.checkpoint(runId, phase.name)
  const afterId = checkpoint?.lastSourceId ?? 0
  deps.emit({ type: 'phase.started', phase: phase.name, sourceCount: listedCount, resumeAfterId: afterId })
  const doneBefore = (await deps.ledger.counts(runId))
    .filter((c) => c.phase === phase.name)
    .reduce((sum, c) => sum + c.created + c.updated + c.quarantined + c.skipped, 0)
  // Lists hide some records (private, assigned to nobody): read the class with its id gaps fetched one by one.
  const extraction =
    options.gapFill === false ? undefined : extractClass(deps.source, entityMap.entity, { afterId })
  const read = extraction ?? deps.source.records(entityMap.entity, { afterId })
  // A split map (Contacts → lead and → contact) takes only the records its rule selects.
  let matched = 0
  const where = entityMap.where
  const records =
    where === undefined
      ? read
      : (async function* () {
          for await (const record of read) {
            if (!matchesFilter(where, record)) continue
            matched++
            yield record
          }
        })()

  const processed = await loadPhase(phase, runId, records, options, deps, context, {
    done: doneBefore,
    total: () => listedCount,
  })
  deps.emit({ type: 'phase.finished', phase: phase.name })
  if (where !== undefined) {
    // What exists for this phase is what its rule selected from everything read (hidden records included).
    if (extraction !== undefined)
      deps.emit({ type: 'phase.completeness', phase: phase.name, report: extraction.report() })
    return { sourceCount: doneBefore + matched, processed }
  }
  if (extraction === undefined) return { sourceCount: listedCount, processed }
  // The source count is what exists, not what lists show: listed + found by id, plus what a resumed run had done.
  const report = extraction.report()
  deps.emit({ type: 'phase.completeness', phase: phase.name, report })
  return { sourceCount: doneBefore + report.listed + report.gapFetched, processed, report }
}

/** Where a phase's progress stands when {@link loadPhase} starts, for the progress events. */
export interface PhaseProgress {
  /** Records of the phase that already have an outcome in this run. */
  done: number
  /** How many the phase expects in all (it may end with more: hidden records found by id). */
  total: () => number
  /** Told each batch's outcomes once they are recorded. */
  onOutcomes?: (outcomes: readonly RecordOutcome[]) => void
}

/**
 * Loads records through one phase: transforms them, binds the links whose parents are in Dataverse, keeps the
 * before-image of every row that exists already, sends them across the application users, and records each batch's
 * outcomes with its checkpoint (and, in the first pass, the content hash of every record that arrived). Returns how
 * many records reached an outcome.
 */
export async function loadPhase(
  phase: RunPhase,
  runId: string,
  records: AsyncIterable<X2crmRecord>,
  options: Pick<MigrateOptions, 'batchSize'>,
  deps: MigrateDeps,
  context: TransformContext,
  progress: PhaseProgress,
): Promise<number> {
  const { entityMap } = phase
  let done = progress.done
  let processed = 0
  const batchSize = options.batchSize ?? 100
  const loader = createLoader({
    targets: deps.writers ?? [singleWriter(deps.target)],
    table: entityMap.table,
    batchSize: { initial: batchSize },
    now: () => deps.now().getTime(),
    onEvent: (event) => {
      if (event.type === 'chunk.split')
        deps.emit({ type: 'batch.split', phase: phase.name, size: event.size })
    },
  })
  // Batches are prepared (transformed, parents resolved, before-images kept) ahead of the loader, which sends them
  // concurrently across the application users and hands them back in order; each is then recorded with its
  // checkpoint, so the checkpoint only ever moves past batches that are wholly done.
  const prepared: (Prepared & { hashes: Map<SourceKey, RecordHash> })[] = []
  // Rows of batches prepared but not yet recorded (the ledger does not know them yet): dedupe must not match them.
  const inFlight = new Map<string, SourceKey>()
  // Dedupe lookups only when the table held rows someone else wrote before this phase wrote any: asked when the first
  // batch is prepared, which is before anything of the phase is sent.
  let dedupeActive: Promise<boolean> | undefined
  const needsDedupe = () =>
    (dedupeActive ??=
      phase.pass === 1 && entityMap.dedupe !== undefined
        ? hasForeignRows(entityMap, deps.target)
        : Promise.resolve(false))
  async function* rowBatches(): AsyncGenerator<readonly TargetRow[]> {
    for await (const batch of chunks(records, batchSize)) {
      const transformed = batch.map((record) => transformRecord(entityMap, record, context))
      const lastSourceId = Math.max(...batch.map(numericId))
      const next =
        phase.pass === 1
          ? await prepareFirstPass(
              phase,
              runId,
              transformed,
              lastSourceId,
              deps,
              inFlight,
              await needsDedupe(),
            )
          : await prepareLinks(phase, runId, transformed, lastSourceId, deps)
      // What each source record looked like when loaded, for delta (kept only once the record is in Dataverse).
      const hashes = new Map(
        batch.map((record) => [
          sourceKeyOf(entityMap.entity, numericId(record)),
          { id: numericId(record), hash: contentHash(record) },
        ]),
      )
      prepared.push({ ...next, hashes })
      yield next.rows
    }
  }

  for await (const { results } of loader.load(rowBatches())) {
    const batch = prepared.shift()
    if (batch === undefined) throw new InternalError('the loader returned more batches than were sent')
    const outcomes = batch.outcomes(results)
    await deps.ledger.recordBatch(runId, phase.name, outcomes, { lastSourceId: batch.lastSourceId })
    for (const row of batch.rows) inFlight.delete(row.targetId)
    progress.onOutcomes?.(outcomes)
    if (phase.pass === 1) {
      const loadedHashes = outcomes
        .filter((o) => o.status === 'created' || o.status === 'updated')
        .flatMap((o) => batch.hashes.get(o.sourceKey) ?? [])
      await deps.ledger.contentHashes.save(entityMap.entity, loadedHashes)
    }
    for (const outcome of outcomes) {
      if (outcome.status === 'quarantined') {
        deps.emit({
          type: 'record.quarantined',
          phase: phase.name,
          sourceKey: outcome.sourceKey,
          reason: outcome.reason ?? '',
        })
      }
    }
    done += outcomes.length
    processed += outcomes.length
    deps.emit({
      type: 'batch.loaded',
      phase: phase.name,
      size: outcomes.length,
      counts: countStatuses(outcomes),
      lastSourceId: batch.lastSourceId,
      done,
      total: Math.max(progress.total(), done),
    })
  }
  return processed
}

/** A phase, and where every phase of the run writes (to bind a link only into the table its parent went to). */
export type RunPhase = Phase & { phaseSets: ReadonlyMap<string, string> }

/** A source batch made ready to load: its rows, and how to turn the loader's results into ledger outcomes. */
interface Prepared {
  rows: TargetRow[]
  lastSourceId: number
  outcomes(results: readonly RowResult[]): RecordOutcome[]
}

/** One application user with no adaptive limits, for callers that pass a bare target (tests, simple runs). */
function singleWriter(target: DataverseBulkTarget): AppUserTarget {
  return { name: 'app', target, limiter: createUserLimiter({ user: 'app', initial: 1, max: 1 }) }
}

/**
 * Pass 1: the columns and the lookups whose parents are already in Dataverse. A record loaded before goes to the row
 * the ledger holds for it (a dedupe match is not under the computed id); one that is not may be matched to a row
 * that was in Dataverse already (`EntityMap.dedupe`). `inFlight` holds the rows of batches not recorded yet, and gets
 * this batch's.
 */
async function prepareFirstPass(
  phase: RunPhase,
  runId: string,
  transformed: readonly TransformResult[],
  lastSourceId: number,
  deps: MigrateDeps,
  inFlight: Map<string, SourceKey>,
  dedupeActive: boolean,
): Promise<Prepared> {
  const ok = transformed.filter((t) => t.status === 'ok')
  const firstPassLinks = (t: (typeof ok)[number]) => t.links.filter((l) => l.pass === 1)
  const loaded = await deps.ledger.loaded([
    ...ok.map((t) => t.sourceKey),
    ...ok.flatMap((t) => firstPassLinks(t).map((l) => l.parentKey)),
  ])
  const loadedHere = (t: (typeof ok)[number]) => {
    const self = loaded.get(t.sourceKey)
    return self !== undefined && self.phase.replace(/\.links$/, '') === phase.name ? self : undefined
  }
  const targetIdOf = new Map(ok.map((t) => [t.sourceKey, loadedHere(t)?.targetId ?? t.targetId]))
  const warningsByKey = new Map<SourceKey, string[]>(ok.map((t) => [t.sourceKey, [...t.warnings]]))
  // Rows that exist already are updates: keep how they were, before writing, so rollback can restore them.
  const { table, dedupe } = phase.entityMap
  const columns = imageColumns(phase.entityMap)
  const existing = await readExisting(deps.target, table, [...targetIdOf.values()], columns)
  if (dedupe !== undefined && dedupeActive) {
    const fresh = ok.filter((t) => loadedHere(t) === undefined && !existing.has(t.targetId))
    // Not the rows this batch writes already (records loaded before, rows under their computed ids) either.
    const claimed = new Map([
      ...inFlight,
      ...ok.map((t) => [targetIdOf.get(t.sourceKey) ?? '', t.sourceKey] as const),
    ])
    const decisions = await matchExisting({ ...phase.entityMap, dedupe }, fresh, deps, {
      claimed,
      imageColumns: columns,
    })
    for (const [sourceKey, decision] of decisions) {
      warningsByKey.get(sourceKey)?.push(decision.warning)
      if (decision.status !== 'matched' || decision.image === undefined) continue
      targetIdOf.set(sourceKey, decision.targetId)
      existing.set(decision.targetId, decision.image)
    }
  }
  const rows: TargetRow[] = []
  for (const t of ok) {
    const targetId = targetIdOf.get(t.sourceKey) ?? t.targetId
    inFlight.set(targetId, t.sourceKey)
    const { binds, warnings } = bindLinks(firstPassLinks(t), loaded, phase.phaseSets)
    warningsByKey.get(t.sourceKey)?.push(...warnings)
    const image = existing.get(targetId)
    const emptied = image === undefined ? {} : emptiedLinks(phase, t, image)
    rows.push({ targetId, values: { ...t.values, ...binds, ...emptied } })
  }
  if (existing.size > 0) {
    await deps.ledger.recordBeforeImages(
      runId,
      [...existing].map(([targetId, values]) => ({
        phase: phase.name,
        entitySet: table.entitySet,
        targetId,
        values,
      })),
    )
  }

  return {
    rows,
    lastSourceId,
    outcomes: (results) => {
      const resultById = new Map(results.map((r) => [r.targetId, r]))
      return transformed.map((t): RecordOutcome => {
        const base = { runId, phase: phase.name, sourceKey: t.sourceKey }
        if (t.status === 'skipped') return { ...base, status: 'skipped', reason: t.reason }
        if (t.status === 'invalid') return { ...base, status: 'quarantined', reason: t.issues.join('; ') }
        const targetId = targetIdOf.get(t.sourceKey) ?? t.targetId
        const result = resultById.get(targetId)
        const warnings = warningsByKey.get(t.sourceKey) ?? []
        if (result?.status !== 'loaded') {
          return {
            ...base,
            status: 'quarantined',
            targetId,
            reason: rejectionReason(result),
            warnings,
          }
        }
        const status: OutcomeStatus = existing.has(targetId) ? 'updated' : 'created'
        return { ...base, status, targetId, warnings }
      })
    },
  }
}

/**
 * A lookup the X2CRM record no longer has (its company was cleared) but the existing row still holds: set to null,
 * as the Web API disassociates a single-valued navigation property (webapi.md; Microsoft's "Associate and
 * disassociate table rows"). Links of either pass: the second pass only sets links, it never clears them. Pure.
 */
export function emptiedLinks(
  phase: Phase,
  transformed: { links: readonly LinkRef[] },
  image: Readonly<Record<string, unknown>>,
): Record<string, null> {
  const cleared: Record<string, null> = {}
  for (const field of phase.entityMap.fields) {
    if (field.transform !== 'link') continue
    if (transformed.links.some((l) => l.field === field.source && l.nav === field.target)) continue
    const current = image[`_${lookupColumn(field)}_value`]
    if (current !== null && current !== undefined) cleared[`${field.target}@odata.bind`] = null
  }
  return cleared
}

/** Pass 2: lookups that could not be set in pass 1 (self-references and cycles), patched onto loaded rows. */
async function prepareLinks(
  phase: RunPhase,
  runId: string,
  transformed: readonly TransformResult[],
  lastSourceId: number,
  deps: MigrateDeps,
): Promise<Prepared> {
  const ok = transformed.filter((t) => t.status === 'ok')
  const secondPassLinks = (t: (typeof ok)[number]) => t.links.filter((l) => l.pass === 2)
  const loaded = await deps.ledger.loaded([
    ...ok.map((t) => t.sourceKey),
    ...ok.flatMap((t) => secondPassLinks(t).map((l) => l.parentKey)),
  ])
  const settled = new Map<SourceKey, RecordOutcome>()
  const rows: TargetRow[] = []
  const pending = new Map<string, { sourceKey: SourceKey; warnings: string[] }>()
  for (const t of transformed) {
    const base = { runId, phase: phase.name, sourceKey: t.sourceKey }
    if (t.status !== 'ok') {
      settled.set(t.sourceKey, { ...base, status: 'skipped', reason: 'not loaded in the first pass' })
      continue
    }
    const links = secondPassLinks(t)
    if (links.length === 0) {
      settled.set(t.sourceKey, { ...base, status: 'skipped', reason: 'no links to set' })
      continue
    }
    const self = loaded.get(t.sourceKey)
    if (self === undefined) {
      settled.set(t.sourceKey, {
        ...base,
        status: 'skipped',
        reason: 'the record itself is not in Dataverse',
      })
      continue
    }
    const { binds, warnings } = bindLinks(links, loaded, phase.phaseSets)
    if (Object.keys(binds).length === 0) {
      settled.set(t.sourceKey, { ...base, status: 'skipped', reason: warnings.join('; '), warnings })
      continue
    }
    rows.push({ targetId: self.targetId, values: binds })
    pending.set(self.targetId, { sourceKey: t.sourceKey, warnings })
  }
  return {
    rows,
    lastSourceId,
    outcomes: (results) => {
      const outcomes = new Map(settled)
      for (const result of results) {
        const entry = pending.get(result.targetId)
        if (entry === undefined) continue
        const base = {
          runId,
          phase: phase.name,
          sourceKey: entry.sourceKey,
          targetId: result.targetId,
          warnings: entry.warnings,
        }
        outcomes.set(
          entry.sourceKey,
          result.status === 'loaded'
            ? { ...base, status: 'updated' }
            : { ...base, status: 'quarantined', reason: rejectionReason(result) },
        )
      }
      return transformed
        .map((t) => outcomes.get(t.sourceKey))
        .filter((o): o is RecordOutcome => o !== undefined)
    },
  }
}

/** Binds each link whose parent is in Dataverse; the others are left empty, with a warning saying why. */
export function bindLinks(
  links: readonly LinkRef[],
  loaded: ReadonlyMap<SourceKey, LoadedRecord>,
  phaseSets: ReadonlyMap<string, string> = new Map(),
): { binds: Record<string, string>; warnings: string[] } {
  const binds: Record<string, string> = {}
  const warnings: string[] = []
  for (const link of links) {
    const parent = loaded.get(link.parentKey)
    const parentSet = parent === undefined ? undefined : phaseSets.get(parent.phase)
    if (parentSet !== undefined && parentSet !== link.entitySet) {
      warnings.push(
        `${link.field}: ${link.parentKey} was loaded into ${parentSet}, not ${link.entitySet} (split by the map); link left empty`,
      )
    } else if (parent === undefined) {
      warnings.push(
        `${link.field}: ${link.parentKey} is not in Dataverse (missing from X2CRM, or quarantined); link left empty`,
      )
    } else {
      binds[`${link.nav}@odata.bind`] = `/${link.entitySet}(${parent.targetId})`
    }
  }
  return { binds, warnings }
}

function rejectionReason(result: RowResult | undefined): string {
  if (result === undefined) return 'no result from the loader (internal error)'
  if (result.status === 'loaded') return ''
  return `Dataverse rejected the row (${result.httpStatus}${result.code ? ` ${result.code}` : ''}): ${result.reason}`
}

/** Outcomes of a batch, counted by status. */
export function countStatuses(outcomes: readonly RecordOutcome[]): Record<OutcomeStatus, number> {
  const counts: Record<OutcomeStatus, number> = {
    created: 0,
    updated: 0,
    quarantined: 0,
    skipped: 0,
    deleted: 0,
    restored: 0,
  }
  for (const o of outcomes) counts[o.status]++
  return counts
}

function numericId(record: X2crmRecord): number {
  const id = Number(record['id'])
  return Number.isFinite(id) ? id : 0
}
