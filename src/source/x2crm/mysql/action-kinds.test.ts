import { describe, expect, it } from 'vitest'
import { associationClassOf, unknownActionKinds } from './action-kinds.ts'

describe('action kinds', () => {
  it('maps module-style association types to classes, case-insensitively', () => {
    expect(associationClassOf('contacts')).toBe('Contacts')
    expect(associationClassOf('Contacts')).toBe('Contacts')
    expect(associationClassOf('opportunities')).toBe('Opportunity')
    expect(associationClassOf('x2Leads')).toBe('X2Leads')
    expect(associationClassOf('none')).toBeNull()
    expect(associationClassOf('')).toBeNull()
    expect(associationClassOf('spaceships')).toBeUndefined()
  })

  it('accepts the kinds the fixture has, and names the unknown ones', () => {
    expect(unknownActionKinds({ type: '', associationType: 'contacts' })).toEqual([])
    expect(unknownActionKinds({ type: null, associationType: null })).toEqual([])
    expect(unknownActionKinds({ type: 'event', associationType: 'opportunities' })).toEqual([])
    expect(unknownActionKinds({ type: 'sms', associationType: 'spaceships' })).toEqual([
      'type "sms" is not an action type X2CRM creates',
      'associationType "spaceships" names no X2CRM module',
    ])
  })
})
