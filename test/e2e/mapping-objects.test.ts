import { describe, expect, it } from 'vitest'
import { generate } from '../../sim/seed/generate.ts'
import { DEFAULT_CASE_CLOSE } from '../../src/mapping/default-cases.ts'
import {
  DEFAULT_PRODUCT_STATES,
  DEFAULT_QUOTE_STATES,
  priceListItemMap,
  productMap,
  quoteLineMap,
  quoteMap,
} from '../../src/mapping/default-sales.ts'
import { parseMapping } from '../../src/mapping/parse-mapping.ts'
import { proposeMapping } from '../../src/mapping/propose-mapping.ts'
import type { SourceSchema } from '../../src/mapping/schemas.ts'
import type { EntityMap } from '../../src/mapping/types.ts'
import { addNewFields } from '../../src/mapping/update-mapping.ts'
import { validateMapping } from '../../src/mapping/validate-mapping.ts'
import { writeMapping } from '../../src/mapping/write-mapping.ts'
import type { X2crmField } from '../../src/source/x2crm/types.ts'
import { defaultSourceSchema, defaultTargetSchema } from './mapping-schemas.ts'

const custom = (fieldName: string, attributeLabel: string): X2crmField => ({
  fieldName,
  attributeLabel,
  type: 'varchar',
  linkType: null,
  custom: true,
  required: false,
  readOnly: false,
})

/** X2CRM's default classes, with a custom field on cases and one on quotes. */
function sourceWithCustomFields(): SourceSchema {
  const source = defaultSourceSchema()
  return {
    ...source,
    entities: {
      ...source.entities,
      Services: [...(source.entities['Services'] ?? []), custom('c_contract', 'Support contract')],
      Quote: [...(source.entities['Quote'] ?? []), custom('c_incoterm', 'Incoterm')],
    },
  }
}

describe('map propose: products, quotes, cases and lists (issue 13)', () => {
  const { dataset } = generate({ seed: 5, accounts: 60, contacts: 200, sales: true, timeline: true })
  const counts = Object.fromEntries(Object.entries(dataset.records).map(([k, rows]) => [k, rows.length]))
  const source = sourceWithCustomFields()
  const target = defaultTargetSchema()
  const samples = Object.fromEntries(
    ['Product', 'Quote', 'Services', 'X2List'].map((e) => [e, dataset.records[e] ?? []]),
  )
  const proposal = proposeMapping(source, target, samples, { counts })
  const text = writeMapping(proposal.written, proposal.evidence)
  const parsed = parseMapping(text)
  const byName = new Map((parsed.value?.entities ?? []).map((e) => [e.name ?? e.entity, e]))

  it('has records of every class it proposes these maps for', () => {
    for (const entity of ['Product', 'Quote', 'Services', 'X2List'])
      expect(counts[entity], entity).toBeGreaterThan(0)
  })

  it('proposes the built-in maps, which parse, validate, and come back with their close and state rules', () => {
    expect(parsed.errors).toEqual([])
    expect(validateMapping(parsed.value ?? { entities: [] }, source, target).errors).toEqual([])
    expect(Object.keys(proposal.written.entities)).toEqual(
      expect.arrayContaining([
        'Product',
        'Product→price list item',
        'Quote',
        'Quote lines→quotedetail',
        'Services',
        'X2List',
      ]),
    )
    const contains = (name: string, builtIn: EntityMap) =>
      expect(byName.get(name)?.fields, name).toEqual(expect.arrayContaining([...builtIn.fields]))
    contains('Product', productMap())
    contains('Product→price list item', priceListItemMap())
    contains('Quote', quoteMap())
    contains('Quote lines→quotedetail', quoteLineMap())
    expect(byName.get('Product')?.productStates).toEqual(DEFAULT_PRODUCT_STATES)
    expect(byName.get('Quote')?.quoteStates).toEqual(DEFAULT_QUOTE_STATES)
    expect(byName.get('Services')?.caseClose).toEqual(DEFAULT_CASE_CLOSE)
    expect(byName.get('X2List')?.listMembers?.memberOf.entity).toBe('Contacts')
    // Groups become owner teams, as in the built-in map: `schema apply` creates those Dataverse lacks.
    expect(parsed.value?.settings?.teams).toEqual({ create: true })
    expect(byName.get('Product→price list item')?.entity).toBe('ProductPrices')
    expect(byName.get('Quote lines→quotedetail')?.entity).toBe('QuoteLines')
    // A product's id is its number and its unit: the second line names its source.
    expect(text).toMatch(/id_defaultuomid: \{ source: id, target: defaultuomid, transform: unit \}/)
    expect(text).toMatch(
      /# 0\.95 built-in map \(src\/mapping\/default-sales\.ts\): Product\.price → product\.price\n\s+price:/,
    )
    // Actions and files may be about quotes and cases now that the map loads them.
    const regarding = byName.get('Actions→task')?.fields.find((f) => f.transform === 'regarding')
    expect(regarding?.regardingTo?.map((r) => r.entity)).toEqual(
      expect.arrayContaining(['Quote', 'Services']),
    )
  })

  it('proposes a new column for a custom field of a case and of a quote, with its evidence', () => {
    const contract = proposal.written.entities['Services']?.fields['c_contract']
    expect(contract).toMatchObject({ target: 'new_contract', transform: 'text', create: { type: 'String' } })
    expect(proposal.evidence['Services']?.['c_contract']?.reasons).toContain(
      'custom field, no standard column',
    )
    expect(proposal.written.entities['Quote']?.fields['c_incoterm']).toMatchObject({ target: 'new_incoterm' })
    // A field whose column the built-in map fills is skipped with the reason, not mapped twice.
    expect(proposal.written.entities['Services']?.fields['name']).toEqual({
      skip: true,
      reason: 'incident.title is filled from subject by the built-in map',
    })
    expect(proposal.review).not.toContain('entities.Services.fields.subject')
  })

  it('leaves out quotes without records, and keeps the field matcher for the other classes then', () => {
    const none = proposeMapping(source, target, samples, { counts: { ...counts, Quote: 0, Product: 0 } })
    expect(none.written.entities['Quote']).toBeUndefined()
    expect(none.written.entities['Quote lines→quotedetail']).toBeUndefined()
    expect(none.written.entities['Product→price list item']).toBeUndefined()
    // Product is still proposed by the matcher (it was before), without the built-in's unit and price list.
    expect(none.written.entities['Product']?.fields['id_defaultuomid']).toBeUndefined()
    expect(none.written.entities['Services']?.fields['subject']).toMatchObject({ target: 'title' })
  })

  it('map propose --update keeps every edit, adds the new custom field, and does not bring back a class taken out', () => {
    // The person skipped a product's inventory, renamed a case line's column, and took lists out.
    const edited = text
      .replace(
        'inventory: { target: quantityonhand, transform: decimal }',
        'inventory: { skip: true, reason: we count stock elsewhere }',
      )
      .replace(/\n {2}X2List:\n(?: {4}.*\n)+/, '\n')
    expect(edited).not.toMatch(/^ {2}X2List:/m)
    const grown: SourceSchema = {
      ...source,
      entities: {
        ...source.entities,
        Quote: [...(source.entities['Quote'] ?? []), custom('c_region', 'Region')],
      },
    }
    const update = addNewFields(edited, proposeMapping(grown, target, samples, { counts }))
    expect(update?.added).toEqual(['Quote.c_region'])
    expect(update?.conflicts).toEqual([
      'X2List: the map has no entity for it (taken out, or new since); to move it, copy it from a fresh `x2d365 map propose -m proposal.yaml`',
    ])
    const after = update?.text ?? ''
    expect(after).toContain('inventory: { skip: true, reason: we count stock elsewhere }')
    expect(after).not.toMatch(/^ {2}X2List:/m)
    for (const line of edited.split('\n')) expect(after).toContain(line)
    expect(parseMapping(after).errors).toEqual([])
  })
})
