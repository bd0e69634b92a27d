import { describe, expect, it } from 'vitest'
import { parseMapping } from '../mapping/parse-mapping.ts'
import type { TargetSchema } from '../mapping/schemas.ts'
import type { Mapping } from '../mapping/types.ts'
import { describePlan, planSchema } from './plan-schema.ts'

const target: TargetSchema = {
  contact: {
    entitySet: 'contacts',
    primaryId: 'contactid',
    primaryName: 'fullname',
    columns: [
      { name: 'lastname', type: 'String', maxLength: 50 },
      { name: 'leadsourcecode', type: 'Picklist', options: [{ value: 1, label: 'Advertisement' }] },
      { name: 'new_x2crmid', type: 'String', maxLength: 100 },
      { name: 'new_region', type: 'Integer' },
    ],
    keys: { new_x2crmid_key: ['new_x2crmid'] },
  },
  new_old1: {
    entitySet: 'new_old1s',
    primaryId: 'new_old1id',
    primaryName: 'new_name',
    columns: [],
    custom: true,
  },
}

function mappingOf(lines: string[]): Mapping {
  const parsed = parseMapping(['version: 1', ...lines].join('\n'))
  if (parsed.value === undefined) throw new Error(parsed.errors.join('\n'))
  return parsed.value
}

describe('planSchema', () => {
  it('adds new options to an existing choice column and leaves what exists alone', () => {
    const mapping = mappingOf([
      'settings: { tags: { mode: none } }',
      'entities:',
      '  Contacts:',
      '    table: contact',
      '    fields:',
      '      lastName: { target: lastname, transform: text }',
      '      leadSource: { target: leadsourcecode, transform: choice, choices: { Ads: 1, Google: 100000000 }, newOptions: { "100000000": Google } }',
    ])
    expect(describePlan(planSchema(mapping, target))).toEqual([
      'add choice 100000000 "Google" to contact.leadsourcecode',
    ])
  })

  it('adds an option once when two objects load into the same table, and flags two labels for one value', () => {
    const mapping = mappingOf([
      'settings: { tags: { mode: none } }',
      'entities:',
      '  Contacts:',
      '    table: contact',
      '    fields:',
      '      lastName: { target: lastname, transform: text }',
      '      leadSource: { target: leadsourcecode, transform: choice, choices: { Google: 100000000 }, newOptions: { "100000000": Google } }',
      '  X2Leads:',
      '    table: contact',
      '    fields:',
      '      lastName: { target: lastname, transform: text }',
      '      leadSource: { target: leadsourcecode, transform: choice, choices: { Google: 100000000 }, newOptions: { "100000000": Google } }',
      '      leadstatus: { target: leadsourcecode, transform: choice, choices: { Bing: 100000000 }, newOptions: { "100000000": Bing } }',
    ])
    const plan = planSchema(mapping, target)
    expect(describePlan(plan)).toEqual(['add choice 100000000 "Google" to contact.leadsourcecode'])
    expect(plan.conflicts).toEqual([
      'contact.leadsourcecode: two maps add choice 100000000, as "Google" and as "Bing"; give one of them another value',
    ])
  })

  it('reports a column that exists with another type as a conflict', () => {
    const mapping = mappingOf([
      'settings: { tags: { mode: none } }',
      'entities:',
      '  Contacts:',
      '    table: contact',
      '    fields:',
      '      c_region: { target: new_region, transform: text, create: { type: String, maxLength: 100, label: Region } }',
    ])
    expect(planSchema(mapping, target).conflicts).toEqual([
      'contact.new_region exists as Integer; the map needs String',
    ])
  })

  it('plans a tag table, and warns when Sales Professional would pass its custom table limit', () => {
    const many: TargetSchema = Object.fromEntries<TargetSchema[string]>([
      ...Object.entries(target),
      ...Array.from({ length: 14 }, (_, i): [string, TargetSchema[string]] => [
        `new_t${i}`,
        { entitySet: `new_t${i}s`, primaryId: 'x', primaryName: 'y', columns: [], custom: true },
      ]),
    ])
    const mapping = mappingOf([
      'settings: { tags: { mode: table } }',
      'entities:',
      '  Contacts: { table: contact, fields: { lastName: { target: lastname, transform: text } } }',
    ])
    const plan = planSchema(mapping, many, { license: 'professional' })
    expect(describePlan(plan)).toEqual([
      'create table new_x2crmtag (X2CRM tag, primary name new_name)',
      'create lookup new_x2crmtag.new_contactid → contact',
    ])
    expect(plan.warnings).toEqual([
      expect.stringMatching(
        /^Sales Professional allows 15 custom tables; the environment has 15 and the map adds 1\./,
      ),
    ])
    expect(planSchema(mapping, many).warnings).toEqual([])
  })

  it('refuses a table that does not exist and is not created by the map', () => {
    const mapping = mappingOf(['entities:', '  Services: { table: incident, fields: {} }'])
    expect(planSchema(mapping, target).conflicts).toEqual([
      'incident does not exist in Dataverse and the map does not create it (createTable)',
    ])
  })

  it('lists the keys the load needs, existing or new, and says in the plan that new ones are waited for', () => {
    const mapping = mappingOf([
      'settings: { tags: { mode: none } }',
      'entities:',
      '  Contacts: { table: contact, fields: { lastName: { target: lastname, transform: text } } }',
      '  Opportunities: { table: new_old1, fields: {} }',
    ])
    const plan = planSchema(mapping, target)
    expect(plan.keys).toEqual([
      { table: 'contact', key: 'new_x2crmid_key' },
      { table: 'new_old1', key: 'new_x2crmid_key' },
    ])
    expect(describePlan(plan)).toEqual([
      'create column new_old1.new_x2crmid: String(100) "X2CRM id"',
      'create alternate key new_old1.new_x2crmid_key on new_x2crmid',
      'wait until the alternate key is Active (Dataverse builds its index in the background; the load needs it)',
    ])
  })
})
