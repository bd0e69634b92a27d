import { describe, expect, it } from 'vitest'
import { fieldsNewSinceMap } from './new-fields.ts'
import type { Mapping } from './types.ts'

const TABLE = { logicalName: 'contact', entitySet: 'contacts', primaryId: 'contactid' }

describe('fieldsNewSinceMap', () => {
  it('names the fields X2CRM has that the map neither moves nor skips', () => {
    const mapping: Mapping = {
      entities: [
        {
          entity: 'Contacts',
          table: TABLE,
          fields: [{ source: 'lastName', target: 'lastname', transform: 'text' }],
          skipped: ['trackingKey'],
        },
      ],
    }
    const fields = {
      Contacts: [
        { fieldName: 'lastName' },
        { fieldName: 'trackingKey' },
        { fieldName: 'c_region', attributeLabel: 'Region', custom: true },
      ],
    }
    expect(fieldsNewSinceMap(mapping, fields)).toEqual([
      { entity: 'Contacts', field: 'c_region', label: 'Region', custom: true },
    ])
  })

  it('names nothing for a map that lists only what it moves (the built-in map)', () => {
    const mapping: Mapping = {
      entities: [
        {
          entity: 'Contacts',
          table: TABLE,
          fields: [{ source: 'lastName', target: 'lastname', transform: 'text' }],
        },
      ],
    }
    expect(fieldsNewSinceMap(mapping, { Contacts: [{ fieldName: 'c_region' }] })).toEqual([])
  })
})
