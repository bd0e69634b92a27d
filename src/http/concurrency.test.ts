import { describe, expect, it } from 'vitest'
import { afterSuccess, afterThrottle, initialConcurrency, mayStart } from './concurrency.ts'

describe('adaptive concurrency', () => {
  it('starts at the first x-ms-dop-hint, capped at 52', () => {
    expect(initialConcurrency().limit).toBe(1)
    expect(afterSuccess(initialConcurrency(), 0, 4).limit).toBe(4)
    expect(afterSuccess(initialConcurrency(), 0, 500).limit).toBe(52)
    expect(afterSuccess(initialConcurrency({ max: 8 }), 0, 16).limit).toBe(8)
    expect(initialConcurrency({ max: 99 }).max).toBe(52)
    // Only the first hint sets it; later ones do not reset what was learned.
    const learned = afterThrottle(afterSuccess(initialConcurrency(), 0, 8), 0, 1000)
    expect(afterSuccess(learned, 60_000, 8).limit).toBe(4)
  })

  it('halves on 429 and pauses until Retry-After has passed', () => {
    const state = afterThrottle(afterSuccess(initialConcurrency(), 0, 8), 1_000, 5_000)
    expect(state.limit).toBe(4)
    expect(state.pausedUntil).toBe(6_000)
    expect(mayStart(state, 0, 5_999)).toBe(false)
    expect(mayStart(state, 0, 6_000)).toBe(true)
    expect(mayStart(state, 4, 6_000)).toBe(false)
  })

  it('halves once for 429s that arrive together, but extends the pause', () => {
    let state = afterSuccess(initialConcurrency(), 0, 16)
    state = afterThrottle(state, 1_000, 2_000)
    state = afterThrottle(state, 1_100, 3_000)
    state = afterThrottle(state, 1_200, 1_000)
    expect(state.limit).toBe(8)
    expect(state.pausedUntil).toBe(4_100)
    expect(afterThrottle(initialConcurrency(), 0, 1000).limit).toBe(1)
  })

  it('grows back by one per limit successes, only after the cooldown', () => {
    let state = afterThrottle(afterSuccess(initialConcurrency({ cooldownMs: 10_000 }), 0, 8), 0, 1_000)
    expect(state.limit).toBe(4)
    for (let i = 0; i < 20; i++) state = afterSuccess(state, 5_000)
    expect(state.limit).toBe(4) // still cooling down (pause ended at 1 s, cooldown until 11 s)
    for (let i = 0; i < 3; i++) state = afterSuccess(state, 11_000)
    expect(state.limit).toBe(4)
    state = afterSuccess(state, 11_000)
    expect(state.limit).toBe(5)
    for (let i = 0; i < 5; i++) state = afterSuccess(state, 12_000)
    expect(state.limit).toBe(6)
  })

  it('never grows above the maximum', () => {
    let state = afterSuccess(initialConcurrency({ max: 3 }), 0, 3)
    for (let i = 0; i < 100; i++) state = afterSuccess(state, 0)
    expect(state.limit).toBe(3)
  })
})
