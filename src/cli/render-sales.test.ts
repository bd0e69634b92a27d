import { describe, expect, it } from 'vitest'
import { salesLines } from './render-sales.ts'

describe('salesLines', () => {
  it('says what the catalog, the finishing step and the teams did, and what is missing', () => {
    expect(
      salesLines({
        type: 'sales.catalog',
        unitGroup: { id: 'g', created: true },
        unit: { id: 'u', created: true },
        priceLists: [{ currency: 'USD', id: 'p', created: true }],
        missingCurrencies: ['EUR'],
      }),
    ).toEqual([
      'Sales catalog: unit group created, price lists USD (created); no Dataverse currency for EUR (add it under Settings → Currencies): those rows load without a price list',
    ])
    expect(
      salesLines({
        type: 'sales.finished',
        published: 10,
        retired: 1,
        activated: 3,
        won: 1,
        closed: 1,
        failed: [],
      }),
    ).toEqual(['Products: 10 published, 1 retired; quotes: 3 activated, 1 won, 1 closed'])
    expect(
      salesLines({
        type: 'teams.prepared',
        decisions: [{ groupId: 1, group: 'Support', team: 'Support', status: 'unresolved', reason: 'none' }],
        created: 0,
        membersAdded: 0,
        membersLeft: [],
        membersRead: false,
      })[0],
    ).toContain('1 without a team (their records go to the users rule): Support')
    expect(salesLines({ type: 'phase.finished', phase: 'Accounts' })).toEqual([])
  })
})
