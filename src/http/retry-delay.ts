/** Upper bound of the exponential backoff, before jitter. */
export const MAX_BACKOFF_MS = 30_000

/**
 * Capped exponential backoff with full jitter: attempt 1 waits up to 500 ms, attempt 2 up to 1 s, … at most 30 s.
 * @param attempt the attempt that just failed, from 1
 */
export function backoffDelayMs(attempt: number, random: () => number = Math.random): number {
  return Math.round(Math.min(MAX_BACKOFF_MS, 500 * 2 ** (attempt - 1)) * random())
}

/**
 * How long to wait before sending again: the response's `Retry-After` (delay in seconds, or an HTTP-date) when it
 * has one, else {@link backoffDelayMs}.
 * @param now clock for HTTP-date values @default Date.now
 */
export function retryDelayMs(
  response: Response,
  attempt: number,
  random: () => number = Math.random,
  now: () => number = Date.now,
): number {
  const header = response.headers.get('Retry-After')?.trim()
  if (header !== undefined && header !== '') {
    if (/^\d+$/.test(header)) return Number(header) * 1000
    const date = Date.parse(header)
    if (!Number.isNaN(date)) return Math.max(0, date - now())
  }
  return backoffDelayMs(attempt, random)
}
