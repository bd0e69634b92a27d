export interface BatchSizeOptions {
  /** @default 100 */
  initial?: number
  /** @default 1 */
  min?: number
  /** Dataverse takes at most 1,000 requests in a `$batch`; bulk messages have no fixed limit but the same guidance. @default 1000 */
  max?: number
  /** A call slower than this halves the size. @default 20_000 */
  slowMs?: number
  /** A call faster than this grows the size by half. @default 5_000 */
  fastMs?: number
}

export interface BatchSizing {
  size: number
  min: number
  max: number
  slowMs: number
  fastMs: number
}

export function initialBatchSize(options: BatchSizeOptions = {}): BatchSizing {
  const min = Math.max(1, Math.trunc(options.min ?? 1))
  const max = Math.min(1000, Math.max(min, Math.trunc(options.max ?? 1000)))
  return {
    size: clamp(options.initial ?? 100, min, max),
    min,
    max,
    slowMs: options.slowMs ?? 20_000,
    fastMs: options.fastMs ?? 5_000,
  }
}

/**
 * The next batch size after a call of `size` rows took `durationMs` (or timed out). Keeps calls well inside the
 * server's and the client's timeouts (Microsoft: start with 100–1,000 rows, fewer when plug-ins are slow,
 * webapi.md §4.2): halve when slow or timed out, grow by half when fast, hold in between, within min..max.
 * Only a call of about the current size says anything about it: a small tail batch being fast does not grow it.
 */
export function nextBatchSize(
  sizing: BatchSizing,
  call: { size: number; durationMs: number; timedOut?: boolean },
): BatchSizing {
  if (call.timedOut === true || call.durationMs >= sizing.slowMs) {
    return { ...sizing, size: clamp(Math.min(sizing.size, call.size) / 2, sizing.min, sizing.max) }
  }
  if (call.durationMs <= sizing.fastMs && call.size >= sizing.size) {
    return { ...sizing, size: clamp(Math.ceil(sizing.size * 1.5), sizing.min, sizing.max) }
  }
  return sizing
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, Math.floor(value)))
}
