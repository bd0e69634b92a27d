import { describe, expect, it } from 'vitest'
import { describeUnderLimits } from './limits-estimate.ts'

describe('describeUnderLimits', () => {
  it('says what the load would take under the limits with one user and with the configured users', () => {
    // 100-row batches: the execution-time limit binds (1,200 s per 300 s ÷ 20 ms per row = 200 records/s per user).
    const text = describeUnderLimits(5000, 6.8, 2, 100)
    expect(text).toContain('200 records/s per application user')
    expect(text).toContain('would take 25 s with 1 application user and 13 s with the 2 configured')
    expect(text).toContain('This demo took 7 s')
  })

  it('with one configured user, shows what three would take', () => {
    expect(describeUnderLimits(120_000, 60, 1, 100)).toContain('10 min with 1 application user; 3 min with 3')
  })
})
