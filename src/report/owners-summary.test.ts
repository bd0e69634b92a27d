import { describe, expect, it } from 'vitest'
import { describeOwners } from './owners-summary.ts'

describe('describeOwners', () => {
  it('lists who matched and how', () => {
    const lines = describeOwners({
      matched: [
        { username: 'jdoe', systemuserid: 'u-1', by: 'email', records: 12 },
        { username: 'asmith', systemuserid: 'u-2', by: 'hand', records: 3 },
      ],
      queue: [],
      problems: [],
    })
    expect(lines).toEqual([
      'Matched 2 X2CRM users:',
      '  jdoe → u-1 (by email, 12 records)',
      '  asmith → u-2 (by hand, 3 records)',
    ])
  })

  it('lists the owners still without a Dataverse user, with their records and why', () => {
    const lines = describeOwners({
      matched: [],
      queue: [
        {
          username: 'old',
          fullName: 'Old Timer',
          email: null,
          active: false,
          records: 40,
          reason: 'no user has this name',
        },
        {
          username: 'bob',
          fullName: 'Bob B',
          email: 'bob@x.com',
          active: true,
          records: 2,
          reason: 'no user has this e-mail',
        },
      ],
      problems: [],
    })
    expect(lines).toEqual([
      'Matched 0 X2CRM users:',
      'Queue: 2 owners without a Dataverse user:',
      '  old (Old Timer, no e-mail, inactive): 40 records; no user has this name',
      '  bob (Bob B, bob@x.com): 2 records; no user has this e-mail',
    ])
  })
})
