import { describe, expect, it } from 'vitest'
import { parseOwnerDecisions } from '../config/owner-decisions.ts'
import { setOwnerChoice } from './users-file.ts'

describe('setOwnerChoice', () => {
  it('starts a users.yaml, keeps keys sorted, and moves an owner between users and teams', () => {
    let text = setOwnerChoice('', 'pclark', { kind: 'user', email: 'p.clark@contoso.com' })
    text = setOwnerChoice(text, 'asmith', { kind: 'user', email: 'a.smith@contoso.com' })
    expect(text).toBe('byHand:\n  asmith: a.smith@contoso.com\n  pclark: p.clark@contoso.com\n')
    text = setOwnerChoice(text, 'pclark', { kind: 'team', name: 'Sales <EU>' })
    expect(parseOwnerDecisions(text).value).toEqual({
      byHand: { asmith: 'a.smith@contoso.com', pclark: { team: 'Sales <EU>' } },
    })
    text = setOwnerChoice(text, 'asmith', { kind: 'none' })
    expect(parseOwnerDecisions(text).value).toEqual({ byHand: { pclark: { team: 'Sales <EU>' } } })
  })

  it('keeps comments and the other decisions', () => {
    const text = setOwnerChoice(
      '# who owns what\ndefaultOwner: admin@contoso.com # the fallback\ninactive: default\n',
      '12',
      { kind: 'team', name: 'Support' },
      'group',
    )
    expect(text).toBe(
      '# who owns what\ndefaultOwner: admin@contoso.com # the fallback\ninactive: default\ngroups:\n  "12":\n    team: Support\n',
    )
  })

  it('never writes a file x2d365 users would refuse', () => {
    expect(() => setOwnerChoice('', 'x', { kind: 'user', email: 'not an e-mail' })).toThrow(
      'users.yaml would not be valid: byHand.x',
    )
    expect(() => setOwnerChoice('- a list', 'x', { kind: 'none' })).toThrow('does not parse')
  })
})
