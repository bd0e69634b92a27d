import { describe, expect, it } from 'vitest'
import { describeOwnerDecisions, describeOwners, describeOwnerTargets } from './owners-summary.ts'

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

describe('describeOwnerDecisions and describeOwnerTargets', () => {
  it('lists per decision how many records it takes, and who can take them', () => {
    const lines = describeOwnerDecisions({
      matched: [],
      queue: [],
      problems: [],
      decisions: [
        {
          owner: 'dee',
          kind: 'user',
          inactive: true,
          records: 9,
          takenBy: { type: 'team', teamid: 't', name: 'Ops' },
          by: 'hand',
        },
        {
          owner: 'group 3',
          kind: 'group',
          inactive: false,
          records: 4,
          takenBy: { type: 'undecided' },
          by: 'none',
        },
        {
          owner: 'Anyone',
          kind: 'anyone',
          inactive: false,
          records: 2,
          takenBy: { type: 'applicationUser' },
          by: 'none',
        },
      ],
    })
    expect(lines).toEqual([
      'Decisions: 3 owners of 15 records:',
      '  dee (inactive): 9 records → team Ops [users.yaml]',
      '  group 3: 4 records → UNDECIDED: write a decision in users.yaml [no decision]',
      '  Anyone: 2 records → the application user that loads the rows (no default owner covers Anyone) [no decision]',
    ])
    expect(
      describeOwnerTargets(
        [
          { systemuserid: 'b', internalemailaddress: 'b@x.com', fullname: 'B', isdisabled: true },
          { systemuserid: 'a', internalemailaddress: 'a@x.com', fullname: 'A', isdisabled: false },
        ],
        [{ teamid: 't', name: 'Ops' }],
      ),
    ).toEqual([
      'Dataverse users (2; byHand.<username>: <e-mail>):',
      '  a@x.com  A',
      '  b@x.com  B  [disabled: cannot own records]',
      'Dataverse teams (1; { team: <name> }):',
      '  Ops',
    ])
  })
})
