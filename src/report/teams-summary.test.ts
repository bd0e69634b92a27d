import { describe, expect, it } from 'vitest'
import { matchTeams } from '../mapping/match-teams.ts'
import { describeTeams } from './teams-summary.ts'

const groups = [
  { id: 1, name: 'Sales East', members: [] },
  { id: 2, name: 'Support', members: [] },
  { id: 3, name: 'Partners', members: [] },
]
const teams = [
  { teamid: 't-support', name: 'Support', teamtype: 0 },
  { teamid: 't-partners', name: 'Partners', teamtype: 1 },
  { teamid: 't-east', name: 'East Sales', teamtype: 2 },
]

describe('describeTeams', () => {
  it('says what becomes of each group and lists the teams that can own records', () => {
    const lines = describeTeams(
      matchTeams(groups, teams, {}, (id) => `new-${id}`),
      teams,
    )
    expect(lines).toContain('  Support (group 2) → team "Support" (t-support)')
    expect(lines.some((l) => l.startsWith('  Partners (group 3) → no team: the Dataverse team'))).toBe(true)
    expect(lines).toContain('  East Sales (Entra ID group team)')
    expect(lines.some((l) => l.includes('Partners (owner team)'))).toBe(false)
  })
})
