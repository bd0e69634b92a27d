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

function connect(simOptions: { clock?: () => number; keyActivationSeconds?: number } = {}) {
  const sim = createDataverseSimulator({ origin: 'https://127.0.0.1:8443', ...simOptions })
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
      'wait until the 2 alternate keys are Active (Dataverse builds their indexes in the background; the load needs them)',
    ])
    const result = await applySchema(plan, metadata)
    // The simulator's keys are Active at once by default: one status read each.
    expect(result).toMatchObject({ published: true, applied: plan.operations, keys: { polls: 2 } })

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
    expect(await applySchema(again, metadata)).toEqual({
      applied: [],
      published: false,
      keys: { polls: 2, waitedMs: expect.any(Number) as unknown },
    })
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

  it('returns only once the new keys are Active, polling with backoff on the injected clock', async () => {
    let now = 1_000_000
    const metadata = connect({ clock: () => now, keyActivationSeconds: 60 })
    const mapping = mappingOf(MAP)
    const plan = planSchema(
      mapping,
      await readTargetSchema(metadata, tablesOf(mapping), defaultTargetSchema()),
    )
    const sleeps: number[] = []
    const waits: string[][] = []
    const result = await applySchema(plan, metadata, {
      keys: {
        now: () => now,
        sleep: async (ms) => {
          sleeps.push(ms)
          now += ms
        },
        onWait: (pending) => waits.push(pending.map((k) => `${k.table}.${k.key} ${k.status}`)),
      },
    })
    expect(result.keys?.waitedMs).toBeGreaterThanOrEqual(60_000)
    // 2 s, 4 s, 8 s, 16 s, 30 s: Active at 60 s; each round reads both keys.
    expect(sleeps).toEqual([2_000, 4_000, 8_000, 16_000, 30_000])
    expect(result.keys?.polls).toBe(12)
    expect(waits[0]).toEqual(['account.new_x2crmid_key Pending', 'new_case.new_x2crmid_key Pending'])
    for (const key of plan.keys) expect(await metadata.keyStatus(key.table, key.key)).toBe('Active')
  })

  it('waits on a re-run for keys an interrupted apply left Pending, creating nothing', async () => {
    let now = 1_000_000
    const metadata = connect({ clock: () => now, keyActivationSeconds: 60 })
    const mapping = mappingOf(MAP)
    const tables = tablesOf(mapping)
    const first = planSchema(mapping, await readTargetSchema(metadata, tables, defaultTargetSchema()))
    // The first apply gives up after 10 s (the key indexes are still Pending).
    const short = { now: () => now, sleep: async (ms: number) => void (now += ms), timeoutMs: 10_000 }
    await expect(applySchema(first, metadata, { keys: short })).rejects.toThrow(
      /account \(Pending\).*not Active after.*the load can be retried once the key is Active/,
    )
    const again = planSchema(mapping, await readTargetSchema(metadata, tables, defaultTargetSchema()))
    expect(again.operations).toEqual([])
    expect(again.keys).toEqual([
      { table: 'account', key: 'new_x2crmid_key' },
      { table: 'new_case', key: 'new_x2crmid_key' },
    ])
    const result = await applySchema(again, metadata, { keys: { ...short, timeoutMs: undefined } })
    expect(result.applied).toEqual([])
    expect(now).toBeGreaterThanOrEqual(1_060_000)
    // Six rounds of two reads (after 0, 2, 6, 14, 30 and 60 s of the new wait): bounded by the backoff.
    expect(result.keys?.polls).toBe(12)
  })
})
