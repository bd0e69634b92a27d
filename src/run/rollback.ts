import { undoCloses } from './undo-closes.ts'
import { closingLeftovers, undoClosingRows } from './closing-intents.ts'
import { restoreClosedStates } from './restore-states.ts'
import { InternalError, MigrationError } from '../errors.ts'
import type { Ledger, RecordOutcome, RunInfo } from '../ledger/ledger.ts'
import type { EntityMap, Mapping } from '../mapping/types.ts'
import type { DataverseBulkTarget, DataverseTarget } from '../target/dataverse/types.ts'
import { imageColumns } from './before-image.ts'
import { chunks } from './chunks.ts'
import type { Emit } from './events.ts'
import { firstPass, planLoad, type PlannedPhase } from '../plan/plan-load.ts'
import { MIGRATE_RUN } from './migrate.ts'
import { countStatuses } from './outcomes-from-load.ts'
import { findLeftoversByX2crmId, type Leftover, MAX_LISTED, readRowsById } from './rollback-check.ts'
import { UNDOABLE_KINDS, undoChain, undoneRuns } from './run-chain.ts'
import {
  type BulkUndoTarget,
  type RowByRowTarget,
  undoInBulk,
  undoRowByRow,
  undoStepOf,
} from './undo-rows.ts'
import { rowsRunMayHaveWritten, type WrittenRow } from './written-rows.ts'

export const ROLLBACK_RUN = 'rollback'

/**
 * What rollback calls on Dataverse: queries, the row-by-row writes (PATCH with `If-Match: *` to restore, DELETE, a
 * PATCH upsert to re-create), and, when the target has them, the bulk calls (UpdateMultiple, UpsertMultiple, `$batch`).
 */
export type RollbackTarget = Pick<DataverseTarget, 'query'> &
  RowByRowTarget &
  Partial<BulkUndoTarget> &
  Partial<Pick<DataverseBulkTarget, 'callBoundAction' | 'callAction'>>

/** How rows are undone: `bulk` (UpdateMultiple / UpsertMultiple / `$batch`) or `row` (one request per row, the baseline). */
export type RollbackMethod = 'bulk' | 'row'

export interface RollbackOptions {
  /** The migrate run to undo. @default the newest migrate run */
  runId?: string
  mapping: Mapping
  /** Rows per checkpoint when undoing row by row. @default 100 */
  batchSize?: number
  /** Rows per checkpoint and per bulk request when undoing in bulk (`$batch` takes at most 1,000). @default 1000 */
  bulkBatchSize?: number
  /** @default 'bulk' when the target has the bulk calls, else 'row' */
  method?: RollbackMethod
}

export interface RollbackDeps {
  target: RollbackTarget
  ledger: Ledger
  emit: Emit
  now: () => Date
}

export interface RollbackResult {
  runId: string
  of: string
  resumed: boolean
  deleted: number
  restored: number
  /**
   * Rows the runs wrote that are still in Dataverse after the rollback (should be none), found by id and by the X2CRM
   * id column; the first {@link MAX_LISTED}, `remainingCount` counts them all.
   */
  remaining: Leftover[]
  remainingCount: number
  /** Restored rows whose columns differ from their before-image (should be none). */
  mismatched: { targetId: string; columns: string[] }[]
  /** Tables the X2CRM id check could not search: their map names no X2CRM id column. */
  unchecked: string[]
  verified: boolean
  /** The run that was undone last (the one asked for), and its kind. */
  kind: string
  /** Each run undone, in the order it was undone: later deltas first, the run asked for last. */
  chain: RunRollback[]
}

/** What undoing one run did. */
export interface RunRollback {
  /** The rollback run's id. */
  runId: string
  /** The run it undid. */
  of: string
  kind: string
  resumed: boolean
  deleted: number
  restored: number
  verified: boolean
}

/**
 * The runs a rollback undoes, in the order it undoes them: every later migrate or delta run not undone yet (newest
 * first), then the one asked for. Without `runId`, the oldest migrate run not undone yet. Reads the ledger only.
 */
export async function rollbackChain(
  options: Pick<RollbackOptions, 'runId'>,
  ledger: Pick<Ledger, 'runs'>,
): Promise<RunInfo[]> {
  const runs = await ledger.runs()
  const undone = await undoneRuns(ledger)
  return undoChain(runs, runToUndo(options.runId, runs, undone), undone)
}

/**
 * Undoes a migrate run, and first every later run built on it (deltas, newest first), from the ledger: see
 * {@link undoRun}. Without `runId`, the oldest migrate run that is not undone yet: the state before the migration.
 * Ends by checking Dataverse itself: every row the runs may have written, by id, and every row carrying an X2CRM id
 * of the map's classes that x2d365 wrote and no remaining run holds (rows a killed run wrote before the ledger knew).
 */
export async function rollback(options: RollbackOptions, deps: RollbackDeps): Promise<RollbackResult> {
  const chain = await rollbackChain(options, deps.ledger)
  const results: RollbackResult[] = []
  for (const [index, run] of chain.entries()) {
    const last = index === chain.length - 1
    results.push(await undoRun(run, options, deps, last ? chain : undefined))
  }
  const last = results[results.length - 1]
  if (last === undefined) throw new InternalError('a rollback chain always holds the run asked for')
  const remaining = results.flatMap((r) => r.remaining)
  return {
    ...last,
    resumed: results.some((r) => r.resumed),
    deleted: results.reduce((n, r) => n + r.deleted, 0),
    restored: results.reduce((n, r) => n + r.restored, 0),
    remaining: dedupeLeftovers(remaining).slice(0, MAX_LISTED),
    remainingCount:
      dedupeLeftovers(remaining).length + Math.max(0, last.remainingCount - last.remaining.length),
    mismatched: results.flatMap((r) => r.mismatched),
    verified: results.every((r) => r.verified),
    chain: results.map((r) => ({
      runId: r.runId,
      of: r.of,
      kind: r.kind,
      resumed: r.resumed,
      deleted: r.deleted,
      restored: r.restored,
      verified: r.verified,
    })),
  }
}

/** A row found both by id and by its X2CRM id is one leftover. */
function dedupeLeftovers(leftovers: readonly Leftover[]): Leftover[] {
  const seen = new Map<string, Leftover>()
  for (const l of leftovers) {
    const key = `${l.entitySet}(${l.targetId.toLowerCase()})`
    seen.set(key, { ...seen.get(key), ...l })
  }
  return [...seen.values()]
}

/** How rows are undone: bulk when asked (or by default) and the target has the bulk calls. */
function undoerFor(
  options: RollbackOptions,
  target: RollbackTarget,
): {
  batchSize: number
  undo: (steps: Parameters<typeof undoRowByRow>[0], map: EntityMap, runId: string) => Promise<RecordOutcome[]>
} {
  const { updateMultiple, upsertMultiple, batch } = target
  if (options.method !== 'row' && updateMultiple && upsertMultiple && batch) {
    const bulk: BulkUndoTarget = {
      updateMultiple: updateMultiple.bind(target),
      upsertMultiple: upsertMultiple.bind(target),
      batch: batch.bind(target),
    }
    return {
      batchSize: options.bulkBatchSize ?? 1000,
      undo: (steps, map, runId) => undoInBulk(steps, map.table, runId, bulk),
    }
  }
  if (options.method === 'bulk') {
    throw new InternalError('rollback in bulk needs a target with updateMultiple, upsertMultiple and batch')
  }
  return {
    batchSize: options.batchSize ?? 100,
    undo: (steps, map, runId) => undoRowByRow(steps, map.table, runId, target),
  }
}

/**
 * Undoes one run: in reverse dependency order, deletes every row the run created, puts every row it updated (or
 * deactivated) back as its before-image says, and re-creates every row it deleted. Resumable (it records its own
 * outcomes and checkpoints). Moves the content hashes back so a later delta sees the records again. Ends by reading
 * back, by id, every row the run may have written; the last run of a chain (`chain` given) also searches every
 * table by its X2CRM id column for rows x2d365 wrote that no remaining run holds.
 */
async function undoRun(
  migrated: RunInfo,
  options: RollbackOptions,
  deps: RollbackDeps,
  chain?: readonly RunInfo[],
): Promise<RollbackResult> {
  const unfinished = await deps.ledger.unfinishedRun(ROLLBACK_RUN)
  const resumed = unfinished !== undefined && unfinished.params['of'] === migrated.runId
  const run = resumed
    ? unfinished
    : await deps.ledger.startRun(ROLLBACK_RUN, { of: migrated.runId }, deps.now())
  deps.emit({ type: 'run.started', runId: run.runId, resumed, at: deps.now().toISOString() })

  const undoer = undoerFor(options, deps.target)
  // First the closes: the opportunities the run closed are reopened (a closed one is read-only), its closes deleted;
  // then every row the steps after the load meant to create (their intents): resolutions, list members, tag rows,
  // connections. Before the load's undo: a restored row must be open to take its image.
  const closing = await undoClosingRows(migrated, deps.ledger, deps.target)
  // A run from before closing intents: its summary names the opportunities it closed.
  const closes =
    closing.opportunityCloses > 0
      ? { reopened: 0, closesDeleted: 0 }
      : await undoCloses(migrated, deps.target)
  let deleted = closes.closesDeleted + closing.deleted
  let restored = 0
  const phases = firstPass(planLoad(options.mapping)).reverse()
  for (const phase of phases) {
    const toUndo = await countToUndo(deps.ledger, migrated.runId, phase.name)
    const checkpoint = await deps.ledger.checkpoint(run.runId, phase.name)
    let position = 0
    let done = 0
    deps.emit({
      type: 'phase.started',
      phase: phase.name,
      sourceCount: toUndo,
      resumeAfterId: checkpoint?.lastSourceId ?? 0,
    })
    for await (const batch of chunks(
      rowsRunMayHaveWritten(deps.ledger, migrated.runId, phase.name),
      undoer.batchSize,
    )) {
      position += batch.length
      if (position <= (checkpoint?.lastSourceId ?? 0)) {
        done += batch.length
        continue
      }
      const steps = batch.map((row) => undoStepOf(row, phase.entityMap))
      const outcomes = await undoer.undo(steps, phase.entityMap, run.runId)
      await moveHashesBack(deps.ledger, phase.entityMap.entity, outcomes)
      // The checkpoint is a position in the migrate run's outcome stream, which no longer changes.
      await deps.ledger.recordBatch(run.runId, phase.name, outcomes, { lastSourceId: position })
      done += outcomes.length
      const counts = countStatuses(outcomes)
      deleted += counts.deleted
      restored += counts.restored
      deps.emit({
        type: 'batch.loaded',
        phase: phase.name,
        size: batch.length,
        counts,
        lastSourceId: position,
        done,
        total: toUndo,
      })
    }
    deps.emit({ type: 'phase.finished', phase: phase.name })
  }

  // Rows the run reopened (closed ones are read-only) go back to the state their images hold, then are checked.
  const reclosed = await restoreClosedStates(migrated.runId, deps.ledger, deps.target)
  const byId = await verifyRollback(deps, migrated.runId, phases)
  const byX2crmId =
    chain === undefined
      ? { leftovers: [], count: 0, unchecked: [] }
      : await findLeftoversByX2crmId(deps.target, deps.ledger, {
          maps: phases.map((p) => p.entityMap),
          instances: instancesOf(chain),
        })
  const afterLoad = await closingLeftovers(migrated, deps.ledger, deps.target)
  const remaining = dedupeLeftovers([...byId.remaining, ...afterLoad, ...byX2crmId.leftovers])
  const remainingCount = remaining.length + Math.max(0, byX2crmId.count - byX2crmId.leftovers.length)
  const { mismatched } = byId
  const verified = remainingCount === 0 && mismatched.length === 0
  await deps.ledger.finishRun(run.runId, verified ? 'succeeded' : 'failed', deps.now(), {
    of: migrated.runId,
    deleted,
    restored,
    ...(closes.reopened + closes.closesDeleted > 0 && { closes }),
    ...(closing.reopened + closing.deleted > 0 && {
      closing: { reopened: closing.reopened, deleted: closing.deleted },
    }),
    ...(reclosed > 0 && { reclosed }),
    remaining: remainingCount,
    mismatched: mismatched.length,
    ...(remaining.length > 0 && { remainingRows: remaining.slice(0, 20) }),
    ...(byX2crmId.unchecked.length > 0 && { unchecked: byX2crmId.unchecked }),
  })
  return {
    runId: run.runId,
    of: migrated.runId,
    kind: migrated.kind,
    resumed,
    deleted,
    restored,
    remaining: remaining.slice(0, MAX_LISTED),
    remainingCount,
    mismatched,
    unchecked: byX2crmId.unchecked,
    verified,
    chain: [],
  }
}

/** The X2CRM instances the runs read: the deterministic ids of their records are computed from them. */
function instancesOf(runs: readonly RunInfo[]): string[] {
  const instances = new Set<string>()
  for (const run of runs)
    if (typeof run.params['instance'] === 'string') instances.add(run.params['instance'])
  return [...instances]
}

/** Nothing in the ledger is left to undo: not a failure (running rollback twice is fine), but nothing was done. */
export class NothingToUndo extends MigrationError {
  override name = 'NothingToUndo'
}

function runToUndo(
  runId: string | undefined,
  runs: readonly RunInfo[],
  undone: ReadonlySet<string>,
): RunInfo {
  if (runId === undefined) {
    // The first migration not undone yet: with every run after it, that is Dataverse as it was before the migration.
    const first = runs.findLast((r) => r.kind === MIGRATE_RUN && !undone.has(r.runId))
    if (first === undefined) {
      throw new NothingToUndo(
        runs.some((r) => r.kind === MIGRATE_RUN)
          ? 'Every migrate run in the ledger is rolled back already; there is nothing to undo.'
          : 'The ledger has no migrate run to roll back.',
      )
    }
    return first
  }
  const run = runs.find((r) => r.runId === runId)
  if (run === undefined) throw new MigrationError(`The ledger has no run ${runId}.`)
  if (!UNDOABLE_KINDS.includes(run.kind)) {
    throw new MigrationError(
      `Run ${run.runId} is a ${run.kind} run; only migrate and delta runs can be rolled back.`,
    )
  }
  if (undone.has(run.runId)) throw new MigrationError(`Run ${run.runId} is rolled back already.`)
  return run
}

async function countToUndo(ledger: Ledger, runId: string, phase: string): Promise<number> {
  const counts = (await ledger.counts(runId)).find((c) => c.phase === phase)
  return (counts?.created ?? 0) + (counts?.updated ?? 0) + (counts?.deleted ?? 0)
}

/**
 * After undoing, the ledger's content hashes must describe Dataverse again, or the next delta would skip what the
 * rollback changed: a deleted row's record loses its hash (the next delta sees it as new), a restored row's record
 * gets {@link ROLLED_BACK_HASH} (the next delta sees it as changed, or as deleted when it is gone from X2CRM).
 */
async function moveHashesBack(
  ledger: Ledger,
  entity: string,
  outcomes: readonly RecordOutcome[],
): Promise<void> {
  const idOf = (o: RecordOutcome) => Number(o.sourceKey.slice(o.sourceKey.lastIndexOf(':') + 1))
  // Rows known only by their intent have no X2CRM id in their key, and no hash was ever saved for them.
  const removed = outcomes
    .filter((o) => o.status === 'deleted')
    .map(idOf)
    .filter((id) => Number.isFinite(id))
  const restored = outcomes
    .filter((o) => o.status === 'restored')
    .map(idOf)
    .filter((id) => Number.isFinite(id))
  if (removed.length > 0) await ledger.contentHashes.remove(entity, removed)
  if (restored.length > 0)
    await ledger.contentHashes.save(
      entity,
      restored.map((id) => ({ id, hash: ROLLED_BACK_HASH })),
    )
}

/** A hash no record has (real ones are 43 base64url characters): "Dataverse holds an older version". */
export const ROLLED_BACK_HASH = 'rolled-back'

/**
 * Reads back, by id, every row the run may have written: a row it created (or that no run holds) must be gone, a
 * restored row must equal its before-image, a re-created one must be there.
 */
async function verifyRollback(
  deps: RollbackDeps,
  runId: string,
  phases: readonly PlannedPhase[],
): Promise<{ remaining: Leftover[]; mismatched: RollbackResult['mismatched'] }> {
  const remaining: Leftover[] = []
  const mismatched: RollbackResult['mismatched'] = []
  for (const { name, entityMap: map } of phases) {
    for await (const batch of chunks(rowsRunMayHaveWritten(deps.ledger, runId, name), 1000)) {
      // Images of deactivated rows hold their state too.
      const columns = new Set(imageColumns(map))
      for (const row of batch) for (const column of Object.keys(row.image?.values ?? {})) columns.add(column)
      const existing = await readRowsById(
        deps.target,
        map.table,
        batch.map((r) => r.targetId),
        [...columns],
      )
      const held = await heldRows(
        deps.ledger,
        batch.filter((r) => r.status === undefined),
      )
      for (const written of batch) {
        const { targetId, image } = written
        const row = existing.get(targetId)
        if (image === undefined) {
          const shouldBeGone =
            written.status === 'created' || (written.status === undefined && !held.has(targetId))
          if (shouldBeGone && row !== undefined)
            remaining.push({ entitySet: map.table.entitySet, targetId, sourceKey: written.sourceKey })
        } else if (row === undefined) {
          if (written.status === 'deleted') mismatched.push({ targetId, columns: ['(row not re-created)'] })
        } else {
          const differ = Object.keys(image.values)
            .filter((c) => !(written.status === 'deleted' && c === 'overriddencreatedon'))
            .filter((c) => !sameValue(image.values[c], row[c]))
          if (differ.length > 0) mismatched.push({ targetId, columns: differ })
        }
      }
    }
  }
  return { remaining, mismatched }
}

/** Target ids among `rows` that a run still holds (the ledger's newest row outcome of their record names them). */
async function heldRows(ledger: Ledger, rows: readonly WrittenRow[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set()
  const loaded = await ledger.loaded(rows.map((r) => r.sourceKey))
  return new Set(rows.filter((r) => loaded.get(r.sourceKey)?.targetId === r.targetId).map((r) => r.targetId))
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null)
}
