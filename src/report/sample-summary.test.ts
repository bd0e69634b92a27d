import { describe, expect, it } from 'vitest'
import { describeSample } from './sample-summary.ts'

describe('describeSample', () => {
  it('says what the rehearsal holds: the roots, their children, the parents they link to', () => {
    const line = describeSample({
      size: 20,
      rootEntity: 'Accounts',
      rootCandidates: 2000,
      entities: [
        { entity: 'Accounts', roots: 20, children: 0, parents: 3 },
        { entity: 'Contacts', roots: 0, children: 37, parents: 0 },
      ],
    })
    expect(line).toBe(
      'Rehearsal: 20 Accounts (roots, spread over 2000) + 37 Contacts of theirs + 3 Accounts they link to = 60 records',
    )
  })

  it('leaves out what the sample has none of', () => {
    const line = describeSample({
      size: 2,
      rootEntity: 'Accounts',
      rootCandidates: 2,
      entities: [{ entity: 'Accounts', roots: 2, children: 0, parents: 0 }],
    })
    expect(line).toBe('Rehearsal: 2 Accounts (roots, spread over 2) = 2 records')
  })

  it('lists children and parents of several classes, in the order of the sample', () => {
    const line = describeSample({
      size: 3,
      rootEntity: 'Accounts',
      rootCandidates: 9,
      entities: [
        { entity: 'Accounts', roots: 3, children: 0, parents: 4 },
        { entity: 'Contacts', roots: 0, children: 2, parents: 1 },
        { entity: 'Opportunity', roots: 0, children: 1, parents: 0 },
        { entity: 'Actions', roots: 0, children: 3, parents: 0 },
        { entity: 'Product', roots: 0, children: 0, parents: 0 },
      ],
    })
    expect(line).toBe(
      'Rehearsal: 3 Accounts (roots, spread over 9) + 2 Contacts, 1 Opportunity, 3 Actions of theirs ' +
        '+ 4 Accounts, 1 Contacts they link to = 14 records',
    )
  })
})
