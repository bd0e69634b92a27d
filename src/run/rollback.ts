import { InternalError, MigrationError } from '../errors.ts'
import type { BeforeImage, Ledger, RecordOutcome, RunInfo } from '../ledger/ledger.ts'
import type { EntityMap, Mapping } from '../mapping/types.ts'
import type { DataverseTarget, TableRef, TargetRow } from '../target/dataverse/types.ts'
import { imageColumns, readExisting, restoreValues } from './before-image.ts'
import { chunks } from './chunks.ts'
import type { Emit } from './events.ts'
import { firstPass, planLoad, type PlannedPhase } from '../plan/plan-load.ts'
import { MIGRATE_RUN } from './migrate.ts'
import { countStatuses } from './outcomes-from-load.ts'
import { STATE_COLUMNS } from './retire.ts'
import { UNDOABLE_KINDS, undoChain, undoneRuns } from './run-chain.ts'

export const ROLLBACK_RUN = 'rollback'

/** What rollback calls on Dataverse besides queries. */
export interface RollbackTarget extends Pick<DataverseTarget, 'query'> {
  /** PATCH with `If-Match: *`: update only, never re-create a row someone deleted. 'missing' when it is gone. */
  update(table: TableRef, row: TargetRow): Promise<'updated' | 'missing'>
  /** DELETE; 'missing' when the row is already gone. */
  delete(table: TableRef, targetId: string): Promise<'deleted' | 'missing'>
  /** PATCH without conditions: re-creates, under its own id, a row a delta deleted. */
  upsert(table: TableRef, row: TargetRow): Promise<void>
}

export interface RollbackOptions {
  /** The migrate run to undo. @default the newest migrate run */
  runId?: string
  mapping: Mapping
  /** @default 100 */
  batchSize?: number
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
  /** Rows the run created that are still in Dataverse after the rollback (should be 0). */
  remaining: string[]
  /** Restored rows whose columns differ from their before-image (should be none). */
  mismatched: { targetId: string; columns: string[] }[]
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
 * Undoes a migrate run, and first every later run built on it (deltas, newest first), from the ledger alone: see
 * {@link undoRun}. Without `runId`, the oldest migrate run that is not undone yet: the state before the migration.
 */
export async function rollback(options: RollbackOptions, deps: RollbackDeps): Promise<RollbackResult> {
  const runs = await deps.ledger.runs()
  const undone = await undoneRuns(deps.ledger)
  const chain = undoChain(runs, runToUndo(options.runId, runs, undone), undone)
  const results: RollbackResult[] = []
  for (const run of chain) results.push(await undoRun(run, options, deps))
  const last = results[results.length - 1]
  if (last === undefined) throw new InternalError('a rollback chain always holds the run asked for')
  return {
    ...last,
    resumed: results.some((r) => r.resumed),
    deleted: results.reduce((n, r) => n + r.deleted, 0),
    restored: results.reduce((n, r) => n + r.restored, 0),
    remaining: results.flatMap((r) => r.remaining),
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

/**
 * Undoes one run from the ledger alone: in reverse dependency order, deletes every row the run created, puts every
 * row it updated (or deactivated) back as its before-image says, and re-creates every row it deleted. Resumable (it
 * records its own outcomes and checkpoints). Moves the content hashes back so a later delta sees the records again.
 * Ends by checking that none of the created rows remains and that every restored row equals its image.
 */
async function undoRun(
  migrated: RunInfo,
  options: RollbackOptions,
  deps: RollbackDeps,
): Promise<RollbackResult> {
  const unfinished = await deps.ledger.unfinishedRun(ROLLBACK_RUN)
  const resumed = unfinished !== undefined && unfinished.params['of'] === migrated.runId
  const run = resumed
    ? unfinished
    : await deps.ledger.startRun(ROLLBACK_RUN, { of: migrated.runId }, deps.now())
  deps.emit({ type: 'run.started', runId: run.runId, resumed, at: deps.now().toISOString() })

  let deleted = 0
  let restored = 0
  const phases = firstPass(planLoad(options.mapping)).reverse()
  for (const phase of phases) {
    const images = await imagesOf(deps.ledger, migrated.runId, phase.name)
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
      undoable(deps.ledger.outcomes(migrated.runId, phase.name)),
      options.batchSize ?? 100,
    )) {
      position += batch.length
      if (position <= (checkpoint?.lastSourceId ?? 0)) {
        done += batch.length
        continue
      }
      const outcomes = await undoBatch(batch, phase.entityMap, images, run.runId, deps.target)
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

  const { remaining, mismatched } = await verifyRollback(deps, migrated.runId, phases)
  const verified = remaining.length === 0 && mismatched.length === 0
  await deps.ledger.finishRun(run.runId, verified ? 'succeeded' : 'failed', deps.now(), {
    of: migrated.runId,
    deleted,
    restored,
    remaining: remaining.length,
    mismatched: mismatched.length,
  })
  return {
    runId: run.runId,
    of: migrated.runId,
    kind: migrated.kind,
    resumed,
    deleted,
    restored,
    remaining,
    mismatched,
    verified,
    chain: [],
  }
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

/** Outcomes that changed a row: created (deleted back), updated or deactivated (restored), deleted (re-created). */
async function* undoable(outcomes: AsyncIterable<RecordOutcome>): AsyncGenerator<RecordOutcome> {
  for await (const o of outcomes)
    if (o.status === 'created' || o.status === 'updated' || o.status === 'deleted') yield o
}

async function countToUndo(ledger: Ledger, runId: string, phase: string): Promise<number> {
  const counts = (await ledger.counts(runId)).find((c) => c.phase === phase)
  return (counts?.created ?? 0) + (counts?.updated ?? 0) + (counts?.deleted ?? 0)
}

/** Before-images of one phase. Held in memory: as many as the rows the run updated in that phase. */
async function imagesOf(ledger: Ledger, runId: string, phase: string): Promise<Map<string, BeforeImage>> {
  const images = new Map<string, BeforeImage>()
  for await (const image of ledger.beforeImages(runId))
    if (image.phase === phase) images.set(image.targetId, image)
  return images
}

async function undoBatch(
  batch: readonly RecordOutcome[],
  map: EntityMap,
  images: ReadonlyMap<string, BeforeImage>,
  runId: string,
  target: RollbackTarget,
): Promise<RecordOutcome[]> {
  const outcomes: RecordOutcome[] = []
  for (const o of batch) {
    const targetId = o.targetId ?? ''
    const base = { runId, phase: o.phase, sourceKey: o.sourceKey, targetId }
    const image = images.get(targetId)
    if (image !== undefined && o.status === 'deleted') {
      await recreate(target, map, targetId, image.values)
      outcomes.push({ ...base, status: 'restored', reason: 're-created: a delta had deleted it' })
    } else if (image !== undefined) {
      const result = await target.update(map.table, { targetId, values: restoreValues(map, image.values) })
      outcomes.push(
        result === 'updated'
          ? { ...base, status: 'restored' }
          : {
              ...base,
              status: 'skipped',
              reason: 'the row was deleted in Dataverse since the migration; nothing to restore',
            },
      )
    } else if (o.status === 'created') {
      const result = await target.delete(map.table, targetId)
      outcomes.push({ ...base, status: 'deleted', ...(result === 'missing' && { reason: 'already gone' }) })
    } else if (o.status === 'deleted') {
      outcomes.push({
        ...base,
        status: 'skipped',
        reason: 'no before-image was kept; the row cannot be re-created',
      })
    } else {
      // Updated without an image: the row was created by an earlier run of ours; that run's rollback deletes it.
      outcomes.push({
        ...base,
        status: 'skipped',
        reason: 'created by an earlier run; roll that run back to remove it',
      })
    }
  }
  return outcomes
}

/**
 * Re-creates a row under its own id: an upsert of its image's columns (a create always starts in the table's default
 * state), then its state when it was not the default one.
 */
async function recreate(
  target: RollbackTarget,
  map: EntityMap,
  targetId: string,
  image: Readonly<Record<string, unknown>>,
): Promise<void> {
  const values = restoreValues(map, image)
  // The row keeps its creation date: Dataverse sets createdon from overriddencreatedon on create (and
  // overriddencreatedon itself to the time of this create, which no client can choose).
  if (typeof image['createdon'] === 'string') values['overriddencreatedon'] = image['createdon']
  const state: Record<string, unknown> = {}
  for (const column of STATE_COLUMNS) {
    if (column in values) state[column] = values[column]
    delete values[column]
  }
  await target.upsert(map.table, { targetId, values })
  if (typeof state['statecode'] === 'number' && state['statecode'] !== 0) {
    await target.update(map.table, { targetId, values: state })
  }
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
  const removed = outcomes.filter((o) => o.status === 'deleted').map(idOf)
  const restored = outcomes.filter((o) => o.status === 'restored').map(idOf)
  if (removed.length > 0) await ledger.contentHashes.remove(entity, removed)
  if (restored.length > 0)
    await ledger.contentHashes.save(
      entity,
      restored.map((id) => ({ id, hash: ROLLED_BACK_HASH })),
    )
}

/** A hash no record has (real ones are 43 base64url characters): "Dataverse holds an older version". */
export const ROLLED_BACK_HASH = 'rolled-back'

async function verifyRollback(
  deps: RollbackDeps,
  runId: string,
  phases: readonly PlannedPhase[],
): Promise<{ remaining: string[]; mismatched: RollbackResult['mismatched'] }> {
  const remaining: string[] = []
  const mismatched: RollbackResult['mismatched'] = []
  for (const { name, entityMap: map } of phases) {
    const images = await imagesOf(deps.ledger, runId, name)
    for await (const batch of chunks(undoable(deps.ledger.outcomes(runId, name)), 200)) {
      const ids = batch.map((o) => o.targetId ?? '')
      // Images of deactivated rows hold their state too.
      const columns = new Set(imageColumns(map))
      for (const id of ids)
        for (const column of Object.keys(images.get(id)?.values ?? {})) columns.add(column)
      const existing = await readExisting(deps.target, map.table, ids, [...columns])
      for (const o of batch) {
        const targetId = o.targetId ?? ''
        const image = images.get(targetId)
        const row = existing.get(targetId)
        if (image === undefined) {
          if (o.status === 'created' && row !== undefined)
            remaining.push(`${map.table.entitySet}(${targetId})`)
        } else if (row === undefined) {
          if (o.status === 'deleted') mismatched.push({ targetId, columns: ['(row not re-created)'] })
        } else {
          const differ = Object.keys(image.values)
            .filter((c) => !(o.status === 'deleted' && c === 'overriddencreatedon'))
            .filter((c) => !sameValue(image.values[c], row[c]))
          if (differ.length > 0) mismatched.push({ targetId, columns: differ })
        }
      }
    }
  }
  return { remaining, mismatched }
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null)
}
