import { refusalOfError } from './refusal.ts'
import type { DataverseTarget, RowResult, TableRef, TargetRow } from './types.ts'

export interface LoadRowsOptions {
  /** Called when a chunk of `size` rows was refused and is split in halves to find the bad rows. */
  onSplit?(size: number): void
  /** How a chunk is sent, all or nothing. @default target.upsertMultiple (e.g. `createMultiple` for new rows) */
  send?: (rows: readonly TargetRow[]) => Promise<void>
}

/**
 * Loads rows with `UpsertMultiple` and returns one result per row, in order. On a standard table one bad row rolls
 * back the whole call, so a refused chunk is split in halves until the bad rows stand alone: those are `rejected` with
 * Dataverse's message, the rest `loaded`. A few bad rows cost about 2·log2(n) calls each.
 *
 * Anything systemic (401, 403, throttling or 5xx that outlasted the retries, network, an unknown entity set, a table
 * that does not support the message) is rethrown: the run must stop, or the caller falls back to `$batch`.
 */
export async function loadRows(
  target: DataverseTarget,
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
    options.onSplit?.(rows.length)
    const middle = Math.ceil(rows.length / 2)
    const first = await loadRows(target, table, rows.slice(0, middle), options)
    const second = await loadRows(target, table, rows.slice(middle), options)
    return [...first, ...second]
  }
}
