import { describe, expect, it } from 'vitest'
import { columnOf, type TargetSchema } from '../mapping/schemas.ts'
import type { Mapping } from '../mapping/types.ts'
import { tableRefFor } from '../mapping/known-tables.ts'
import { planSchema } from './plan-schema.ts'
import { schemaAfterPlan } from './schema-after-plan.ts'

const current: TargetSchema = {
  contact: {
    entitySet: 'contacts',
    primaryId: 'contactid',
    primaryName: 'fullname',
    columns: [
      { name: 'contactid', type: 'Uniqueidentifier', primaryId: true },
      { name: 'preferredcontactmethodcode', type: 'Picklist', options: [{ value: 1, label: 'Any' }] },
    ],
  },
}

const mapping: Mapping = {
  settings: { publisherPrefix: 'new_', sourceIdColumn: 'new_x2crmid', tags: { mode: 'none' } },
  entities: [
    {
      entity: 'Contacts',
      table: tableRefFor('contact'),
      sourceIdColumn: 'new_x2crmid',
      fields: [
        {
          source: 'c_nick',
          target: 'new_nick',
          transform: 'text',
          create: { type: 'String', label: 'Nick' },
        },
        {
          source: 'method',
          target: 'preferredcontactmethodcode',
          transform: 'choice',
          choices: { Fax: 100000000 },
          newOptions: { '100000000': 'Fax' },
        },
      ],
    },
    {
      entity: 'Services',
      table: tableRefFor('new_case'),
      createTable: { label: 'Case', primaryName: 'new_name' },
      fields: [{ source: 'subject', target: 'new_name', transform: 'text' }],
    },
  ],
}

describe('schemaAfterPlan', () => {
  it('has the tables, columns and options schema apply would add, with their lengths', () => {
    const after = schemaAfterPlan(current, planSchema(mapping, current))
    expect(columnOf(after['contact'], 'new_nick')).toMatchObject({ type: 'String', maxLength: 100 })
    expect(columnOf(after['contact'], 'new_x2crmid')).toMatchObject({ type: 'String', maxLength: 100 })
    expect(columnOf(after['contact'], 'preferredcontactmethodcode')?.options?.map((o) => o.value)).toEqual([
      1, 100000000,
    ])
    expect(columnOf(after['new_case'], 'new_name')).toMatchObject({ type: 'String', maxLength: 100 })
    // The current schema is left as it was.
    expect(columnOf(current['contact'], 'new_nick')).toBeUndefined()
  })

  it('changes nothing when nothing is planned', () => {
    const after = schemaAfterPlan(current, { operations: [], conflicts: [], warnings: [], keys: [] })
    expect(after).toEqual(current)
  })
})
