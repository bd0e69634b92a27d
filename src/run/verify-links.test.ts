import { describe, expect, it } from 'vitest'
import { expectedLink } from './verify.ts'

describe('expectedLink', () => {
  const phaseSets = new Map([
    ['Contacts', 'contacts'],
    ['Contacts→lead', 'leads'],
    ['Accounts', 'accounts'],
  ])
  const primaryContact = { entitySet: 'contacts' }

  it('expects the parent row when the parent loaded into a table the lookup points at', () => {
    expect(expectedLink(primaryContact, 'Contacts', 'c-1', phaseSets)).toBe('c-1')
    expect(expectedLink(primaryContact, 'Contacts.links', 'c-1', phaseSets)).toBe('c-1')
    const regarding = { entitySet: 'contacts', navBySet: { contacts: 'x', leads: 'y' } }
    expect(expectedLink(regarding, 'Contacts→lead', 'l-1', phaseSets)).toBe('l-1')
  })

  it('expects an empty link when the parent is not in Dataverse or went to another table (a contact made a lead)', () => {
    expect(expectedLink(primaryContact, undefined, undefined, phaseSets)).toBeNull()
    expect(expectedLink(primaryContact, 'Contacts→lead', 'l-1', phaseSets)).toBeNull()
  })
})
