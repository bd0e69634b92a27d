import { describe, expect, it } from 'vitest'
import { boundRules, createRuleGroups, MAX_RULE_ROWS, ruleOf } from './rule-groups.ts'

describe('ruleOf', () => {
  it('gives every pair of co-owners the same rule', () => {
    const a = ruleOf(
      'assignedTo: assigned to sjackson, rwilson; Dataverse keeps one owner, sjackson; rwilson dropped',
    )
    const b = ruleOf(
      'assignedTo: assigned to lwhite, a, bb, ccc; Dataverse keeps one owner, lwhite; a, bb, ccc dropped',
    )
    expect(a).toEqual({
      field: 'assignedTo',
      rule: 'assigned to several users; Dataverse keeps one owner, the first; the others dropped',
    })
    expect(b).toEqual(a)
  })

  it('takes out group numbers, quoted values, ids and counts', () => {
    expect(
      ruleOf('assignedTo: assigned to X2CRM groups 2, 14, which cannot own a Dataverse row; dropped'),
    ).toEqual(ruleOf('assignedTo: assigned to X2CRM group 5, which cannot own a Dataverse row; dropped'))
    expect(ruleOf('email: "a@@b" is not a valid e-mail address; left empty').rule).toBe(
      '"…" is not a valid e-mail address; left empty',
    )
    expect(ruleOf('company: Accounts:42 is not in Dataverse; link left empty').rule).toBe(
      'Accounts:<id> is not in Dataverse; link left empty',
    )
    expect(ruleOf('dedupe ambiguous: 3 existing account rows have the same name').rule).toBe(
      'dedupe ambiguous: several existing account rows have the same name',
    )
  })
})

describe('createRuleGroups', () => {
  it('grows with the rules, not with the records', () => {
    const rows = (users: number) => {
      const groups = createRuleGroups()
      for (let i = 0; i < users; i++)
        for (let j = i + 1; j < users; j++)
          groups.add(
            'Accounts',
            `assignedTo: assigned to u${i}x, u${j}x; Dataverse keeps one owner, u${i}x; u${j}x dropped`,
            `Accounts:${i * users + j}`,
          )
      return groups.groups()
    }
    expect(rows(4)).toHaveLength(1)
    expect(rows(30)).toHaveLength(1)
    expect(rows(30)[0]?.count).toBe(435)
    expect(rows(30)[0]?.examples).toHaveLength(3)
  })

  it('sums the rules past the last row into one', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({
      phase: 'P',
      field: 'f',
      rule: `rule ${String.fromCharCode(65 + (i % 26))}${i}`,
      count: 100 - i,
      examples: [{ sourceKey: `P:${i}`, reason: 'r' }],
    }))
    const bounded = boundRules(many)
    expect(bounded).toHaveLength(MAX_RULE_ROWS)
    expect(bounded.at(-1)?.rule).toBe(`${40 - MAX_RULE_ROWS + 1} other rules`)
    expect(bounded.reduce((n, g) => n + g.count, 0)).toBe(many.reduce((n, g) => n + g.count, 0))
    expect(boundRules(many.slice(0, 3))).toHaveLength(3)
  })
})
