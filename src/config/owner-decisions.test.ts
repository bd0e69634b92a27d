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
