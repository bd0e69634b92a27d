import { MigrationError } from '../errors.ts'
import type { BeforeImage, Ledger, RecordOutcome, RunInfo } from '../ledger/ledger.ts'
import type { EntityMap, Mapping } from '../mapping/types.ts'
import type { DataverseTarget, TableRef, TargetRow } from '../target/dataverse/types.ts'
import { imageColumns, readExisting, restoreValues } from './before-image.ts'
import { chunks } from './chunks.ts'
import type { Emit } from './events.ts'
import { countStatuses, MIGRATE_RUN } from './migrate.ts'
import { planPhases } from './phases.ts'

export const ROLLBACK_RUN = 'rollback'

/** What rollback calls on Dataverse besides queries. */
export interface RollbackTarget extends Pick<DataverseTarget, 'query'> {
  /** PATCH with `If-Match: *`: update only, never re-create a row someone deleted. 'missing' when it is gone. */
  update(table: TableRef, row: TargetRow): Promise<'updated' | 'missing'>
  /** DELETE; 'missing' when the row is already gone. */
  delete(table: TableRef, targetId: string): Promise<'deleted' | 'missing'>
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
}

/**
 * Undoes a migrate run from the ledger alone: in reverse dependency order, deletes every row the run created and puts
 * every row it updated back as its before-image says. Resumable (it records its own outcomes and checkpoints). Ends by
 * checking that none of the created rows remains and that every restored row equals its image.
 */
export async function rollback(options: RollbackOptions, deps: RollbackDeps): Promise<RollbackResult> {
  const migrated = await runToUndo(options.runId, deps.ledger)
  const unfinished = await deps.ledger.unfinishedRun(ROLLBACK_RUN)
  const resumed = unfinished !== undefined && unfinished.params['of'] === migrated.runId
  const run = resumed
    ? unfinished
    : await deps.ledger.startRun(ROLLBACK_RUN, { of: migrated.runId }, deps.now())
  deps.emit({ type: 'run.started', runId: run.runId, resumed, at: deps.now().toISOString() })

  let deleted = 0
  let restored = 0
  const phases = planPhases(options.mapping)
    .filter((p) => p.pass === 1)
    .reverse()
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

  const { remaining, mismatched } = await verifyRollback(
    deps,
    migrated.runId,
    phases.map((p) => p.entityMap),
  )
  const verified = remaining.length === 0 && mismatched.length === 0
  await deps.ledger.finishRun(run.runId, verified ? 'succeeded' : 'failed', deps.now(), {
    of: migrated.runId,
    deleted,
    restored,
    remaining: remaining.length,
    mismatched: mismatched.length,
  })
  return { runId: run.runId, of: migrated.runId, resumed, deleted, restored, remaining, mismatched, verified }
}

async function runToUndo(runId: string | undefined, ledger: Ledger): Promise<RunInfo> {
  const run =
    runId === undefined ? (await ledger.runs()).find((r) => r.kind === MIGRATE_RUN) : await ledger.run(runId)
  if (run === undefined) {
    throw new MigrationError(
      runId === undefined ? 'The ledger has no migrate run to roll back.' : `The ledger has no run ${runId}.`,
    )
  }
  if (run.kind !== MIGRATE_RUN) {
    throw new MigrationError(`Run ${run.runId} is a ${run.kind} run; only migrate runs can be rolled back.`)
  }
  return run
}

async function* undoable(outcomes: AsyncIterable<RecordOutcome>): AsyncGenerator<RecordOutcome> {
  for await (const o of outcomes) if (o.status === 'created' || o.status === 'updated') yield o
}

async function countToUndo(ledger: Ledger, runId: string, phase: string): Promise<number> {
  const counts = (await ledger.counts(runId)).find((c) => c.phase === phase)
  return (counts?.created ?? 0) + (counts?.updated ?? 0)
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
    if (image !== undefined) {
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

async function verifyRollback(
  deps: RollbackDeps,
  runId: string,
  maps: readonly EntityMap[],
): Promise<{ remaining: string[]; mismatched: RollbackResult['mismatched'] }> {
  const remaining: string[] = []
  const mismatched: RollbackResult['mismatched'] = []
  for (const map of maps) {
    const images = await imagesOf(deps.ledger, runId, map.entity)
    for await (const batch of chunks(undoable(deps.ledger.outcomes(runId, map.entity)), 200)) {
      const ids = batch.map((o) => o.targetId ?? '')
      const existing = await readExisting(deps.target, map.table, ids, imageColumns(map))
      for (const o of batch) {
        const targetId = o.targetId ?? ''
        const image = images.get(targetId)
        const row = existing.get(targetId)
        if (image === undefined) {
          if (o.status === 'created' && row !== undefined)
            remaining.push(`${map.table.entitySet}(${targetId})`)
        } else if (row !== undefined) {
          const columns = Object.keys(image.values).filter((c) => !sameValue(image.values[c], row[c]))
          if (columns.length > 0) mismatched.push({ targetId, columns })
        }
      }
    }
  }
  return { remaining, mismatched }
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null)
}
