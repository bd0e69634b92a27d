import { describe, expect, it } from 'vitest'
import { defaultMapping } from './default-map.ts'
import { mapFingerprint } from './map-fingerprint.ts'
import type { Mapping } from './types.ts'

describe('mapFingerprint', () => {
  const mapping = defaultMapping()

  it('is the same for the same map, whatever the order of its fields', () => {
    const reordered: Mapping = {
      ...mapping,
      entities: mapping.entities.map((e) => ({ ...e, fields: [...e.fields].reverse() })),
    }
    expect(mapFingerprint(reordered, 'Contacts')).toBe(mapFingerprint(mapping, 'Contacts'))
  })

  it('changes for a class when a column is added to its map, and only for that class', () => {
    const grown: Mapping = {
      ...mapping,
      entities: mapping.entities.map((e) =>
        e.entity === 'Contacts'
          ? {
              ...e,
              fields: [...e.fields, { source: 'c_region', target: 'new_region', transform: 'text' as const }],
            }
          : e,
      ),
    }
    expect(mapFingerprint(grown, 'Contacts')).not.toBe(mapFingerprint(mapping, 'Contacts'))
    expect(mapFingerprint(grown, 'Accounts')).toBe(mapFingerprint(mapping, 'Accounts'))
  })
})
