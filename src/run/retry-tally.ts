import type { RunEvent } from './events.ts'

/**
 * Requests sent again, per cause: `throttled` (429, service protection), `unavailable` (503), `serverError` (other
 * 5xx), `reset` (the connection dropped or was refused), `timeout` (no answer in time; the rows went again in smaller
 * calls). A run's summary keeps them, and its report shows them.
 */
export interface RetryCounts {
  throttled: number
  unavailable: number
  serverError: number
  reset: number
  timeout: number
}

/** A network failure that means the server did not answer in time (ETIMEDOUT, UND_ERR_*_TIMEOUT), else it dropped. */
const TIMEOUT = /timeout|ETIMEDOUT/i

/** The cause a retry event counts under, or undefined for an event that is not a retry. Pure. */
export function retryKindOf(event: RunEvent): keyof RetryCounts | undefined {
  if (event.type !== 'request.retry') return undefined
  if (event.status === 429) return 'throttled'
  if (event.status === 503) return 'unavailable'
  if (event.status === 'network') return TIMEOUT.test(event.reason ?? '') ? 'timeout' : 'reset'
  return 'serverError'
}

/** Counts the retries a run's `request.retry` events tell of (the client's, and the loader's re-sent chunks). */
export function createRetryTally(): {
  observe: (event: RunEvent) => void
  counts: () => RetryCounts
} {
  const counts: RetryCounts = { throttled: 0, unavailable: 0, serverError: 0, reset: 0, timeout: 0 }
  return {
    observe(event) {
      const kind = retryKindOf(event)
      if (kind !== undefined) counts[kind]++
    },
    counts: () => ({ ...counts }),
  }
}

/** "12 throttled (429), 3 unavailable (503), 1 connection reset", or "none". Pure. */
export function describeRetries(counts: Readonly<RetryCounts>): string {
  const parts = [
    counts.throttled > 0 && `${counts.throttled} throttled (429)`,
    counts.unavailable > 0 && `${counts.unavailable} unavailable (503)`,
    counts.serverError > 0 && `${counts.serverError} other server errors (5xx)`,
    counts.reset > 0 && `${counts.reset} connection ${counts.reset === 1 ? 'reset' : 'resets'}`,
    counts.timeout > 0 && `${counts.timeout} ${counts.timeout === 1 ? 'timeout' : 'timeouts'}`,
  ].filter((p): p is string => typeof p === 'string')
  return parts.length === 0 ? 'none' : parts.join(', ')
}

/** Whether a stored summary's `retries` has the shape of {@link RetryCounts} (ledgers are read, not trusted). Pure. */
export function isRetryCounts(value: unknown): value is RetryCounts {
  if (typeof value !== 'object' || value === null) return false
  const counts = value as Record<string, unknown>
  return ['throttled', 'unavailable', 'serverError', 'reset', 'timeout'].every(
    (k) => typeof counts[k] === 'number',
  )
}
