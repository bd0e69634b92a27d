import { describe, expect, it } from 'vitest'
import type { X2crmUser } from '../source/x2crm/types.ts'
import { ownerQueueRefusal, reconcileOwners, type SystemUserRow } from './reconcile-users.ts'

const aUser = (username: string, over: Partial<X2crmUser> = {}): X2crmUser => ({
  id: 1,
  username,
  emailAddress: `${username}@x2.example`,
  firstName: username,
  lastName: 'Smith',
  status: 1,
  ...over,
})
const su = (id: string, email: string | null, fullname: string, isdisabled = false): SystemUserRow => ({
  systemuserid: id,
  internalemailaddress: email,
  fullname,
  isdisabled,
})

const systemUsers = [
  su('u-ann', 'ANN@x2.example', 'Ann Smith'),
  su('u-bob', 'robert@contoso.example', 'Bob Smith'),
  su('u-cy1', 'cy1@contoso.example', 'Cy Smith'),
  su('u-cy2', 'cy2@contoso.example', 'Cy Smith'),
  su('u-admin', 'admin@contoso.example', 'Admin'),
]

describe('reconcileOwners', () => {
  const users = [aUser('ann'), aUser('bob'), aUser('cy'), aUser('dee', { status: 0 }), aUser('idle')]
  const counts = { ann: 10, bob: 5, cy: 7, dee: 3, ghost: 2, idle: 0 }

  it('matches by e-mail ignoring case, then by a unique name; queues the rest with record counts, largest first', () => {
    const result = reconcileOwners(users, systemUsers, counts)
    expect(result.matched).toEqual([
      { username: 'ann', systemuserid: 'u-ann', by: 'email', records: 10 },
      { username: 'bob', systemuserid: 'u-bob', by: 'name', records: 5 },
    ])
    expect(result.queue.map((q) => [q.username, q.records, q.reason])).toEqual([
      ['cy', 7, '2 Dataverse users are called cy Smith'],
      ['dee', 3, 'no Dataverse user has the e-mail dee@x2.example or the same name'],
      ['ghost', 2, 'owns records but is no X2CRM user any more (deleted)'],
    ])
    expect(ownerQueueRefusal(result)).toMatch(
      /^3 X2CRM owners of 12 records have no owner decided: cy \(7\), dee \(3\), ghost \(2\)\. Decide each in users\.yaml/,
    )
  })

  it('takes hand-made matches first, and a default owner empties the queue', () => {
    const result = reconcileOwners(users, systemUsers, counts, {
      byHand: { cy: 'CY2@contoso.example' },
      defaultOwner: 'admin@contoso.example',
    })
    expect(result.matched).toContainEqual({ username: 'cy', systemuserid: 'u-cy2', by: 'hand', records: 7 })
    expect(result.matched).toContainEqual({
      username: 'ghost',
      systemuserid: 'u-admin',
      by: 'default',
      records: 2,
    })
    expect(result.queue).toEqual([])
    expect(ownerQueueRefusal(result)).toBeUndefined()
  })

  it('sends inactive users to the default owner when asked, even when their e-mail matches', () => {
    const result = reconcileOwners(
      [aUser('ann', { status: 0 })],
      systemUsers,
      { ann: 4 },
      { inactive: 'default' },
    )
    expect(result.queue).toEqual([
      expect.objectContaining({
        username: 'ann',
        active: false,
        reason: expect.stringContaining('inactive') as unknown,
      }),
    ])
  })

  it('reports a hand match or default owner that names no Dataverse user', () => {
    const result = reconcileOwners(users, systemUsers, counts, {
      byHand: { cy: 'nobody@contoso.example' },
      defaultOwner: 'x@y.z',
    })
    expect(result.problems).toEqual([
      'defaultOwner: no Dataverse user has the e-mail x@y.z',
      'byHand.cy: no Dataverse user has the e-mail nobody@contoso.example',
    ])
    expect(ownerQueueRefusal(result)).toMatch(/^users\.yaml has problems/)
  })
})

describe('reconcileOwners: disabled Dataverse users', () => {
  const users = [aUser('eve'), aUser('fay', { firstName: 'Fay' })]
  const withDisabled = [
    su('u-eve-old', 'eve@x2.example', 'Eve Smith', true),
    su('u-fay-old', 'fay-old@contoso.example', 'Fay Smith', true),
    su('u-default', 'default@contoso.example', 'Default Owner'),
    su('u-gone', 'gone@contoso.example', 'Gone', true),
  ]

  it('never matches a disabled user, by e-mail or by name', () => {
    const result = reconcileOwners(users, withDisabled, { eve: 4, fay: 2 })
    expect(result.matched).toEqual([])
    expect(result.queue.map((q) => q.username)).toEqual(['eve', 'fay'])
  })

  it('refuses a disabled user named by hand or as the default owner, and names the enabled default', () => {
    const result = reconcileOwners(
      users,
      withDisabled,
      { eve: 4 },
      {
        byHand: { eve: 'gone@contoso.example' },
        defaultOwner: 'GONE@contoso.example',
      },
    )
    expect(result.problems).toEqual([
      'defaultOwner: the Dataverse user GONE@contoso.example is disabled and cannot own records; name an enabled user',
      'byHand.eve: the Dataverse user gone@contoso.example is disabled and cannot own records; name an enabled user',
    ])
    const enabled = reconcileOwners(
      users,
      withDisabled,
      { eve: 4 },
      { defaultOwner: 'default@contoso.example' },
    )
    expect(enabled.defaultOwnerId).toBe('u-default')
    expect(enabled.matched).toEqual([
      { username: 'eve', systemuserid: 'u-default', by: 'default', records: 4 },
    ])
  })
})

describe('reconcileOwners: explicit decisions (covers, groups, teams)', () => {
  const users = [aUser('ann'), aUser('dee', { status: 0, emailAddress: 'dee@contoso.example' }), aUser('zed')]
  const dataverse = [
    su('u-dee', 'dee@contoso.example', 'Dee Smith'),
    su('u-default', 'default@contoso.example', 'Default Owner'),
    su('u-ann', 'ann@x2.example', 'Ann Smith'),
  ]
  const teams = [
    { teamid: 't-sales', name: 'Sales EMEA' },
    { teamid: 't-ops', name: 'Ops' },
  ]
  const counts = { ann: 5, dee: 3, zed: 2 }
  const extras = { groups: [{ id: 3, name: 'Sales EMEA 3', records: 4 }], anyoneRecords: 6, teams }

  it('with covers written, the default owner takes only what it covers; an inactive user and a group wait for a decision', () => {
    const result = reconcileOwners(
      users,
      dataverse,
      counts,
      { defaultOwner: 'default@contoso.example', covers: ['anyone', 'unmatched'] },
      extras,
    )
    expect(result.queue.map((q) => q.username)).toEqual(['group 3 (Sales EMEA 3)', 'dee'])
    expect(result.queue[1]?.reason).toMatch(/inactive in X2CRM: decide who takes their records \(byHand\.dee/)
    expect(result.anyoneOwnerId).toBe('u-default')
    expect(result.binds).toEqual({ ann: '/systemusers(u-ann)', zed: '/systemusers(u-default)' })
    expect(result.decisions?.map((d) => [d.owner, d.takenBy.type, d.by, d.records])).toEqual([
      ['Anyone', 'user', 'default', 6],
      ['ann', 'user', 'email', 5],
      ['group 3', 'undecided', 'none', 4],
      ['dee', 'undecided', 'none', 3],
      ['zed', 'user', 'default', 2],
    ])
    expect(ownerQueueRefusal(result)).toMatch(/^2 X2CRM owners of 7 records/)
  })

  it('takes a team, a user or the default for each decision written by hand; Anyone not covered stays with the application user', () => {
    const result = reconcileOwners(
      users,
      dataverse,
      counts,
      {
        defaultOwner: 'default@contoso.example',
        covers: ['unmatched'],
        byHand: { dee: { team: 'ops' } },
        groups: { '3': 'default' },
      },
      extras,
    )
    expect(result.queue).toEqual([])
    expect(result.binds).toMatchObject({ dee: '/teams(t-ops)', '3': '/systemusers(u-default)' })
    expect(result.anyoneOwnerId).toBeUndefined()
    expect(result.decisions?.find((d) => d.owner === 'Anyone')?.takenBy).toEqual({ type: 'applicationUser' })
    expect(result.decisions?.find((d) => d.owner === 'dee')).toMatchObject({
      inactive: true,
      by: 'hand',
      takenBy: { type: 'team', teamid: 't-ops', name: 'Ops' },
    })
  })

  it('with `inactive: match` an inactive user is matched by e-mail like the others', () => {
    const result = reconcileOwners(
      users,
      dataverse,
      counts,
      { covers: ['unmatched'], inactive: 'match' },
      extras,
    )
    expect(result.binds?.['dee']).toBe('/systemusers(u-dee)')
  })

  it('names a team that does not exist, and a default decision without a default owner', () => {
    const result = reconcileOwners(
      users,
      dataverse,
      counts,
      { covers: [], byHand: { dee: { team: 'Nobody' } }, groups: { '3': 'default' } },
      extras,
    )
    expect(result.problems).toEqual([
      'byHand.dee: no Dataverse team is called "Nobody" (`x2d365 users` lists the teams)',
      'groups.3: says default, but users.yaml names no defaultOwner',
    ])
  })

  it('keeps the older forms: a default owner without covers takes everything left, groups and Anyone included', () => {
    const result = reconcileOwners(
      users,
      dataverse,
      { ...counts, ghost: 1 },
      { defaultOwner: 'default@contoso.example' },
      extras,
    )
    expect(result.queue).toEqual([])
    // The group's fallback is no bind: a team of the group, when the run has one, comes first (groupsOwnerId after).
    expect(result.binds).toMatchObject({ dee: '/systemusers(u-dee)' })
    expect(result.binds?.['3']).toBeUndefined()
    expect(result.groupsOwnerId).toBe('u-default')
    expect(result.decisions?.find((d) => d.owner === 'group 3')).toMatchObject({ by: 'default' })
    expect(result.anyoneOwnerId).toBe('u-default')
  })

  it('a group settings.teams gives a team needs no decision; a group written in users.yaml still goes as written', () => {
    const groupTeams = { '3': { teamid: 't-sales', name: 'Sales EMEA 3' } }
    const strict = {
      defaultOwner: 'default@contoso.example',
      covers: ['unmatched' as const],
      inactive: 'match' as const,
    }
    const teamed = reconcileOwners(users, dataverse, counts, strict, { ...extras, groupTeams })
    expect(teamed.queue).toEqual([])
    expect(ownerQueueRefusal(teamed)).toBeUndefined()
    expect(teamed.binds?.['3']).toBeUndefined()
    expect(teamed.groupsOwnerId).toBeUndefined()
    expect(teamed.decisions?.find((d) => d.owner === 'group 3')).toMatchObject({
      by: 'name',
      takenBy: { type: 'team', teamid: 't-sales', name: 'Sales EMEA 3' },
    })
    const written = reconcileOwners(
      users,
      dataverse,
      counts,
      { ...strict, groups: { '3': { team: 'Ops' } } },
      { ...extras, groupTeams },
    )
    expect(written.binds?.['3']).toBe('/teams(t-ops)')
    expect(written.decisions?.find((d) => d.owner === 'group 3')).toMatchObject({ by: 'hand' })
  })
})
