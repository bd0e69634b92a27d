import { describe, expect, it } from 'vitest'
import type { RollbackResult, RunRollback } from '../run/rollback.ts'
import { describeRollback } from './rollback-summary.ts'

function aStep(kind: string, of: string, counts: Partial<RunRollback> = {}): RunRollback {
  return {
    runId: `rollback-of-${of}`,
    of,
    kind,
    resumed: false,
    deleted: 2,
    restored: 5,
    verified: true,
    ...counts,
  }
}

function aRollback(chain: RunRollback[], overrides: Partial<RollbackResult> = {}): RollbackResult {
  const last = chain.at(-1) ?? aStep('migrate', 'm1')
  return {
    runId: last.runId,
    of: last.of,
    kind: last.kind,
    resumed: false,
    deleted: 0,
    restored: 0,
    remaining: [],
    mismatched: [],
    verified: true,
    chain,
    ...overrides,
  }
}

describe('describeRollback', () => {
  it('lists every run undone, newest first, and says the check passed', () => {
    const text = describeRollback(aRollback([aStep('delta', 'd2'), aStep('delta', 'd1', { deleted: 0 })]))
    expect(text).toBe(
      'Rolled back delta run d2: 2 rows deleted, 5 restored to their before-images.\n' +
        'Rolled back delta run d1: 0 rows deleted, 5 restored to their before-images.\n' +
        'Verified: no row these runs created remains, and every restored row equals its before-image.\n',
    )
  })

  it('names the first rows left or different when the check fails, and says to run it again', () => {
    const result = aRollback([aStep('migrate', 'm1', { verified: false })], {
      verified: false,
      remaining: ['a-1', 'a-2'],
      mismatched: [{ targetId: 'c-9', columns: ['lastname'] }],
    })
    const text = describeRollback(result)
    expect(text).toContain(
      'Rolled back migrate run m1: 2 rows deleted, 5 restored to their before-images (NOT verified).\n',
    )
    expect(text).toContain(
      'NOT verified: 2 created rows remain, 1 restored rows differ from their before-images (first: a-1, a-2, c-9).\n' +
        'Run the same command again to retry.\n',
    )
  })
})
