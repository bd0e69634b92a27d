import { describe, expect, it } from 'vitest'
import { checkRow } from './check-row.ts'
import { CONTACT } from './default-map.ts'
import type { TableMetadata } from '../target/dataverse/table-metadata.ts'
import type { EntityMap } from './types.ts'

const contactTable: TableMetadata = {
  entitySet: 'contacts',
  primaryId: 'contactid',
  primaryName: 'fullname',
  columns: [
    { name: 'lastname', type: 'String', maxLength: 50 },
    { name: 'ownerid', type: 'Owner', required: 'SystemRequired' },
    {
      name: 'statecode',
      type: 'State',
      required: 'SystemRequired',
      options: [{ value: 0, label: 'Active' }],
    },
    { name: 'numberofchildren', type: 'Integer' },
    { name: 'preferredcontactmethodcode', type: 'Picklist', options: [{ value: 1, label: 'Any' }] },
    {
      name: 'new_tags',
      type: 'MultiSelectPicklist',
      options: [
        { value: 1, label: 'A' },
        { value: 2, label: 'B' },
      ],
    },
    { name: 'fullname', type: 'String', maxLength: 160, readOnly: true },
    { name: 'new_x2crmid', type: 'String', maxLength: 100 },
  ],
}

const map: EntityMap = {
  entity: 'Contacts',
  table: CONTACT,
  sourceIdColumn: 'new_x2crmid',
  fields: [
    { source: 'lastName', target: 'lastname', transform: 'text' },
    { source: 'children', target: 'numberofchildren', transform: 'integer' },
    { source: 'contactMethod', target: 'preferredcontactmethodcode', transform: 'choice' },
    { source: 'tags', target: 'new_tags', transform: 'multiChoice' },
    { source: 'nickname', target: 'new_nickname', transform: 'text' },
  ],
}

describe('checkRow', () => {
  it('accepts a row Dataverse takes', () => {
    const row = {
      lastname: 'L'.repeat(50),
      numberofchildren: 2 ** 31 - 1,
      preferredcontactmethodcode: 1,
      new_tags: '1,2',
      statecode: null,
      fullname: 'x'.repeat(500),
      new_x2crmid: '7',
      'ownerid@odata.bind': '/systemusers(x)',
    }
    expect(checkRow(map, row, contactTable)).toEqual([])
  })

  it('names the X2CRM field, the column and the rule for each problem', () => {
    const problems = checkRow(
      map,
      {
        lastname: 'L'.repeat(312),
        numberofchildren: 2 ** 31,
        preferredcontactmethodcode: 9,
        new_tags: '1,7',
        new_nickname: 'Bob',
        ownerid: null,
      },
      contactTable,
    )
    expect(problems.map((p) => [p.field, p.column, p.rule])).toEqual([
      ['lastName', 'lastname', 'contact.lastname holds at most 50 characters'],
      [
        'children',
        'numberofchildren',
        'contact.numberofchildren is a whole number between -2147483648 and 2147483647',
      ],
      ['contactMethod', 'preferredcontactmethodcode', 'not an option of contact.preferredcontactmethodcode'],
      ['tags', 'new_tags', 'not an option of contact.new_tags'],
      [
        'nickname',
        'new_nickname',
        'contact.new_nickname does not exist in Dataverse; add it with `x2d365 schema apply` or change the map',
      ],
      ['ownerid', 'ownerid', 'contact.ownerid is required by Dataverse and cannot be empty'],
    ])
    expect(problems[0]?.message).toBe('lastName: contact.lastname has 312 characters, Dataverse allows 50')
    expect(problems[3]?.message).toBe('tags: 7 is not an option of contact.new_tags')
  })

  it('says the X2CRM id column comes from the id', () => {
    const [problem] = checkRow(map, { new_x2crmid: '9'.repeat(101) }, contactTable)
    expect(problem?.field).toBe('id')
  })
})

describe('checkRow: number bounds and empty text', () => {
  const product: TableMetadata = {
    entitySet: 'products',
    primaryId: 'productid',
    primaryName: 'name',
    columns: [
      { name: 'name', type: 'String', maxLength: 100, required: 'SystemRequired' },
      { name: 'price', type: 'Money', minValue: 0, maxValue: 1_000_000_000_000, precision: 2 },
      { name: 'quantitydecimal', type: 'Integer', minValue: 0, maxValue: 5 },
      { name: 'new_rate', type: 'Decimal', precision: 4 },
      { name: 'new_big', type: 'Money' },
    ],
  }
  const productMap: EntityMap = {
    entity: 'Products',
    table: { logicalName: 'product', entitySet: 'products', primaryId: 'productid' },
    fields: [
      { source: 'name', target: 'name', transform: 'text' },
      { source: 'price', target: 'price', transform: 'decimal' },
      { source: 'decimals', target: 'quantitydecimal', transform: 'integer' },
      { source: 'rate', target: 'new_rate', transform: 'decimal' },
      { source: 'big', target: 'new_big', transform: 'decimal' },
    ],
  }
  const check = (values: Record<string, unknown>) => checkRow(productMap, values, product)

  it('quarantines a value below MinValue with the value and the limit, never abs()', () => {
    const [problem] = check({ price: -5 })
    expect(problem?.rule).toBe(
      'product.price is a number between 0 and 1000000000000 with at most 2 decimals',
    )
    expect(problem?.message).toBe(
      'price: -5 is below the minimum 0: product.price is a number between 0 and 1000000000000 with at most 2 decimals; not rounded or cut',
    )
    expect(problem?.value).toBe(-5)
  })

  it('says a value above MaxValue in digits, never in exponent form', () => {
    const [problem] = check({ new_big: 1e21 })
    expect(problem?.message).toContain('1000000000000000000000 is above the maximum 922337203685477')
    expect(problem?.message).not.toMatch(/e\+/)
    expect(check({ quantitydecimal: 6 })[0]?.message).toContain('6 is above the maximum 5')
  })

  it('quarantines more decimals than the precision instead of rounding', () => {
    expect(check({ price: 19.999 })[0]?.message).toContain('19.999 has 3 decimals, the column keeps 2')
    expect(check({ new_rate: 0.00001 })[0]?.message).toContain('0.00001 has 5 decimals, the column keeps 4')
    expect(check({ quantitydecimal: 2.5 })[0]?.message).toContain('2.5 is not a whole number')
    expect(check({ price: 19.99, new_rate: 0.1234, quantitydecimal: 5, new_big: -922337203685477 })).toEqual(
      [],
    )
  })

  it('counts a required text of white space and invisible format characters as empty', () => {
    for (const blank of ['\u200B', ' \u200C\u200D ', '\u2060', '\uFEFF', '\u00AD', '\u00A0\n']) {
      expect(check({ name: blank }).map((p) => p.rule)).toEqual([
        'product.name is required by Dataverse and cannot be empty',
      ])
    }
    expect(check({ name: 'A\u200B' })).toEqual([])
  })
})
