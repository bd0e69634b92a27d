import { sourceKeyOf, type SourceKey } from '../domain/source-key.ts'
import type { Ledger, RecordOutcome } from '../ledger/ledger.ts'
import { checkRow } from '../mapping/check-row.ts'
import type { TargetSchema } from '../mapping/schemas.ts'
import { transformRecord } from '../mapping/transform-record.ts'
import type { EntityMap, TransformContext, TransformResult } from '../mapping/types.ts'
import type { PlannedPhase } from '../plan/plan-load.ts'
import { InternalError } from '../errors.ts'
import type { RecordHash } from '../domain/record-hash.ts'
import { contentHash } from '../source/x2crm/delta.ts'
import type { X2crmRecord } from '../source/x2crm/types.ts'
import { createUserLimiter } from '../http/user-limiter.ts'
import type { AppUserTarget } from '../target/dataverse/app-user.ts'
import { createLoader } from '../target/dataverse/loader.ts'
import type { DataverseBulkTarget, TargetRow } from '../target/dataverse/types.ts'
import { chunks } from './chunks.ts'
import { hasForeignRows } from './dedupe.ts'
import type { RetryCounts } from './retry-tally.ts'
import type { Emit } from './events.ts'
import { countStatuses } from './outcomes-from-load.ts'
import { unroutedResult } from './route-records.ts'
import { DEFAULT_MAX_UPLOAD_BYTES, readAttachments, withAttachment, type UploadLimit } from './attachments.ts'
import type { UploadsReader } from '../source/x2crm/uploads/reader.ts'
import { RunInterrupted } from './interrupted.ts'
import { prepareFirstPass, prepareLinks, type Prepared } from './prepare-batch.ts'
import { authorsOfBatch } from './authors.ts'
import { timedItems, type StageTimer } from './stage-timer.ts'
import type { ClosedRowsGate } from './reopen-closed.ts'

/** What loading a phase uses: Dataverse, the application users that write, the ledger, events and the clock. */
export interface LoadDeps {
  /** Reads (existing rows, users) and, without `writers`, the writes too. */
  target: DataverseBulkTarget
  /** Application users that share the writes, each with its own limits. @default one, from `target` */
  writers?: readonly AppUserTarget[]
  ledger: Ledger
  emit: Emit
  now: () => Date
  /** The requests sent again so far, per cause (run/retry-tally.ts): kept in the run's summary. @default not kept */
  retries?: () => RetryCounts
  /** Reads Media files (source.uploads.dir, or X2CRM's getFile) for a map with `attachments`. */
  uploads?: UploadsReader
  /** The largest file Dataverse takes. @default 5 MB, Dataverse's default */
  uploadLimit?: UploadLimit
  /**
   * Dataverse's metadata of the tables written: each row is checked before it is sent for what Dataverse would not
   * refuse itself (`checkRow`'s number bounds and precision, a required text of invisible characters) and for values
   * longer than the column's MaxLength, and a row that breaks one is quarantined with the value and the limit.
   * Without it, Dataverse decides.
   */
  tables?: TargetSchema
  /**
   * Aborted to stop (Ctrl-C): no new batch is read or prepared, the ones already handed to the loader finish and are
   * recorded, then {@link loadPhase} throws {@link RunInterrupted}.
   */
  signal?: AbortSignal
  /** Books where the time goes (extraction, transform, hashing…), for the run's summary. */
  stages?: StageTimer
}

/** A phase of the plan, and where every phase of the run writes (to bind a link only into the table its parent went to). */
export type RunPhase = PlannedPhase & {
  phaseSets: ReadonlyMap<string, string>
  /** The map's fingerprint for the phase's class (mapFingerprint), kept in each record's content hash. */
  mapFingerprint?: string
  /** The closed cases or opportunities of its table (reopen-closed.ts): unchanged ones are skipped, others reopened. */
  closedRows?: ClosedRowsGate
}

/**
 * The content hash kept for a record as the map loads it: X2CRM's content and the map's fingerprint for its class, so
 * that a record counts as changed when its values changed or when the map's columns for it did.
 */
export function loadedHash(record: X2crmRecord, mapFingerprint: string | undefined): string {
  return mapFingerprint === undefined
    ? contentHash(record)
    : contentHash(record, { related: { map: [mapFingerprint] } })
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
  /**
   * `maxBufferedRows`: rows the loader may hold read ahead (@default 10,000, the loader's): phases loading side by
   * side from one read share that bound, or memory grows with their number.
   */
  options: { batchSize?: number; maxBufferedRows?: number },
  deps: LoadDeps,
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
    ...(options.maxBufferedRows !== undefined && { maxBufferedRows: options.maxBufferedRows }),
    now: () => deps.now().getTime(),
    ...(deps.signal === undefined ? {} : { signal: deps.signal }),
    onEvent: (event) => {
      if (event.type === 'chunk.split')
        deps.emit({ type: 'batch.split', phase: phase.name, size: event.size })
      // The loader's own re-sends, counted with the client's retries (run/retry-tally.ts).
      if (event.type === 'chunk.timed-out')
        deps.emit({ type: 'request.retry', status: 'network', waitMs: 0, attempt: 1, reason: 'timeout' })
      if (event.type === 'chunk.throttled')
        deps.emit({ type: 'request.retry', status: 429, waitMs: 0, attempt: 1, reason: 'still throttled' })
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
  // Whether every record was read and handed to the loader: not when the run was stopped part-way.
  let exhausted = false
  const aborted = () => deps.signal?.aborted === true
  async function* rowBatches(): AsyncGenerator<readonly TargetRow[]> {
    if (aborted()) return
    const time = <T>(stage: 'transform' | 'hashing', work: () => T) =>
      deps.stages === undefined ? work() : deps.stages.time(stage, work)
    for await (const batch of timedItems(chunks(records, batchSize), 'extraction', deps.stages)) {
      if (aborted()) return
      const table = phase.pass === 1 ? deps.tables?.[entityMap.table.logicalName] : undefined
      // A closed row whose record is unchanged stays closed and is skipped; the others' rows are reopened first.
      const staysClosed = (await phase.closedRows?.settle(batch)) ?? new Map<SourceKey, string>()
      let transformed = time('transform', () =>
        batch.map((record) => {
          const sourceKey = sourceKeyOf(entityMap.entity, numericId(record))
          const closedReason = staysClosed.get(sourceKey)
          if (closedReason !== undefined)
            return { status: 'skipped' as const, sourceKey, reason: closedReason }
          return checked(
            entityMap,
            (phase.pass === 1 ? unroutedResult(phase, record) : undefined) ??
              transformRecord(entityMap, record, context),
            table,
          )
        }),
      )
      if (phase.pass === 1 && entityMap.attachments === true) {
        // Media: the file goes with its note, or the note is quarantined saying why (missing, too big).
        const files = await readAttachments(batch, deps.uploads)
        const limit = deps.uploadLimit ?? { bytes: DEFAULT_MAX_UPLOAD_BYTES, source: 'default' }
        transformed = transformed.map((t, i) => withAttachment(t, batch[i] ?? {}, files[i], limit))
      }
      const lastSourceId = Math.max(...batch.map(numericId))
      // Rows this pass creates go as their X2CRM author (CallerObjectId) where that user is in Dataverse.
      const authors = phase.pass === 1 ? authorsOfBatch(batch, transformed, context) : undefined
      if (authors !== undefined) transformed = authors.transformed
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
              authors?.authorOf,
            )
          : await prepareLinks(phase, runId, transformed, lastSourceId, deps)
      // What each source record looked like when loaded, for delta (kept only once the record is in Dataverse). The
      // link pass keeps none: its records were hashed when the first pass loaded them.
      const hashes = time(
        'hashing',
        () =>
          new Map(
            phase.pass !== 1
              ? []
              : batch.map((record) => [
                  sourceKeyOf(entityMap.entity, numericId(record)),
                  { id: numericId(record), hash: loadedHash(record, phase.mapFingerprint) },
                ]),
          ),
      )
      prepared.push({ ...next, hashes })
      yield next.rows
    }
    exhausted = true
  }

  for await (const { results } of loader.load(rowBatches())) {
    const batch = prepared.shift()
    if (batch === undefined) throw new InternalError('the loader returned more batches than were sent')
    const outcomes = batch.outcomes(results)
    // The hashes of what pass 1 loaded go in the same transaction: a kill never keeps one without the other.
    const loadedHashes =
      phase.pass === 1
        ? outcomes
            .filter((o) => o.status === 'created' || o.status === 'updated')
            .flatMap((o) => batch.hashes.get(o.sourceKey) ?? [])
        : []
    await deps.ledger.recordBatch(
      runId,
      phase.name,
      outcomes,
      { lastSourceId: batch.lastSourceId },
      { entity: entityMap.entity, hashes: loadedHashes },
    )
    for (const row of batch.rows) inFlight.delete(row.targetId)
    progress.onOutcomes?.(outcomes)
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
  if (!exhausted || prepared.length > 0) {
    // Stopped: the loader sent nothing more and dropped the batches it had not finished (their intents are kept).
    if (aborted()) throw new RunInterrupted(runId, phase.name)
    throw new InternalError('the loader ended before every batch was recorded')
  }
  return processed
}

/** One application user with no adaptive limits, for callers that pass a bare target (tests, simple runs). */
function singleWriter(target: DataverseBulkTarget): AppUserTarget {
  return { name: 'app', target, limiter: createUserLimiter({ user: 'app', initial: 1, max: 1 }) }
}

function numericId(record: X2crmRecord): number {
  const id = Number(record['id'])
  return Number.isFinite(id) ? id : 0
}

/**
 * A transformed record that breaks a rule of the table's metadata Dataverse would not refuse itself (number bounds
 * and precision, a required text of invisible characters), or holds a value longer than the column's MaxLength,
 * becomes invalid (quarantined) with its reasons, the value and the limit (DESIGN.md: checks come from the target's
 * metadata). Lengths were left to Dataverse's refusal before: with the generator's dirt about 45 % of 100-row
 * UpsertMultiple calls then held one too-long row, and each was sent again as a $batch of 100 to find it. What
 * Dataverse refuses with its own message (missing columns, options) is still left to it.
 */
function checked(
  map: EntityMap,
  transformed: TransformResult,
  table: TargetSchema[string] | undefined,
): TransformResult {
  if (transformed.status !== 'ok' || table === undefined) return transformed
  const problems = checkRow(map, transformed.values, table).filter(
    (p) => p.check === 'number' || p.check === 'blank' || p.check === 'length',
  )
  if (problems.length === 0) return transformed
  return { status: 'invalid', sourceKey: transformed.sourceKey, issues: problems.map((p) => p.message) }
}
