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
