import { describe, expect, it } from 'vitest'
import { defaultSourceSchema, defaultTargetSchema } from '../../test/e2e/mapping-schemas.ts'
import { defaultMapping } from './default-map.ts'
import { parseMapping } from './parse-mapping.ts'
import type { Mapping } from './types.ts'
import { validateMapping } from './validate-mapping.ts'

const source = defaultSourceSchema()
const target = defaultTargetSchema()

function mappingOf(lines: string[]): Mapping {
  const parsed = parseMapping(['version: 1', 'entities:', ...lines].join('\n'))
  if (parsed.value === undefined) throw new Error(parsed.errors.join('\n'))
  return parsed.value
}

describe('validateMapping', () => {
  it('accepts the built-in Accounts/Contacts map', () => {
    expect(validateMapping(defaultMapping(), source, target).errors).toEqual([])
  })

  it('checks dedupe columns: they exist on the table and are filled with text', () => {
    const mapping = mappingOf([
      '  Accounts:',
      '    table: account',
      '    fields:',
      '      name: { target: name, transform: text }',
      '      employees: { target: numberofemployees, transform: integer }',
      '      c_region: { target: new_region, transform: text, create: { type: String, label: Region } }',
      '      c_code: { target: new_code, transform: text }',
      '    dedupe: { columns: [name, numberofemployees, new_region, new_code] }',
    ])
    const { errors } = validateMapping(mapping, source, target)
    const dedupeErrors = errors.filter((e) => e.startsWith('entities.Accounts.dedupe'))
    expect(dedupeErrors).toEqual([
      expect.stringMatching(
        /^entities\.Accounts\.dedupe\.columns: numberofemployees is filled by integer; dedupe compares text/,
      ),
      expect.stringMatching(/^entities\.Accounts\.dedupe\.columns: account has no column "new_code"/),
    ])
    // A map built in code is checked the same way.
    const built = defaultMapping()
    const accounts = built.entities[0]
    if (accounts === undefined) throw new Error('the default map has no Accounts')
    const broken = { entities: [{ ...accounts, dedupe: { columns: ['name', 'fax'] } }] }
    expect(validateMapping(broken, source, target).errors).toContainEqual(
      expect.stringMatching(/^entities\.Accounts\.dedupe\.columns: no field of this map fills fax/),
    )
  })

  it('reports every problem at once, each with its path', () => {
    const mapping = mappingOf([
      '  Accounts:',
      '    table: account',
      '    fields:',
      '      name: { target: name, transform: text }',
      '      website: { target: nope, transform: url }',
      '      employees: { target: websiteurl, transform: integer }',
      '      removedField: { target: description, transform: text }',
      '      createDate: { target: createdon, transform: unixToIso }',
      '      phone: { target: telephone1, transform: boolean }',
      '      email: { target: name, transform: email }',
      '      parentAccount: { target: parentcustomerid_account, transform: link, linkTo: Accounts, pass: 2 }',
      '      primaryContact: { target: primarycontactid, transform: link, linkTo: Accounts, pass: 2 }',
      '      leadtype: { target: customertypecode, transform: choice, choices: { Phone: 77 } }',
      '      backgroundInfo: { target: tickersymbol, transform: text }',
      '  Widgets:',
      '    table: new_widget',
      '    fields: {}',
    ])
    const { errors, warnings } = validateMapping(mapping, source, target)
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^entities\.Accounts\.fields\.website\.target: account has no column "nope"; .*create:/,
        ),
        expect.stringMatching(
          /^entities\.Accounts\.fields\.employees\.transform: integer cannot fill account\.websiteurl, a String column \(it takes text or email or phone or url\)/,
        ),
        expect.stringMatching(
          /^entities\.Accounts\.fields\.removedField: X2CRM Accounts has no field "removedField" \(removed or renamed since the last discover\?\)/,
        ),
        expect.stringMatching(
          /^entities\.Accounts\.fields\.createDate\.target: account\.createdon is set by Dataverse/,
        ),
        expect.stringMatching(
          /^entities\.Accounts\.fields\.phone\.transform: boolean cannot read an X2CRM phone field/,
        ),
        expect.stringMatching(
          /^entities\.Accounts\.fields\.email\.target: account\.name is already filled from name/,
        ),
        expect.stringMatching(
          /^entities\.Accounts\.fields\.parentAccount\.target: account has no navigation property "parentcustomerid_account"; to account use one of: parentaccountid/,
        ),
        expect.stringMatching(
          /^entities\.Accounts\.fields\.primaryContact\.target: primarycontactid points at contact, but Accounts loads into account/,
        ),
        expect.stringMatching(
          /^entities\.Accounts\.fields\.leadtype\.choices\.Phone: account\.customertypecode has no choice value 77 \(it has 1 Competitor/,
        ),
        expect.stringMatching(/^entities\.Widgets: X2CRM has no class Widgets/),
        expect.stringMatching(/^entities\.Widgets\.table: Dataverse has no table new_widget; .*createTable/),
      ]),
    )
    expect(errors).toHaveLength(12) // phone: neither reads a phone field nor fills a String column
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^entities\.Accounts\.fields\.backgroundInfo\.target: X2CRM backgroundInfo is long text; account\.tickersymbol holds 10 characters/,
        ),
        expect.stringMatching(
          /^entities\.Accounts\.fields\.leadtype\.choices: X2CRM options "None", "Web", "In Person", "E-Mail" have no choice value/,
        ),
      ]),
    )
  })

  it('accepts new columns and new choice options that schema apply will create, and checks them', () => {
    const mapping = mappingOf([
      '  Accounts:',
      '    table: account',
      '    fields:',
      '      name: { target: name, transform: text }',
      '      leadSource: { target: new_leadsource, transform: choice, create: { type: Picklist, label: Lead Source }, choices: { Google: 100000000 }, newOptions: { "100000000": Google } }',
      '      interest: { target: new_interest, transform: text, create: { type: String, label: Interest, maxLength: 5000 } }',
      '      tickerSymbol: { target: tickersymbol, transform: text, create: { type: Memo, label: Ticker } }',
      '      leadtype: { target: customertypecode, transform: choice, choices: { Web: 1 }, newOptions: { "1": Web } }',
    ])
    const { errors } = validateMapping(mapping, source, target)
    expect(errors).toEqual([
      expect.stringMatching(
        /^entities\.Accounts\.fields\.interest\.create\.maxLength: a String column holds at most 4000/,
      ),
      expect.stringMatching(
        /^entities\.Accounts\.fields\.tickerSymbol\.create: account\.tickersymbol already exists as String, not Memo/,
      ),
      expect.stringMatching(
        /^entities\.Accounts\.fields\.leadtype\.newOptions\.1: account\.customertypecode already has the choice value 1/,
      ),
    ])
  })

  it('recognises the options schema apply created from the map itself (same value and label) as its own', () => {
    const applied = structuredClone(target)
    const column = applied['account']?.columns.find((c) => c.name === 'customertypecode')
    if (column?.options === undefined) throw new Error('customertypecode has no options')
    column.options = [...column.options, { value: 100000000, label: 'Web' }]
    const mapping = mappingOf([
      '  Accounts:',
      '    table: account',
      '    fields:',
      '      name: { target: name, transform: text }',
      '      leadtype: { target: customertypecode, transform: choice, choices: { Web: 100000000 }, newOptions: { "100000000": Web } }',
    ])
    expect(validateMapping(mapping, source, applied).errors).toEqual([])
    const other = mappingOf([
      '  Accounts:',
      '    table: account',
      '    fields:',
      '      name: { target: name, transform: text }',
      '      leadtype: { target: customertypecode, transform: choice, choices: { Walk In: 100000000 }, newOptions: { "100000000": Walk In } }',
    ])
    expect(validateMapping(other, source, applied).errors).toEqual([
      expect.stringMatching(
        /newOptions\.100000000: account\.customertypecode already has the choice value 100000000 \(Web\)/,
      ),
    ])
  })

  it('requires what Dataverse requires, and takes defaults as filling it', () => {
    const bare = mappingOf([
      '  Product:',
      '    table: product',
      '    fields:',
      '      name: { target: name, transform: text }',
    ])
    const { errors } = validateMapping(bare, source, target)
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^entities\.Product: product\.productnumber is required by Dataverse and nothing fills it/,
        ),
        expect.stringMatching(/^entities\.Product: product\.productstructure is required/),
      ]),
    )
    const withDefaults = mappingOf([
      '  Product:',
      '    table: product',
      '    defaults: { productstructure: 1 }',
      '    fields:',
      '      name: { target: name, transform: text }',
      '      id: { target: productnumber, transform: text }',
    ])
    expect(validateMapping(withDefaults, source, target).errors).toEqual([])
  })

  it('warns about X2CRM fields the map does not mention, and not about skipped ones', () => {
    const mapping = mappingOf([
      '  X2List:',
      '    table: list',
      '    defaults: { createdfromcode: 2, type: false }',
      '    fields:',
      '      name: { target: listname, transform: text }',
      '      description: { target: description, transform: text }',
      '      id: { skip: true }',
    ])
    const { errors, warnings } = validateMapping(mapping, source, target)
    expect(errors).toEqual([])
    expect(warnings).toContainEqual(
      'entities.X2List.fields: X2CRM X2List has fields assignedTo, nameId, type, logicType, modelName, visibility, ' +
        'count, createDate, lastUpdated the map does not mention (added since it was proposed?); their values will ' +
        'not move. Map each, or write `<field>: { skip: true }`',
    )
  })

  it('checks the split rule and the split fields under entities.<class>.split', () => {
    const mapping = mappingOf([
      '  Accounts: { table: account, fields: { name: { target: name, transform: text } } }',
      '  Contacts:',
      '    table: contact',
      '    fields: { lastName: { target: lastname, transform: text } }',
      '    split:',
      '      table: lead',
      '      when: [ { field: leadStatus, in: [New] }, { hasCompany: false } ]',
      '      fields: { lastName: { target: lastnam, transform: text } }',
    ])
    const { errors } = validateMapping(mapping, source, target)
    expect(errors).toEqual([
      'entities.Contacts.split.when: X2CRM Contacts has no field "leadStatus"',
      expect.stringMatching(
        /^entities\.Contacts\.split\.fields\.lastName\.target: lead has no column "lastnam"/,
      ),
    ])
  })
})
