import { describe, expect, it } from 'vitest'
import { createDataverseSimulator } from '../../sim/dataverse/index.ts'
import { parseMapping } from '../../src/mapping/parse-mapping.ts'
import type { Mapping } from '../../src/mapping/types.ts'
import { applySchema } from '../../src/schema/apply-schema.ts'
import { describePlan, planSchema, tablesOf } from '../../src/schema/plan-schema.ts'
import { readTargetSchema } from '../../src/schema/read-target-schema.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseMetadataClient } from '../../src/target/dataverse/metadata.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'
import { defaultTargetSchema } from './mapping-schemas.ts'

const MAP = `
version: 1
settings: { publisherPrefix: new_, tags: { mode: multiselect } }
entities:
  Accounts:
    table: account
    fields:
      name: { target: name, transform: text }
      leadSource: { target: new_leadsource, transform: choice, create: { type: Picklist, label: Lead Source }, choices: { Google: 100000000, Walk In: 100000001 }, newOptions: { "100000000": Google, "100000001": Walk In } }
      interest: { target: new_interest, transform: text, create: { type: String, maxLength: 300, label: Interest } }
      dealvalue: { target: new_dealvalue, transform: decimal, create: { type: Money, label: Deal Value } }
      closedate: { target: new_closedate, transform: unixToDate, create: { type: DateTime, label: Close Date, dateOnly: true } }
      doNotCall: { target: donotphone, transform: boolean }
  Services:
    table: new_case
    createTable: { label: X2CRM case, primaryName: new_name }
    fields:
      name: { target: new_name, transform: text }
      resolution: { target: new_resolution, transform: text, create: { type: Memo, maxLength: 10000, label: Resolution } }
`

function mappingOf(text: string): Mapping {
  const parsed = parseMapping(text)
  if (parsed.value === undefined) throw new Error(parsed.errors.join('\n'))
  return parsed.value
}

function connect() {
  const sim = createDataverseSimulator({ origin: 'https://127.0.0.1:8443' })
  const settings = sim.settings()
  const fetch = fetchFor(sim.handle)
  const { getToken } = createMsalTokenProvider({
    authority: settings.authority,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    scope: settings.scope,
    fetch,
  })
  return createDataverseMetadataClient({ url: settings.url, fetch, getToken, sleep: async () => undefined })
}

describe('schema apply against the Dataverse simulator', () => {
  it('creates the tables, columns, choices and keys the map needs; a second run has nothing to do', async () => {
    const metadata = connect()
    const mapping = mappingOf(MAP)
    const tables = mapping.entities.map((e) => e.table.logicalName)
    const before = await readTargetSchema(metadata, tables, defaultTargetSchema())
    expect(Object.keys(before)).toEqual(['account'])
    const plan = planSchema(mapping, before)
    expect(plan.conflicts).toEqual([])
    expect(describePlan(plan)).toEqual([
      'create table new_case (X2CRM case, primary name new_name)',
      'create column account.new_x2crmid: String(100) "X2CRM id"',
      'create column account.new_x2crmtags: MultiSelectPicklist "X2CRM tags"',
      'create column account.new_leadsource: Picklist "Lead Source" with 2 options',
      'create column account.new_interest: String(300) "Interest"',
      'create column account.new_dealvalue: Money "Deal Value"',
      'create column account.new_closedate: DateTime "Close Date"',
      'create column new_case.new_x2crmid: String(100) "X2CRM id"',
      'create column new_case.new_x2crmtags: MultiSelectPicklist "X2CRM tags"',
      'create column new_case.new_resolution: Memo(10000) "Resolution"',
      'create alternate key account.new_x2crmid_key on new_x2crmid',
      'create alternate key new_case.new_x2crmid_key on new_x2crmid',
    ])
    const result = await applySchema(plan, metadata)
    expect(result).toMatchObject({ published: true, applied: plan.operations })

    const after = await readTargetSchema(metadata, tables, defaultTargetSchema())
    const account = after['account']
    expect(account?.columns.find((c) => c.name === 'new_leadsource')).toMatchObject({
      type: 'Picklist',
      options: [
        { value: 100000000, label: 'Google' },
        { value: 100000001, label: 'Walk In' },
      ],
    })
    expect(account?.columns.find((c) => c.name === 'new_interest')).toMatchObject({
      type: 'String',
      maxLength: 300,
    })
    expect(Object.values(account?.keys ?? {})).toContainEqual(['new_x2crmid'])
    expect(after['new_case']?.columns.map((c) => c.name)).toEqual(
      expect.arrayContaining(['new_name', 'new_resolution', 'new_x2crmid']),
    )

    const again = planSchema(mapping, after)
    expect(again.operations).toEqual([])
    expect(describePlan(again)).toEqual([
      'Nothing to do: Dataverse has every table, column, choice and key the map needs.',
    ])
    expect(await applySchema(again, metadata)).toEqual({ applied: [], published: false })
  })

  it('makes a tag table with a lookup to each tagged table when the map chooses tag rows over a choice column', async () => {
    const metadata = connect()
    const mapping = mappingOf(MAP.replace('tags: { mode: multiselect }', 'tags: { mode: table }'))
    const before = await readTargetSchema(metadata, tablesOf(mapping), defaultTargetSchema())
    const plan = planSchema(mapping, before)
    expect(describePlan(plan).filter((line) => /tag/.test(line))).toEqual([
      'create table new_x2crmtag (X2CRM tag, primary name new_name)',
      'create lookup new_x2crmtag.new_accountid → account',
      'create lookup new_x2crmtag.new_caseid → new_case',
    ])
    await applySchema(plan, metadata)
    const after = await readTargetSchema(metadata, tablesOf(mapping), defaultTargetSchema())
    expect(after['new_x2crmtag']?.columns.find((c) => c.name === 'new_accountid')).toMatchObject({
      type: 'Lookup',
      target: ['account'],
    })
    expect(planSchema(mapping, after).operations).toEqual([])
  })
})
