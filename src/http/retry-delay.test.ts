import { describe, expect, it } from 'vitest'
import { backoffDelayMs, retryDelayMs } from './retry-delay.ts'

const withRetryAfter = (value: string) =>
  new Response(null, { status: 429, headers: { 'Retry-After': value } })

describe('retryDelayMs', () => {
  it('waits Retry-After seconds', () => {
    expect(retryDelayMs(withRetryAfter('7'), 1, () => 0.5)).toBe(7000)
  })

  it('waits until a Retry-After HTTP-date', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')
    expect(retryDelayMs(withRetryAfter('Wed, 21 Oct 2015 07:28:03 GMT'), 1, Math.random, () => now)).toBe(
      3000,
    )
    expect(retryDelayMs(withRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT'), 1, Math.random, () => now)).toBe(0)
  })

  it('backs off when there is no usable Retry-After', () => {
    expect(retryDelayMs(new Response(null, { status: 503 }), 3, () => 1)).toBe(2000)
    expect(retryDelayMs(withRetryAfter('soon'), 1, () => 1)).toBe(500)
  })
})

describe('backoffDelayMs', () => {
  it('doubles per attempt, is capped at 30 s and jittered', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffDelayMs(attempt, () => 1))).toEqual([500, 1000, 2000, 4000])
    expect(backoffDelayMs(20, () => 1)).toBe(30_000)
    expect(backoffDelayMs(2, () => 0.25)).toBe(250)
  })
})
