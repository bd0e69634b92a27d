import { describe, expect, it } from 'vitest'
import type { X2crmUser } from '../source/x2crm/types.ts'
import { matchOwners } from './owners.ts'

const aUser = (username: string, emailAddress: string | null): X2crmUser => ({
  id: 1,
  username,
  emailAddress,
  firstName: null,
  lastName: null,
  status: 1,
})

describe('matchOwners', () => {
  const systemUsers = [
    { systemuserid: 'su-1', internalemailaddress: 'Alice@Contoso.com' },
    { systemuserid: 'su-2', internalemailaddress: null },
  ]

  it('matches by e-mail ignoring case and lists the rest', () => {
    const match = matchOwners(
      [aUser('alice', 'alice@contoso.COM'), aUser('bob', 'bob@contoso.com'), aUser('api', null)],
      systemUsers,
    )
    expect([...match.byUsername]).toEqual([['alice', 'su-1']])
    expect(match.unmatched).toEqual(['bob', 'api'])
  })

  it('sends unmatched users to the default owner when one is set', () => {
    const match = matchOwners([aUser('bob', 'bob@contoso.com')], systemUsers, 'su-default')
    expect(match.byUsername.get('bob')).toBe('su-default')
    expect(match.defaulted).toEqual(['bob'])
    expect(match.unmatched).toEqual([])
  })
})
