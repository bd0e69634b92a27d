import type { RecordOutcome } from '../ledger/ledger.ts'
import type { EntityMap } from '../mapping/types.ts'
import { loadRows } from '../target/dataverse/bulk-load.ts'
import { isMessageNotSupported } from '../target/dataverse/refusal.ts'
import type { DataverseBulkTarget, RowResult, TableRef, TargetRow } from '../target/dataverse/types.ts'
import { restoreValues } from './before-image.ts'
import { STATE_COLUMNS } from './retire.ts'
import type { WrittenRow } from './written-rows.ts'

/** What rollback writes with, row by row. */
export type RowByRowTarget = Pick<DataverseBulkTarget, 'update' | 'delete' | 'upsert'>

/** What rollback writes with in bulk: UpdateMultiple / UpsertMultiple to restore, `$batch` to delete. */
export type BulkUndoTarget = Pick<DataverseBulkTarget, 'updateMultiple' | 'upsertMultiple' | 'batch'>

/** `$batch` takes at most 1,000 requests (webapi.md §3). */
const MAX_BATCH_PARTS = 1000

/**
 * DELETEs per `$batch`, and `$batch` requests in flight: the parts of a batch run one after the other on the server,
 * so one batch of 1,000 takes as long as 1,000 deletes; Microsoft's advice for out-of-box tables is 200–300 per batch
 * over several connections (webapi.md §4.3), and `x-ms-dop-hint` is 4 on a trial org. The user's limiter still caps
 * what is in flight.
 */
const DELETES_PER_BATCH = 250
const BATCHES_IN_FLIGHT = 4

/** What the undo of one row is, decided from the ledger alone. Pure. */
export type UndoStep =
  | { type: 'recreate'; row: WrittenRow; values: Record<string, unknown>; state?: Record<string, unknown> }
  | { type: 'restore'; row: WrittenRow; values: Record<string, unknown> }
  | { type: 'delete'; row: WrittenRow }
  | { type: 'skip'; row: WrittenRow; reason: string }

/**
 * How to undo a row the run wrote: re-create what a delta deleted (an upsert of its image, then its state when not the
 * default one), restore what it updated or deactivated (a PATCH of its image), delete what it created. Pure.
 */
export function undoStepOf(row: WrittenRow, map: EntityMap): UndoStep {
  const image = row.image?.values
  if (image !== undefined && row.status === 'deleted') {
    const values = restoreValues(map, image)
    // The row keeps its creation date: Dataverse sets createdon from overriddencreatedon on create (and
    // overriddencreatedon itself to the time of this create, which no client can choose).
    if (typeof image['createdon'] === 'string') values['overriddencreatedon'] = image['createdon']
    const state: Record<string, unknown> = {}
    for (const column of STATE_COLUMNS) {
      if (column in values) state[column] = values[column]
      delete values[column]
    }
    const reactivate = typeof state['statecode'] === 'number' && state['statecode'] !== 0
    return { type: 'recreate', row, values, ...(reactivate && { state }) }
  }
  if (image !== undefined) return { type: 'restore', row, values: restoreValues(map, image) }
  if (row.status === 'created') return { type: 'delete', row }
  if (row.status === 'deleted')
    return { type: 'skip', row, reason: 'no before-image was kept; the row cannot be re-created' }
  if (row.status === 'updated') {
    // Updated without an image: the row was created by an earlier run of ours; that run's rollback deletes it.
    return { type: 'skip', row, reason: 'created by an earlier run; roll that run back to remove it' }
  }
  return {
    type: 'skip',
    row,
    reason: 'no outcome was recorded; the final check looks for the row in Dataverse',
  }
}

const GONE = 'the row was deleted in Dataverse since the migration; nothing to restore'

function outcomeOf(
  step: UndoStep,
  runId: string,
  status: 'restored' | 'deleted' | 'skipped',
  reason?: string,
): RecordOutcome {
  const { phase, sourceKey, targetId } = step.row
  return { runId, phase, sourceKey, targetId, status, ...(reason !== undefined && { reason }) }
}

/** The baseline: one PATCH or DELETE per row (two requests for a re-created inactive row). */
export async function undoRowByRow(
  steps: readonly UndoStep[],
  table: TableRef,
  runId: string,
  target: RowByRowTarget,
): Promise<RecordOutcome[]> {
  const outcomes: RecordOutcome[] = []
  for (const step of steps) {
    const targetId = step.row.targetId
    if (step.type === 'recreate') {
      await target.upsert(table, { targetId, values: step.values })
      if (step.state !== undefined) await target.update(table, { targetId, values: step.state })
      outcomes.push(outcomeOf(step, runId, 'restored', 're-created: a delta had deleted it'))
    } else if (step.type === 'restore') {
      const result = await target.update(table, { targetId, values: step.values })
      outcomes.push(
        result === 'updated' ? outcomeOf(step, runId, 'restored') : outcomeOf(step, runId, 'skipped', GONE),
      )
    } else if (step.type === 'delete') {
      const result = await target.delete(table, targetId)
      outcomes.push(outcomeOf(step, runId, 'deleted', result === 'missing' ? 'already gone' : undefined))
    } else {
      outcomes.push(outcomeOf(step, runId, 'skipped', step.reason))
    }
  }
  return outcomes
}

/**
 * The same undo in a few requests: restores through `UpdateMultiple` (a refused call is sent again as one `$batch`
 * with a change set per row, so a row deleted since, 404, is skipped alone), re-creates through `UpsertMultiple` and
 * then sets their state through `UpdateMultiple`, deletes through `$batch` (up to 1,000 DELETEs a request). A table
 * without the bulk messages restores through `$batch` too. A row Dataverse refuses is skipped with its message; the
 * final check then names it. Outcomes come back in the order of `steps`.
 */
export async function undoInBulk(
  steps: readonly UndoStep[],
  table: TableRef,
  runId: string,
  target: BulkUndoTarget,
): Promise<RecordOutcome[]> {
  const outcomes = new Map<UndoStep, RecordOutcome>()
  const rowOf = (step: UndoStep & { values: Record<string, unknown> }): TargetRow => ({
    targetId: step.row.targetId,
    values: step.values,
  })

  const recreate = steps.filter((s) => s.type === 'recreate')
  const recreated = await sendInBulk(target, table, recreate.map(rowOf), 'upsert')
  const reactivate: { step: UndoStep; row: TargetRow }[] = []
  recreate.forEach((step, i) => {
    const result = recreated[i]
    if (result?.status === 'loaded') {
      outcomes.set(step, outcomeOf(step, runId, 'restored', 're-created: a delta had deleted it'))
      if (step.state !== undefined)
        reactivate.push({ step, row: { targetId: step.row.targetId, values: step.state } })
    } else outcomes.set(step, outcomeOf(step, runId, 'skipped', refused('re-create', result)))
  })
  const states = await sendInBulk(
    target,
    table,
    reactivate.map((r) => r.row),
    'update',
  )
  reactivate.forEach(({ step }, i) => {
    const result = states[i]
    if (result?.status !== 'loaded')
      outcomes.set(step, outcomeOf(step, runId, 'skipped', refused('set the state of', result)))
  })

  const restore = steps.filter((s) => s.type === 'restore')
  const restored = await sendInBulk(target, table, restore.map(rowOf), 'update')
  restore.forEach((step, i) => {
    const result = restored[i]
    outcomes.set(
      step,
      result?.status === 'loaded'
        ? outcomeOf(step, runId, 'restored')
        : outcomeOf(step, runId, 'skipped', result?.httpStatus === 404 ? GONE : refused('restore', result)),
    )
  })

  const remove = steps.filter((s) => s.type === 'delete')
  const parts: (typeof remove)[] = []
  for (let i = 0; i < remove.length; i += DELETES_PER_BATCH)
    parts.push(remove.slice(i, i + DELETES_PER_BATCH))
  for (let i = 0; i < parts.length; i += BATCHES_IN_FLIGHT) {
    await Promise.all(
      parts.slice(i, i + BATCHES_IN_FLIGHT).map(async (part) => {
        const results = await target.batch(
          table,
          part.map((s) => ({ targetId: s.row.targetId, values: {} })),
          'delete',
        )
        part.forEach((step, j) => {
          const result = results[j]
          outcomes.set(
            step,
            result?.status === 'loaded'
              ? outcomeOf(step, runId, 'deleted')
              : result?.httpStatus === 404
                ? outcomeOf(step, runId, 'deleted', 'already gone')
                : outcomeOf(step, runId, 'skipped', refused('delete', result)),
          )
        })
      }),
    )
  }

  for (const step of steps)
    if (step.type === 'skip') outcomes.set(step, outcomeOf(step, runId, 'skipped', step.reason))
  return steps.map((step) => outcomes.get(step) ?? outcomeOf(step, runId, 'skipped', 'not undone'))
}

function refused(what: string, result: RowResult | undefined): string {
  const reason = result?.status === 'rejected' ? result.reason : 'no answer'
  return `Dataverse refused to ${what} the row: ${reason}`
}

/**
 * Rows through `UpdateMultiple` or `UpsertMultiple`, a refused call isolated with one `$batch`; the table without
 * the bulk message gets `$batch` alone. One result per row, in order.
 */
async function sendInBulk(
  target: BulkUndoTarget,
  table: TableRef,
  rows: readonly TargetRow[],
  operation: 'update' | 'upsert',
): Promise<RowResult[]> {
  const results: RowResult[] = []
  for (let i = 0; i < rows.length; i += MAX_BATCH_PARTS) {
    const part = rows.slice(i, i + MAX_BATCH_PARTS)
    const send = (chunk: readonly TargetRow[]) =>
      operation === 'update' ? target.updateMultiple(table, chunk) : target.upsertMultiple(table, chunk)
    const isolate = (chunk: readonly TargetRow[]) => target.batch(table, chunk, operation)
    try {
      results.push(...(await loadRows(target, table, part, { send, isolate })))
    } catch (error) {
      if (!isMessageNotSupported(error)) throw error
      results.push(...(await isolate(part)))
    }
  }
  return results
}
