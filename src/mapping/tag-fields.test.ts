import { describe, expect, it } from 'vitest'
import { tagsValue } from '../source/x2crm/normalize/tags.ts'
import { defaultMapping } from './default-map.ts'
import { builtInMapping } from './built-in-map.ts'
import { tagField, tagOptions, taggedClasses, taggedTables, withTagFields } from './tag-fields.ts'
import { transformRecord } from './transform-record.ts'

describe('tags', () => {
  it('a record carries its tags sorted, once each, or null', () => {
    expect(tagsValue(['#vip', '#hot', '#vip'])).toBe('#hot, #vip')
    expect(tagsValue([])).toBeNull()
  })

  it('gives each tag an option value, ignoring case, keeping the values given before', () => {
    expect(tagOptions(['#vip', '#hot', '#VIP'])).toEqual({ '#vip': 100_000_000, '#hot': 100_000_001 })
    expect(tagOptions(['#new', '#vip'], { '#vip': 100_000_000, '#hot': 100_000_001 })).toEqual({
      '#vip': 100_000_000,
      '#hot': 100_000_001,
      '#new': 100_000_002,
    })
  })

  it('fills the multi-select column through the options; a tag without an option is dropped with a warning', () => {
    const field = tagField({
      mode: 'multiselect',
      column: 'new_x2crmtags',
      options: { '#vip': 7, '#hot': 8 },
    })
    expect(field?.newOptions).toEqual({ '7': '#vip', '8': '#hot' })
    const mapping = withTagFields({
      ...defaultMapping(),
      settings: {
        publisherPrefix: 'new_',
        sourceIdColumn: 'new_x2crmid',
        tags: { mode: 'multiselect', column: 'new_x2crmtags', options: { '#vip': 7, '#hot': 8 } },
      },
    })
    const contacts = mapping.entities[1]
    if (contacts === undefined) throw new Error('no contacts map')
    const context = { targetIdFor: () => 'id', ownerFor: () => undefined }
    const result = transformRecord(contacts, { id: 1, lastName: 'A', _tags: '#hot, #new, #vip' }, context)
    expect(result.status === 'ok' && result.values['new_x2crmtags']).toBe('8,7')
    expect(result.status === 'ok' && result.warnings.join(' ')).toMatch(/"#new" not options the map knows/)
    // Once per entity, however often it is applied.
    expect(withTagFields(mapping).entities[1]?.fields.filter((f) => f.source === '_tags')).toHaveLength(1)
  })

  it('moves nothing for `none`, and has no column field for the tag table', () => {
    expect(tagField({ mode: 'none' })).toBeUndefined()
    expect(tagField({ mode: 'table', table: 'new_x2crmtag' })).toBeUndefined()
    expect(taggedClasses(defaultMapping()).size).toBe(0)
  })

  it('tags every X2CRM class of the map but not those x2d365 derives (API v2 answers 500 for their tags)', () => {
    const mapping = {
      ...builtInMapping(),
      settings: {
        publisherPrefix: 'new_',
        sourceIdColumn: 'new_x2crmid',
        tags: { mode: 'text', column: 'new_x2crmtags' } as const,
      },
    }
    const classes = taggedClasses(mapping)
    expect(classes).toContain('Accounts')
    expect(classes).toContain('Product')
    expect(classes).not.toContain('ProductPrices')
    expect(classes).not.toContain('QuoteLines')
    expect(taggedTables(mapping)).toContain('product')
    expect(taggedTables(mapping)).not.toContain('productpricelevel')
    const prices = withTagFields(mapping).entities.find((e) => e.entity === 'ProductPrices')
    expect(prices?.fields.some((f) => f.target === 'new_x2crmtags')).toBe(false)
  })
})
