import { describe, expect, it } from 'vitest'
import { targetIdFor, uuidV5, X2D365_NAMESPACE } from './target-id.ts'

const DNS_NAMESPACE = '6ba7b810-9dad-11d1-80b4-00c04fd430c8'

describe('uuidV5', () => {
  it('matches the known vector of the uuid library (namespace DNS, www.example.com)', () => {
    expect(uuidV5('www.example.com', DNS_NAMESPACE)).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2')
  })

  it('matches Python uuid.uuid5(NAMESPACE_DNS, "python.org")', () => {
    expect(uuidV5('python.org', DNS_NAMESPACE)).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d')
  })

  it('refuses a namespace that is not a UUID', () => {
    expect(() => uuidV5('x', 'not-a-uuid')).toThrow(/Not a UUID/)
  })
})

describe('targetIdFor', () => {
  const instance = 'https://crm.example.com'

  it('is a version 5, RFC 4122 variant UUID', () => {
    expect(targetIdFor(instance, 'Contacts', 12)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
  })

  it('is the same for the same record, every time', () => {
    expect(targetIdFor(instance, 'Contacts', 12)).toBe(targetIdFor(instance, 'Contacts', 12))
    expect(targetIdFor(instance, 'Contacts', 12)).toBe(uuidV5(`${instance}\nContacts\n12`, X2D365_NAMESPACE))
  })

  it('treats an id that arrives as a string like the number', () => {
    expect(targetIdFor(instance, 'Contacts', '12')).toBe(targetIdFor(instance, 'Contacts', 12))
    expect(targetIdFor(instance, 'Contacts', ' 012')).toBe(targetIdFor(instance, 'Contacts', 12))
  })

  it('differs by instance, class and id', () => {
    const ids = new Set([
      targetIdFor(instance, 'Contacts', 12),
      targetIdFor('https://other.example.com', 'Contacts', 12),
      targetIdFor(instance, 'Accounts', 12),
      targetIdFor(instance, 'Contacts', 13),
      targetIdFor(instance, 'Contacts', 1),
      targetIdFor(instance, 'Contacts', 2),
    ])
    expect(ids.size).toBe(6)
  })
})
