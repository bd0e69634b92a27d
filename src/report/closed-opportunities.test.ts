import { describe, expect, it } from 'vitest'
import { closedOpportunities, describeClosed } from './closed-opportunities.ts'

describe('closedOpportunities', () => {
  it('sums the closes of the migration and its deltas, and what rollbacks reopened', () => {
    const closed = closedOpportunities([
      { kind: 'migrate', summary: { closed: { won: 7, lost: 6, alreadyClosed: 0, failed: [] } } },
      {
        kind: 'delta',
        summary: { closed: { won: 1, lost: 0, failed: [{ sourceKey: 'Opportunity:3', reason: 'x' }] } },
      },
      { kind: 'rollback', summary: { closes: { reopened: 1, closesDeleted: 1 } } },
      { kind: 'verify', summary: { closed: { won: 99 } } },
    ])
    expect(closed).toEqual({ won: 8, lost: 6, failed: 1, reopened: 1 })
    expect(describeClosed(closed ?? { won: 0, lost: 0, failed: 0, reopened: 0 })).toBe(
      'Opportunities closed last: 8 won and 6 lost through WinOpportunity / LoseOpportunity, each with an ' +
        'opportunityclose carrying the actual revenue and close date; 1 refused by Dataverse (see the runs); 1 ' +
        'reopened by a rollback.',
    )
  })

  it('says nothing when no run closed any', () => {
    expect(
      closedOpportunities([{ kind: 'migrate', summary: { closed: { won: 0, lost: 0, failed: [] } } }]),
    ).toBe(undefined)
  })
})
