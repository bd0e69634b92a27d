import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createDataverseSimulator } from '../../sim/dataverse/index.ts'
import { createX2crmSimulator, FIXTURE_ADMIN_KEY, loadDump } from '../../sim/x2crm/index.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from '../../src/cli/demo-users.ts'
import { createMemoryLedger } from '../../src/ledger/memory.ts'
import { accountsContactsMapping } from '../../src/mapping/default-map.ts'
import { tagOptions } from '../../src/mapping/tag-fields.ts'
import { targetIdFor } from '../../src/mapping/target-id.ts'
import type { Mapping, TagsChoice } from '../../src/mapping/types.ts'
import { delta } from '../../src/run/delta.ts'
import type { RunEvent } from '../../src/run/events.ts'
import { migrate } from '../../src/run/migrate.ts'
import { verify } from '../../src/run/verify.ts'
import { applySchema } from '../../src/schema/apply-schema.ts'
import { planSchema } from '../../src/schema/plan-schema.ts'
import { readTargetSchema } from '../../src/schema/read-target-schema.ts'
import { createX2crmClient } from '../../src/source/x2crm/client.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../../src/target/dataverse/client.ts'
import { createDataverseMetadataClient } from '../../src/target/dataverse/metadata.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'
import { defaultTargetSchema } from './mapping-schemas.ts'

const dump = JSON.parse(
  readFileSync(new URL('../fixtures/x2crm/fixture/api-dump.json', import.meta.url), 'utf8'),
) as { records: Record<string, unknown[]>; tags: Record<string, Record<string, string[]>> }

/** Every tag of the fixture's accounts and contacts, as `map propose` would list them. */
const fixtureTags = [
  ...new Set(['Accounts', 'Contacts'].flatMap((c) => Object.values(dump.tags[c] ?? {}).flat())),
].sort()

async function setUp(tags: TagsChoice) {
  const dataset = loadDump(structuredClone(dump))
  const x2crm = createX2crmSimulator({ data: dataset })
  const dataverse = createDataverseSimulator({})
  dataverse.seed('systemuser', demoSystemUsers(dataset.users))
  const settings = dataverse.settings()
  const fetch = fetchFor(dataverse.handle)
  const getToken = createMsalTokenProvider({ ...settings, fetch }).getToken
  const mapping: Mapping = {
    ...accountsContactsMapping(),
    settings: { publisherPrefix: 'new_', sourceIdColumn: 'new_x2crmid', tags },
  }
  // schema apply: the tag column on account and contact (and, for a multi-select, an option per tag).
  const metadata = createDataverseMetadataClient({
    url: settings.url,
    fetch,
    getToken,
    sleep: async () => undefined,
  })
  const tables = mapping.entities.map((e) => e.table.logicalName)
  await applySchema(
    planSchema(mapping, await readTargetSchema(metadata, tables, defaultTargetSchema())),
    metadata,
  )
  const source = createX2crmClient({
    url: 'http://127.0.0.1/index.php/api2',
    username: 'admin',
    apiKey: FIXTURE_ADMIN_KEY,
    fetch: fetchFor(x2crm.handle),
  })
  const target = createDataverseClient({ url: settings.url, fetch, getToken, sleep: async () => {} })
  const events: RunEvent[] = []
  const deps = {
    source,
    related: { tags: (entity: string, id: number) => source.tags(entity, id) },
    target,
    ledger: createMemoryLedger(),
    emit: (e: RunEvent) => events.push(e),
    now: () => new Date(),
  }
  const options = { instance: 'fixture', mapping, batchSize: 25, defaultOwnerEmail: DEMO_DEFAULT_OWNER }
  return { x2crm, dataverse, deps, events, options, rows: (t: string) => dataverse.rows(t) }
}

const id = (entity: string, n: number) => targetIdFor('fixture', entity, n)
const row = (rows: Record<string, unknown>[], key: string, value: string) =>
  rows.find((r) => r[key] === value)

describe('tags, in process against the fixture', () => {
  it('fills a multi-select tag column on every tagged record, verify compares it, and delta sees a tag added', async () => {
    const options = tagOptions(fixtureTags)
    const {
      x2crm,
      deps,
      options: run,
      rows,
    } = await setUp({ mode: 'multiselect', column: 'new_x2crmtags', options })
    const result = await migrate(run, deps)
    expect(result.reconciliation.balanced).toBe(true)
    // 6 accounts (#key-account) and 17 contacts carry tags in X2CRM.
    expect(
      rows('account').filter((a) => a['new_x2crmtags'] !== null && a['new_x2crmtags'] !== undefined),
    ).toHaveLength(6)
    const taggedContacts = rows('contact').filter((c) => typeof c['new_x2crmtags'] === 'string')
    expect(taggedContacts).toHaveLength(17)
    // Contact 1: #test and #vip; contact 14: #大客户.
    const values = (s: unknown) => String(s).split(',').map(Number).sort()
    expect(values(row(rows('contact'), 'contactid', id('Contacts', 1))?.['new_x2crmtags'])).toEqual(
      [options['#test'], options['#vip']].sort(),
    )
    expect(row(rows('contact'), 'contactid', id('Contacts', 14))?.['new_x2crmtags']).toBe(
      String(options['#大客户']),
    )
    expect(row(rows('contact'), 'contactid', id('Contacts', 3))?.['new_x2crmtags'] ?? null).toBeNull()

    const checked = await verify({ instance: 'fixture', mapping: run.mapping }, deps)
    for (const entity of checked.entities)
      expect(entity.byColumn['new_x2crmtags'], entity.entity).toBeUndefined()

    // A tag added in X2CRM does not move lastUpdated; delta sees it in the record's hash.
    const added = await x2crm.handle(
      new Request('http://127.0.0.1/index.php/api2/Contacts/3/tags', {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from(`admin:${FIXTURE_ADMIN_KEY}`).toString('base64')}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify(['#vip']),
      }),
    )
    expect(added.status).toBe(200)
    const changed = await delta(run, deps)
    const contacts = changed.entities.find((e) => e.entity === 'Contacts')
    expect(contacts?.found).toMatchObject({ changed: 1 })
    expect(row(rows('contact'), 'contactid', id('Contacts', 3))?.['new_x2crmtags']).toBe(
      String(options['#vip']),
    )
  })

  it('a text tag column holds the tags as "#a, #b"', async () => {
    const { deps, options: run, rows } = await setUp({ mode: 'text', column: 'new_x2crmtags' })
    await migrate(run, deps)
    expect(row(rows('contact'), 'contactid', id('Contacts', 1))?.['new_x2crmtags']).toBe('#test, #vip')
    expect(row(rows('account'), 'accountid', id('Accounts', 2))?.['new_x2crmtags']).toBe('#key-account')
  })

  it('a tag table gets one row per record and tag, bound to the record', async () => {
    const { deps, events, options: run, rows } = await setUp({ mode: 'table', table: 'new_x2crmtag' })
    await migrate(run, deps)
    // 6 accounts with one tag, 17 contacts with 22 tags.
    const tagRows = rows('new_x2crmtag')
    expect(tagRows).toHaveLength(28)
    expect(events.find((e) => e.type === 'tags.written')).toMatchObject({ rows: 28, failed: [] })
    const ofContact1 = tagRows.filter((r) => r['_new_contactid_value'] === id('Contacts', 1))
    expect(ofContact1.map((r) => r['new_name']).sort()).toEqual(['#test', '#vip'])
    // A second run writes the same rows.
    await migrate(run, deps)
    expect(rows('new_x2crmtag')).toHaveLength(28)
  })
})
