import { describe, expect, it } from 'vitest'
import { parseOwnerDecisions } from './owner-decisions.ts'

describe('parseOwnerDecisions', () => {
  it('reads the decisions a person wrote', () => {
    const text =
      'byHand: { jdoe: jane.doe@contoso.com }\ndefaultOwner: crm-admin@contoso.com\ninactive: default\n'
    expect(parseOwnerDecisions(text)).toEqual({
      value: {
        byHand: { jdoe: 'jane.doe@contoso.com' },
        defaultOwner: 'crm-admin@contoso.com',
        inactive: 'default',
      },
      errors: [],
    })
  })

  it('reads teams, groups, default and a default owner that covers only what it lists', () => {
    const text = [
      'byHand:',
      '  jdoe: { team: Sales EMEA }',
      '  old: default',
      '  ann: { user: ann@contoso.com }',
      'groups: { "3": { team: Support } }',
      'defaultOwner: { email: crm-admin@contoso.com, covers: [anyone, unmatched] }',
    ].join('\n')
    expect(parseOwnerDecisions(text)).toEqual({
      value: {
        byHand: { jdoe: { team: 'Sales EMEA' }, old: 'default', ann: { user: 'ann@contoso.com' } },
        groups: { '3': { team: 'Support' } },
        defaultOwner: 'crm-admin@contoso.com',
        covers: ['anyone', 'unmatched'],
      },
      errors: [],
    })
    expect(
      parseOwnerDecisions('byHand: { jdoe: { crew: x } }\ndefaultOwner: { email: a@b.co, covers: [all] }')
        .errors,
    ).toEqual([
      'byHand.jdoe: write an e-mail, default, { user: <e-mail> } or { team: <Dataverse team name> }',
      expect.stringMatching(/^defaultOwner(\.covers\.0)?: .*anyone/) as unknown,
    ])
  })

  it('decides nothing for an empty file', () => {
    expect(parseOwnerDecisions('')).toEqual({ value: {}, errors: [] })
    expect(parseOwnerDecisions('# nothing decided yet\n')).toEqual({ value: {}, errors: [] })
  })

  it('lists every problem at once, each with its path', () => {
    const parsed = parseOwnerDecisions('byHand: { jdoe: not-an-email }\ninactive: sometimes\nowner: x\n')
    expect(parsed.value).toBeUndefined()
    expect(parsed.errors).toEqual([
      'byHand.jdoe: Invalid email address',
      'inactive: Invalid option: expected one of "match"|"default"',
      ': Unrecognized key: "owner"',
    ])
  })

  it('says the YAML does not parse, with the first line of why', () => {
    const parsed = parseOwnerDecisions('byHand: [unclosed\n')
    expect(parsed.value).toBeUndefined()
    expect(parsed.errors).toEqual([expect.stringMatching(/^the YAML does not parse \([^\n]+\)$/)])
  })
})
