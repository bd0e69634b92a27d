import { describe, expect, it } from 'vitest'
import { matchTeams } from './match-teams.ts'
import { resolveOwner } from './transforms.ts'

const groups = [
  { id: 1, name: 'Sales East', members: ['ann'] },
  { id: 2, name: 'Support', members: [] },
  { id: 3, name: 'Partners', members: [] },
]
const teams = [
  { teamid: 't-support', name: ' SUPPORT ', teamtype: 0 },
  { teamid: 't-partners', name: 'Partners', teamtype: 1 },
  { teamid: 't-east', name: 'East Sales', teamtype: 2 },
]

describe('matchTeams', () => {
  it('matches by name ignoring case and space, renames through settings, and never gives an access team', () => {
    const decisions = matchTeams(
      groups,
      teams,
      { names: { 'Sales East': 'East Sales' } },
      (id) => `new-${id}`,
    )
    expect(decisions.map((d) => [d.group, d.status])).toEqual([
      ['Sales East', 'matched'],
      ['Support', 'matched'],
      ['Partners', 'unresolved'],
    ])
    expect(decisions[0]).toMatchObject({ teamId: 't-east', teamType: 2 })
    const partners = decisions[2]
    expect(partners?.status === 'unresolved' && partners.reason).toContain('access team')
  })

  it('creates a team under its deterministic id only when the map says so', () => {
    const [east] = groups
    if (east === undefined) throw new Error('no group')
    const [without] = matchTeams([east], [], {}, (id) => `new-${id}`)
    expect(without?.status === 'unresolved' && without.reason).toContain('settings.teams.create')
    const withCreate = matchTeams([east], [], { create: true }, (id) => `new-${id}`)
    expect(withCreate[0]).toEqual({
      groupId: 1,
      group: 'Sales East',
      team: 'Sales East',
      status: 'create',
      teamId: 'new-1',
    })
  })
})

describe('resolveOwner with teams', () => {
  const users: Record<string, string> = { ann: 'u-ann' }
  const ownerFor = (u: string) => users[u]
  const teamFor = (g: string) => ({ '7': 't-7' })[g]

  it('a group that comes first is owned by its team; the others are dropped with a warning', () => {
    expect(resolveOwner('7, ann', ownerFor, undefined, undefined, teamFor)).toEqual({
      value: '/teams(t-7)',
      warning: 'assigned to 7, ann; Dataverse keeps one owner, the team of X2CRM group 7; ann dropped',
    })
    expect(resolveOwner(7, ownerFor, undefined, undefined, teamFor)).toEqual({ value: '/teams(t-7)' })
  })

  it('a user with a Dataverse user who comes first keeps the row; a group without a team owns nothing', () => {
    expect(resolveOwner('ann, 7', ownerFor, undefined, undefined, teamFor).value).toBe('/systemusers(u-ann)')
    expect(resolveOwner('bob, 7', ownerFor, undefined, undefined, teamFor).value).toBe('/teams(t-7)')
    const noTeam = resolveOwner('8', ownerFor, undefined, undefined, teamFor)
    expect(noTeam.value).toBeNull()
    expect(noTeam.warning).toContain('cannot own a Dataverse row')
  })

  it("users.yaml's decision for a group wins over its team; the default owner covering groups only takes a group with neither", () => {
    const bindFor = (a: string) => ({ '9': '/teams(t-decided)' })[a]
    const teams = (g: string) => ({ '7': 't-7', '9': 't-9' })[g]
    expect(resolveOwner('9', ownerFor, undefined, bindFor, teams, 'u-default').value).toBe(
      '/teams(t-decided)',
    )
    expect(resolveOwner('7', ownerFor, undefined, bindFor, teams, 'u-default')).toEqual({
      value: '/teams(t-7)',
    })
    expect(resolveOwner('8', ownerFor, undefined, bindFor, teams, 'u-default')).toEqual({
      value: '/systemusers(u-default)',
      warning: 'assigned to X2CRM group 8, which cannot own a Dataverse row; the default owner takes it',
    })
    // A user in the assignment keeps the row: the default owner takes only records assigned to groups alone.
    expect(resolveOwner('8, ann', ownerFor, undefined, bindFor, teams, 'u-default').value).toBe(
      '/systemusers(u-ann)',
    )
  })
})
