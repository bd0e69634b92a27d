import { mapLimit } from '../source/x2crm/extract.ts'
import { refusalOfError, type Refusal } from '../target/dataverse/refusal.ts'
import type {
  ActionCall,
  ActionOutcome,
  DataverseBulkTarget,
  TableRef,
  TargetRow,
} from '../target/dataverse/types.ts'

/**
 * Closing requests per `$batch`, and `$batch` requests in flight. The requests of a batch run one after the other on
 * the server, so a batch of 100 takes as long as 100 requests sent alone, but counts once against the 6,000 requests
 * per 5 minutes (webapi.md §5.1) and costs one round trip; a close creates a row and changes another, so batches stay
 * under Microsoft's 200–300 for out-of-box tables (webapi.md §4.3), and four in flight as rollback's deletes
 * (`x-ms-dop-hint` is 4 on a trial org). The user's limiter still caps what is in flight.
 */
export const REQUESTS_PER_BATCH = 100
export const BATCHES_IN_FLIGHT = 4

/** Arrays of at most `size` items, in order. Pure. */
export function slices<T>(items: readonly T[], size: number): T[][] {
  const parts: T[][] = []
  for (let i = 0; i < items.length; i += size) parts.push(items.slice(i, i + size))
  return parts
}

/**
 * Runs `work` on slices of `items` (`REQUESTS_PER_BATCH` each), `BATCHES_IN_FLIGHT` at once, and returns its results
 * in the items' order. The first systemic failure rejects (the slices in flight finish).
 */
export async function inBatches<T, R>(
  items: readonly T[],
  work: (slice: T[]) => Promise<R[]>,
  options: { perBatch?: number; inFlight?: number } = {},
): Promise<R[]> {
  const parts = slices(items, options.perBatch ?? REQUESTS_PER_BATCH)
  return (await mapLimit(parts, options.inFlight ?? BATCHES_IN_FLIGHT, work)).flat()
}

/** What a closing step sends actions with: many to a `$batch`, or (a target without it) one by one. */
export type ActionTarget = Partial<Pick<DataverseBulkTarget, 'callAction' | 'callActions'>>

/** Whether the target can send actions at all. */
export const canCallActions = (target: ActionTarget) =>
  target.callActions !== undefined || target.callAction !== undefined

/**
 * Sends these actions in one `$batch` (callActions), or one request each when the target has no batch of actions.
 * One outcome per call, in order: done, or Dataverse's refusal; anything systemic throws.
 */
export async function sendActions(
  target: ActionTarget,
  calls: readonly ActionCall[],
): Promise<ActionOutcome[]> {
  if (calls.length === 0) return []
  if (target.callActions !== undefined) return target.callActions(calls)
  const outcomes: ActionOutcome[] = []
  for (const call of calls) {
    try {
      await target.callAction?.(call.name, call.body)
      outcomes.push({ status: 'done' })
    } catch (error) {
      const refusal = refusalOfError(error)
      if (refusal === undefined) throw error
      outcomes.push({ status: 'refused', ...refusal })
    }
  }
  return outcomes
}

/** What a closing step writes rows with: in a `$batch`, or (a target without it) one request each. */
export type RowTarget = Partial<Pick<DataverseBulkTarget, 'batch' | 'update' | 'delete'>>

/**
 * Deletes (`values` unused) or updates (`If-Match: *`, never re-creates) these rows in one `$batch`, or one request
 * each when the target has no batch. Per row: undefined when done or the row is gone (404, as `update` and `delete`
 * answer 'missing'), else Dataverse's refusal; anything systemic throws.
 */
export async function writeRows(
  target: RowTarget,
  table: TableRef,
  rows: readonly TargetRow[],
  operation: 'update' | 'delete',
): Promise<(Refusal | undefined)[]> {
  if (rows.length === 0) return []
  if (target.batch !== undefined) {
    const results = await target.batch(table, rows, operation)
    return results.map((r) =>
      r.status === 'rejected' && r.httpStatus !== 404
        ? { httpStatus: r.httpStatus, code: r.code, reason: r.reason }
        : undefined,
    )
  }
  const refusals: (Refusal | undefined)[] = []
  for (const row of rows) {
    try {
      if (operation === 'update') await target.update?.(table, row)
      else await target.delete?.(table, row.targetId)
      refusals.push(undefined)
    } catch (error) {
      const refusal = refusalOfError(error)
      if (refusal === undefined) throw error
      refusals.push(refusal)
    }
  }
  return refusals
}
