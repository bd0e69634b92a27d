import { describe, expect, it } from 'vitest'
import { reconcile } from './reconciliation.ts'

describe('reconcile', () => {
  it('balances a phase whose outcomes add up to the source count', () => {
    const result = reconcile(new Map([['Accounts', 10]]), [
      { phase: 'Accounts', created: 6, updated: 2, quarantined: 1, skipped: 1, deleted: 0, restored: 0 },
    ])
    expect(result.balanced).toBe(true)
    expect(result.phases[0]).toMatchObject({ source: 10, accounted: 10, balanced: true })
  })

  it('flags a phase that lost or invented records, and a phase with no outcomes at all', () => {
    const result = reconcile(
      new Map([
        ['Accounts', 10],
        ['Contacts', 3],
      ]),
      [{ phase: 'Accounts', created: 9, updated: 0, quarantined: 0, skipped: 0, deleted: 0, restored: 0 }],
    )
    expect(result.balanced).toBe(false)
    expect(result.phases.map((p) => [p.phase, p.accounted, p.balanced])).toEqual([
      ['Accounts', 9, false],
      ['Contacts', 0, false],
    ])
  })
})
