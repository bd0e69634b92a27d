import { describe, expect, it } from 'vitest'
import { defaultSourceSchema, defaultTargetSchema } from '../../test/e2e/mapping-schemas.ts'
import { proposeObjects } from './propose-objects.ts'

const source = defaultSourceSchema()
const target = defaultTargetSchema()
const always = () => true

describe('proposeObjects', () => {
  it('skips a built-in link to a class the map does not load, with the reason', () => {
    const { entities, evidence } = proposeObjects(
      { entities: {}, evidence: {}, review: [] },
      source,
      target,
      always,
    )
    expect(entities['Quote']?.fields['accountName']).toEqual({
      skip: true,
      reason: 'links to Accounts, which this map does not load',
    })
    expect(evidence['Quote']?.['name']).toEqual({
      confidence: 0.95,
      reasons: ['built-in map (src/mapping/default-sales.ts): Quote.name → quote.name'],
    })
    // Lines to the quote and the product the map loads stay links.
    expect(entities['Quote lines→quotedetail']?.fields['quote']).toMatchObject({
      transform: 'link',
      linkTo: 'Quote',
    })
    // Cases and lists need the contacts they name: without Contacts in the map they are left to the matcher.
    expect(entities['Services']).toBeUndefined()
    expect(entities['X2List']).toBeUndefined()
  })

  it("keeps the matcher's other lines and their review flags, and drops the flags of the lines it replaces", () => {
    const matched = {
      entities: {
        Contacts: { table: 'contact', fields: {} },
        Services: {
          table: 'incident',
          fields: {
            name: { target: 'title', transform: 'text' as const, review: 'confidence 0.80' },
            c_contract: {
              target: 'new_contract',
              transform: 'text' as const,
              create: { type: 'String' as const, maxLength: 255, label: 'Contract' },
            },
            mainIssue: { target: 'new_mainissue', transform: 'text' as const, review: 'default field' },
          },
        },
      },
      evidence: {
        Services: { c_contract: { confidence: 0.9, reasons: ['custom field, no standard column'] } },
      },
      review: [
        'entities.Services.fields.name',
        'entities.Services.fields.mainIssue',
        'entities.Contacts.fields.x',
      ],
    }
    const contract = {
      fieldName: 'c_contract',
      attributeLabel: 'Contract',
      type: 'varchar',
      linkType: null,
      custom: true,
      required: false,
      readOnly: false,
    }
    const withCustom = {
      ...source,
      entities: { ...source.entities, Services: [...(source.entities['Services'] ?? []), contract] },
    }
    const { entities, evidence, review } = proposeObjects(
      matched,
      withCustom,
      target,
      (e) => e === 'Services',
    )
    const fields = entities['Services']?.fields ?? {}
    expect(fields['subject']).toEqual({ target: 'title', transform: 'text' })
    expect(fields['name']).toEqual({
      skip: true,
      reason: 'incident.title is filled from subject by the built-in map',
    })
    expect(fields['c_contract']).toMatchObject({ target: 'new_contract' })
    expect(evidence['Services']?.['c_contract']?.reasons).toEqual(['custom field, no standard column'])
    expect(review).toEqual(['entities.Contacts.fields.x', 'entities.Services.fields.mainIssue'])
    // Only the classes with records are replaced.
    expect(entities['Quote']).toBeUndefined()
    expect(entities['Product']).toBeUndefined()
  })
})
