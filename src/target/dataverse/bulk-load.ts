import { refusalOfError } from './refusal.ts'
import type { DataverseTarget, RowResult, TableRef, TargetRow } from './types.ts'

export interface LoadRowsOptions {
  /** Called when a chunk of `size` rows was refused and is split in halves to find the bad rows. */
  onSplit?(size: number): void
  /** How a chunk is sent, all or nothing. @default target.upsertMultiple (e.g. `createMultiple` for new rows) */
  send?: (rows: readonly TargetRow[]) => Promise<void>
  /**
   * Finds the bad rows of a refused chunk in one request, each row on its own (`$batch` with one change set per row
   * and continue-on-error), instead of halving the chunk until they stand alone. Microsoft's advice for bulk
   * failures; it spends one request per refused chunk where halving spends about 2·log2(n) per bad row, which
   * matters under the 6,000-requests-per-5-minutes limit. Chunks above 1,000 rows are still halved first.
   */
  isolate?: (rows: readonly TargetRow[]) => Promise<RowResult[]>
}

/** `$batch` takes at most 1,000 requests. */
const MAX_ISOLATE = 1000

/**
 * Loads rows with `UpsertMultiple` and returns one result per row, in order. On a standard table one bad row rolls
 * back the whole call, so a refused chunk is sent again row by row in one `$batch` when `isolate` is given, or else
 * split in halves until the bad rows stand alone: those are `rejected` with Dataverse's message, the rest `loaded`.
 *
 * Anything systemic (401, 403, throttling or 5xx that outlasted the retries, network, an unknown entity set, a table
 * that does not support the message) is rethrown: the run must stop, or the caller falls back to `$batch`.
 */
export async function loadRows(
  target: Pick<DataverseTarget, 'upsertMultiple'>,
  table: TableRef,
  rows: readonly TargetRow[],
  options: LoadRowsOptions = {},
): Promise<RowResult[]> {
  if (rows.length === 0) return []
  try {
    await (options.send ? options.send(rows) : target.upsertMultiple(table, rows))
    return rows.map((row) => ({ status: 'loaded', targetId: row.targetId }))
  } catch (error) {
    const refusal = refusalOfError(error)
    if (refusal === undefined) throw error
    const [row] = rows
    if (rows.length === 1 && row !== undefined)
      return [{ status: 'rejected', targetId: row.targetId, ...refusal }]
    if (options.isolate && rows.length <= MAX_ISOLATE) return options.isolate(rows)
    options.onSplit?.(rows.length)
    const middle = Math.ceil(rows.length / 2)
    const first = await loadRows(target, table, rows.slice(0, middle), options)
    const second = await loadRows(target, table, rows.slice(middle), options)
    return [...first, ...second]
  }
}
