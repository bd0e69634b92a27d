import { createHash } from 'node:crypto'
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

  it('gives every name the bytes RFC 4122 §4.3 computes (SHA-1 of namespace then name, version and variant set)', () => {
    // The rule written out byte by byte, as every row migrated so far was keyed: the one-shot hash must agree.
    const byTheRfc = (name: string, namespace: string) => {
      const bytes = createHash('sha1')
        .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
        .update(name, 'utf8')
        .digest()
        .subarray(0, 16)
      bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50
      bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80
      const hex = bytes.toString('hex')
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
    }
    const names = Array.from(
      { length: 500 },
      (_, i) => `https://crm.example.com\nContacts\n${i}${i % 7 === 0 ? 'é✓' : ''}`,
    )
    for (const name of names) {
      expect(uuidV5(name, X2D365_NAMESPACE)).toBe(byTheRfc(name, X2D365_NAMESPACE))
      expect(uuidV5(name, DNS_NAMESPACE)).toBe(byTheRfc(name, DNS_NAMESPACE))
    }
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
