import { describe, expect, it } from 'vitest'
import { createRetryTally, describeRetries, isRetryCounts } from './retry-tally.ts'

describe('retry tally', () => {
  it('counts each retry under its cause: 429, 503, other 5xx, a dropped connection, a timeout', () => {
    const tally = createRetryTally()
    const retry = (status: number | 'network', reason?: string) =>
      tally.observe({ type: 'request.retry', status, waitMs: 0, attempt: 1, ...(reason && { reason }) })
    retry(429, 'status 429')
    retry(429, 'still throttled')
    retry(503, 'status 503')
    retry(502, 'status 502')
    retry('network', 'network error ECONNRESET')
    retry('network', 'network error fetch failed')
    retry('network', 'network error UND_ERR_HEADERS_TIMEOUT')
    retry('network', 'timeout')
    tally.observe({ type: 'phase.finished', phase: 'Accounts' })
    expect(tally.counts()).toEqual({ throttled: 2, unavailable: 1, serverError: 1, reset: 2, timeout: 2 })
    expect(describeRetries(tally.counts())).toBe(
      '2 throttled (429), 1 unavailable (503), 1 other server errors (5xx), 2 connection resets, 2 timeouts',
    )
    expect(describeRetries(createRetryTally().counts())).toBe('none')
  })

  it('takes a stored summary’s counts only when every cause is a number', () => {
    expect(isRetryCounts({ throttled: 1, unavailable: 0, serverError: 0, reset: 0, timeout: 0 })).toBe(true)
    expect(isRetryCounts({ throttled: '1', unavailable: 0, serverError: 0, reset: 0, timeout: 0 })).toBe(
      false,
    )
    expect(isRetryCounts(undefined)).toBe(false)
  })
})
