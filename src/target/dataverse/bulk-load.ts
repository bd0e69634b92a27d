import { z } from 'zod'
import { HttpError } from '../../errors.ts'
import type { DataverseTarget, RowResult, TableRef, TargetRow } from './types.ts'

export interface LoadRowsOptions {
  /** Called when a chunk of `size` rows was refused and is split in halves to find the bad rows. */
  onSplit?(size: number): void
}

/**
 * Loads rows with `UpsertMultiple` and returns one result per row, in order. On a standard table one bad row rolls
 * back the whole call, so a refused chunk is split in halves until the bad rows stand alone: those are `rejected` with
 * Dataverse's message, the rest `loaded`. A few bad rows cost about 2·log2(n) calls each.
 *
 * Anything systemic (401, 403, throttling or 5xx that outlasted the retries, network, an unknown entity set) is
 * rethrown: the run must stop.
 */
export async function loadRows(
  target: DataverseTarget,
  table: TableRef,
  rows: readonly TargetRow[],
  options: LoadRowsOptions = {},
): Promise<RowResult[]> {
  if (rows.length === 0) return []
  try {
    await target.upsertMultiple(table, rows)
    return rows.map((row) => ({ status: 'loaded', targetId: row.targetId }))
  } catch (error) {
    const refusal = dataRefusal(error)
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

/** Statuses that say nothing about the rows: auth, timeout, throttling. */
const SYSTEMIC_4XX = new Set([401, 403, 408, 429])

const ErrorBody = z.object({
  error: z.object({ code: z.string().optional(), message: z.string().optional() }),
})

/** The server's verdict when `error` is a refusal of the data (a 4xx about the rows), else undefined. */
function dataRefusal(error: unknown): { httpStatus: number; code: string; reason: string } | undefined {
  if (!(error instanceof HttpError) || error.status < 400 || error.status > 499) return undefined
  if (SYSTEMIC_4XX.has(error.status)) return undefined
  const parsed = ErrorBody.safeParse(error.body)
  const code = (parsed.success ? parsed.data.error.code : undefined) ?? ''
  const reason = (parsed.success ? parsed.data.error.message : undefined) || error.message
  // An unknown entity set or message is a 404 too, but no row is to blame (webapi.md §2.7).
  if (
    error.status === 404 &&
    (code === '0x80060888' || reason.startsWith('Resource not found for the segment'))
  ) {
    return undefined
  }
  return { httpStatus: error.status, code, reason }
}
