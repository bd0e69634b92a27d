import { describe, expect, it } from 'vitest'
import { createReasonTally, exampleValue, normalizeReason, valueOfFields } from './reason-groups.ts'

describe('normalizeReason', () => {
  it('splits the X2CRM field from the rule and drops quoted values', () => {
    expect(normalizeReason('email: "info@@example" is not a valid e-mail address; left empty')).toEqual({
      field: 'email',
      rule: '"…" is not a valid e-mail address; left empty',
    })
  })

  it('gives two records with the same problem the same rule, whatever their values', () => {
    const a = normalizeReason(
      'company: Accounts:999999 is not in Dataverse (missing from X2CRM, or quarantined)',
    )
    const b = normalizeReason('company: Accounts:12 is not in Dataverse (missing from X2CRM, or quarantined)')
    expect(a).toEqual(b)
    expect(a.rule).toBe('Accounts:<id> is not in Dataverse (missing from X2CRM, or quarantined)')
  })

  it("replaces the record's own value where the message repeats it unquoted, part by part", () => {
    const reason = (names: string) =>
      `assignedTo: assigned to ${names}; Dataverse keeps one owner, ${names.split(', ')[0]}; ${names.split(', ')[1]} dropped`
    const a = normalizeReason(reason('llopez, swhite'), 'llopez, swhite')
    const b = normalizeReason(reason('shall, nwhite'), 'shall, nwhite')
    expect(a).toEqual(b)
    expect(a.rule).toBe('assigned to …, …; Dataverse keeps one owner, …; … dropped')
    expect(normalizeReason('assignedTo: assigned to X2CRM group 5, which cannot own a row', '5').rule).toBe(
      'assigned to X2CRM group …, which cannot own a row',
    )
    expect(normalizeReason('id: -5 is not an X2CRM record id', -5).rule).toBe('… is not an X2CRM record id')
  })

  it('keeps numbers and short words that are part of the rule, not of the value', () => {
    expect(
      normalizeReason('lastName: empty; the contact loads, but Dynamics 365 forms require a last name', 'a')
        .rule,
    ).toBe('empty; the contact loads, but Dynamics 365 forms require a last name')
    expect(normalizeReason('address1_line1: 0x80044331 says no', 'x').rule).toBe('0x80044331 says no')
  })

  it('keeps a field list, and a reason without a field whole', () => {
    expect(normalizeReason('firstName, lastName: the contact has neither').field).toBe('firstName, lastName')
    expect(normalizeReason('no result from the loader (internal error)')).toEqual({
      field: '',
      rule: 'no result from the loader (internal error)',
    })
  })
})

describe('createReasonTally', () => {
  it('counts by phase, field and rule, keeps the first three examples, largest group first', () => {
    const tally = createReasonTally()
    for (let id = 1; id <= 5; id++)
      tally.add('Contacts', 'lastName', 'too long', { sourceKey: `Contacts:${id}` })
    tally.add('Contacts', 'email', 'not an e-mail', { sourceKey: 'Contacts:9', value: 'x@@y' })
    tally.add('Accounts', 'lastName', 'too long', { sourceKey: 'Accounts:1' })
    const groups = tally.groups()
    expect(groups.map((g) => [g.phase, g.field, g.count])).toEqual([
      ['Contacts', 'lastName', 5],
      ['Contacts', 'email', 1],
      ['Accounts', 'lastName', 1],
    ])
    expect(groups[0]?.examples.map((e) => e.sourceKey)).toEqual(['Contacts:1', 'Contacts:2', 'Contacts:3'])
    expect(groups[1]?.examples).toEqual([{ sourceKey: 'Contacts:9', value: 'x@@y' }])
  })
})

describe('exampleValue', () => {
  it('cuts a long value and says how long it was', () => {
    expect(exampleValue('lastName', 'x'.repeat(300), 10)).toBe('xxxxxxxxxx… (300 characters)')
    expect(exampleValue('lastName', 'Smith')).toBe('Smith')
    expect(exampleValue('employees', 12)).toBe('12')
    expect(exampleValue('lastName', undefined)).toBeUndefined()
  })

  it('never shows a value from a field named like a secret', () => {
    for (const field of ['password', 'userKey', 'apiKey', 'c_api_key', 'refreshToken', 'clientSecret'])
      expect(exampleValue(field, 'hunter2')).toBe('[hidden]')
  })
})

describe('valueOfFields', () => {
  it('reads one field, or each of a field list, from the record', () => {
    const record = { firstName: '', lastName: null, email: 'a@b.c' }
    expect(valueOfFields(record, 'email')).toBe('a@b.c')
    expect(valueOfFields(record, 'firstName, lastName')).toEqual({ firstName: '', lastName: null })
    expect(valueOfFields(record, '')).toBeUndefined()
  })
})
