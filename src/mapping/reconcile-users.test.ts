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
      /^3 X2CRM owners of 12 records have no Dataverse user: cy \(7\), dee \(3\), ghost \(2\)\. Map each under byHand/,
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
