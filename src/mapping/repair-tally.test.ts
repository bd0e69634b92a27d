import { describe, expect, it } from 'vitest'
import { createRepairTally, repairOf } from './repair-tally.ts'

describe('repair tally', () => {
  it('counts each named repair with examples, and nothing else', () => {
    const tally = createRepairTally(1)
    tally.add('Contacts:1', [
      'company: repair linkByName: "Acme" is plain text, …; linked to Accounts 4, the one record of that name',
      'email: "x@@y" is not a valid e-mail address; left empty',
    ])
    tally.add('Contacts:2', ['company: repair linkByName: "Zed" is plain text, …; not linked'])
    tally.add('Actions:9', [
      'associationId: repair caseInsensitiveClass: associationType "CONTACTS" read as Contacts',
    ])
    expect(tally.repairs()).toEqual({
      linkByName: {
        count: 2,
        examples: [
          {
            sourceKey: 'Contacts:1',
            detail:
              'company: repair linkByName: "Acme" is plain text, …; linked to Accounts 4, the one record of that name',
          },
        ],
      },
      caseInsensitiveClass: {
        count: 1,
        examples: [
          {
            sourceKey: 'Actions:9',
            detail: 'associationId: repair caseInsensitiveClass: associationType "CONTACTS" read as Contacts',
          },
        ],
      },
    })
    expect(repairOf('lastName: empty; the contact loads')).toBeUndefined()
  })
})
