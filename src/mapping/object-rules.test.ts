import { describe, expect, it } from 'vitest'
import { DEFAULT_CASE_CLOSE, INCIDENT, LIST } from './default-cases.ts'
import { CONTACT } from './default-map.ts'
import { DEFAULT_PRODUCT_STATES, DEFAULT_QUOTE_STATES, PRODUCT, QUOTE } from './default-sales.ts'
import { withObjectRules } from './object-rules.ts'
import { parseMapping } from './parse-mapping.ts'

describe('object rules of a map read from mapping.yaml', () => {
  it('closes cases and fills static lists with contacts, by the table each class loads into', () => {
    expect(withObjectRules({ entity: 'Services', table: INCIDENT, fields: [] }, CONTACT).caseClose).toEqual(
      DEFAULT_CASE_CLOSE,
    )
    expect(withObjectRules({ entity: 'X2List', table: LIST, fields: [] }, CONTACT).listMembers).toEqual({
      typeField: 'type',
      memberOf: { entity: 'Contacts', table: CONTACT },
    })
    // Lists without a contacts class in the map have no members to add.
    expect(
      withObjectRules({ entity: 'X2List', table: LIST, fields: [] }, undefined).listMembers,
    ).toBeUndefined()
  })

  it('publishes and retires products and closes quotes as X2CRM says, only on their own tables', () => {
    expect(withObjectRules({ entity: 'Product', table: PRODUCT, fields: [] }, CONTACT).productStates).toEqual(
      DEFAULT_PRODUCT_STATES,
    )
    expect(withObjectRules({ entity: 'Quote', table: QUOTE, fields: [] }, CONTACT).quoteStates).toEqual(
      DEFAULT_QUOTE_STATES,
    )
    // A class loaded into another table (a custom one) gets no state rule it could not apply.
    expect(withObjectRules({ entity: 'Quote', table: LIST, fields: [] }, CONTACT).quoteStates).toBeUndefined()
  })

  it('parseMapping gives Services → incident its close rule, and reads the tag options', () => {
    const parsed = parseMapping(
      [
        'version: 1',
        'settings:',
        '  publisherPrefix: new_',
        '  tags: { mode: multiselect, options: { "#vip": 100000000 } }',
        'entities:',
        '  Services:',
        '    table: incident',
        '    fields:',
        '      subject: { target: title, transform: text }',
      ].join('\n'),
    )
    expect(parsed.errors).toEqual([])
    expect(parsed.value?.entities[0]?.caseClose).toEqual(DEFAULT_CASE_CLOSE)
    expect(parsed.value?.settings?.tags).toEqual({
      mode: 'multiselect',
      column: 'new_x2crmtags',
      options: { '#vip': 100000000 },
    })
  })
})
