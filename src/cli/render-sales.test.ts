import { describe, expect, it } from 'vitest'
import { salesLines, teamLines } from './render-sales.ts'

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

  it('teamLines: what schema apply did (or would do) with each group', () => {
    const report = {
      decisions: [
        { groupId: 1, group: 'Sales East', team: 'Sales East', status: 'create' as const, teamId: 't1' },
        {
          groupId: 2,
          group: 'Support',
          team: 'support',
          status: 'matched' as const,
          teamId: 't2',
          teamType: 0,
        },
        { groupId: 3, group: 'Ops', team: 'Ops', status: 'unresolved' as const, reason: 'an access team' },
      ],
      created: 1,
      membersAdded: 3,
      membersLeft: [{ team: 'Support', username: 'nobody', reason: 'no Dataverse user' }],
      membersRead: true,
    }
    expect(teamLines(report, true)).toEqual([
      'would create owner team "Sales East" for X2CRM group "Sales East" (id 1)',
      'X2CRM group "Support" (id 2): owner team "support" found by name',
      'X2CRM group "Ops" (id 3): no team (an access team)',
      'would add the members of each team that have Dataverse users (AddMembersTeam)',
    ])
    expect(teamLines(report, false).slice(-1)).toEqual([
      'Teams: 1 created, 3 members added, 1 members without a Dataverse user',
    ])
    expect(teamLines({ ...report, decisions: [] }, false)).toEqual([
      'Teams: X2CRM has no groups; no team to create.',
    ])
  })
})
