import { describe, expect, it } from 'vitest'
import { transformRecord } from './transform-record.ts'
import { resolveChoice, resolveMultiChoice } from './transforms.ts'
import type { EntityMap, TransformContext } from './types.ts'

const choices = { Google: 100000000, 'Walk In': 100000002, '1': 1 }

describe('choice transforms', () => {
  it('maps a stored value to its choice value, exactly or (caseInsensitiveChoice) ignoring case, said so', () => {
    expect(resolveChoice('Google', choices)).toEqual({ value: 100000000 })
    expect(resolveChoice(' Walk In ', choices)).toEqual({ value: 100000002 })
    expect(resolveChoice(' walk in ', choices)).toEqual({
      value: 100000002,
      warning: 'repair caseInsensitiveChoice: "walk in" read as option "Walk In" (differs in letter case)',
    })
    expect(resolveChoice(1, choices)).toEqual({ value: 1 })
    expect(resolveChoice('', choices)).toEqual({ value: null })
    expect(resolveChoice('Bing', choices)).toEqual({
      value: null,
      warning: expect.stringContaining('"Bing" is not an option the map knows') as unknown,
    })
  })

  it('with caseInsensitiveChoice off, a value matching only ignoring case is left empty, said so', () => {
    expect(resolveChoice('google', choices, false)).toEqual({
      value: null,
      warning: expect.stringMatching(/equals option "Google" only ignoring case.*left empty/) as unknown,
    })
    expect(resolveMultiChoice('GOOGLE, Walk In', choices, false)).toEqual({
      value: '100000002',
      warning: '"GOOGLE" not options the map knows; dropped',
    })
    expect(resolveMultiChoice('GOOGLE, Walk In', choices)).toEqual({
      value: '100000000,100000002',
      warning: 'repair caseInsensitiveChoice: "GOOGLE" read as option "Google" (differs in letter case)',
    })
  })

  it('maps a multi-select (JSON array or comma list) to "a,b", dropping unknown options with a warning', () => {
    expect(resolveMultiChoice('["Google","Walk In"]', choices)).toEqual({ value: '100000000,100000002' })
    expect(resolveMultiChoice('Google, Bing', choices)).toEqual({
      value: '100000000',
      warning: '"Bing" not options the map knows; dropped',
    })
  })
})

describe('transformRecord with a parsed map', () => {
  const ctx: TransformContext = {
    targetIdFor: (_e, id) => `00000000-0000-0000-0000-${String(id).padStart(12, '0')}`,
    ownerFor: () => undefined,
  }
  const map: EntityMap = {
    entity: 'Product',
    table: { logicalName: 'product', entitySet: 'products', primaryId: 'productid' },
    sourceIdColumn: 'new_x2crmid',
    defaults: { productstructure: 1 },
    fields: [
      { source: 'name', target: 'name', transform: 'text' },
      { source: 'currency', target: 'new_currency', transform: 'choice', choices: { USD: 100000000 } },
    ],
  }

  it('writes the X2CRM id column, the defaults and the choice value', () => {
    const result = transformRecord(map, { id: 12, name: 'Widget', currency: 'USD' }, ctx)
    expect(result).toMatchObject({
      status: 'ok',
      values: { new_x2crmid: '12', productstructure: 1, name: 'Widget', new_currency: 100000000 },
    })
  })
})
