import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createDataverseSimulator } from '../../sim/dataverse/index.ts'
import { createX2crmSimulator, FIXTURE_ADMIN_KEY, loadDump } from '../../sim/x2crm/index.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from '../../src/cli/demo-users.ts'
import { createMemoryLedger } from '../../src/ledger/memory.ts'
import { listMap, servicesMap } from '../../src/mapping/default-cases.ts'
import { CONTACT, defaultMapping } from '../../src/mapping/default-map.ts'
import { targetIdFor } from '../../src/mapping/target-id.ts'
import type { Mapping } from '../../src/mapping/types.ts'
import type { RunEvent } from '../../src/run/events.ts'
import { delta } from '../../src/run/delta.ts'
import { migrate } from '../../src/run/migrate.ts'
import { verify } from '../../src/run/verify.ts'
import { createX2crmClient } from '../../src/source/x2crm/client.ts'
import type { RelatedReaders } from '../../src/source/x2crm/related.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../../src/target/dataverse/client.ts'
import { fixtureRelated } from '../helpers/fixture-related.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'

const dump = JSON.parse(
  readFileSync(new URL('../fixtures/x2crm/fixture/api-dump.json', import.meta.url), 'utf8'),
) as { records: Record<string, Record<string, unknown>[]> }

function setUp(
  mutate: (records: Record<string, Record<string, unknown>[]>) => void = () => {},
  related: RelatedReaders = fixtureRelated(),
) {
  const copy = structuredClone(dump)
  mutate(copy.records)
  const dataset = loadDump(copy)
  const x2crm = createX2crmSimulator({ data: dataset })
  const dataverse = createDataverseSimulator({})
  dataverse.seed('systemuser', demoSystemUsers(dataset.users))
  const settings = dataverse.settings()
  const dataverseFetch = fetchFor(dataverse.handle)
  const source = createX2crmClient({
    url: 'http://127.0.0.1/index.php/api2',
    username: 'admin',
    apiKey: FIXTURE_ADMIN_KEY,
    fetch: fetchFor(x2crm.handle),
  })
  const target = createDataverseClient({
    url: settings.url,
    fetch: dataverseFetch,
    getToken: createMsalTokenProvider({ ...settings, fetch: dataverseFetch }).getToken,
    sleep: async () => {},
  })
  const events: RunEvent[] = []
  const deps = {
    source,
    related,
    target,
    ledger: createMemoryLedger(),
    emit: (e: RunEvent) => events.push(e),
    now: () => new Date(),
  }
  return { x2crm, dataverse, deps, events, rows: (table: string) => dataverse.rows(table) }
}

const contacts = { entity: 'Contacts', table: CONTACT }
/** The built-in accounts and contacts, X2CRM's cases (Services) and lists. */
const mapping: Mapping = {
  entities: [...defaultMapping().entities, servicesMap(contacts), listMap(contacts)],
}
const options = { instance: 'fixture', mapping, batchSize: 25, defaultOwnerEmail: DEMO_DEFAULT_OWNER }
const id = (entity: string, n: number) => targetIdFor('fixture', entity, n)
const incident = (rows: Record<string, unknown>[], n: number) =>
  rows.find((r) => r['incidentid'] === id('Services', n))

describe('cases and marketing lists, in process against the fixture', () => {
  it('loads the 5 cases with their customer, priority and origin, resolves the resolved one last, and fills the static list with its 25 members', async () => {
    const { x2crm, deps, events, rows } = setUp((records) => {
      const services = records['Services'] ?? []
      const at = (n: number) => services.find((s) => s['id'] === n) ?? {}
      // Dirt the fixture lacks: a cancelled case, and a child case of another.
      Object.assign(at(1004), { status: 'Closed - No Response' })
      Object.assign(at(1001), { parentCase: '1000_1000' })
    })
    const result = await migrate(options, deps)
    expect(result.reconciliation.balanced).toBe(true)

    // Services 1000–1004: New, WIP, Escalated, Closed - Resolved, (made) Closed - No Response.
    const cases = rows('incident')
    expect(cases).toHaveLength(5)
    const first = incident(cases, 1000)
    expect(first).toMatchObject({
      title: 'Laptop will not boot',
      prioritycode: 1,
      caseorigincode: 1,
      statecode: 0,
      _customerid_value: id('Contacts', 2),
    })
    expect(incident(cases, 1001)?.['_parentcaseid_value']).toBe(id('Services', 1000))
    expect(incident(cases, 1004)?.['title']).toBe('Office install fails – 错误 0x80070005')
    expect(incident(cases, 1003)).toMatchObject({ statecode: 1, statuscode: 5 })
    expect(incident(cases, 1004)).toMatchObject({ statecode: 2, statuscode: 6 })
    expect(cases.filter((c) => c['statecode'] === 0)).toHaveLength(3)
    const resolutions = rows('incidentresolution')
    expect(resolutions).toHaveLength(1)
    expect(resolutions[0]).toMatchObject({
      subject: 'Resolved: Password reset request',
      _incidentid_value: id('Services', 1003),
      actualend: new Date(1755510520 * 1000).toISOString().replace('.000', ''),
    })
    expect(events.find((e) => e.type === 'cases.closed')).toMatchObject({
      resolved: 1,
      cancelled: 1,
      failed: [],
    })

    // List 1 "Q4 Newsletter Recipients" (static, contacts 2–26): 25 members.
    const lists = rows('list')
    expect(lists).toHaveLength(1)
    expect(lists[0]).toMatchObject({ listname: 'Q4 Newsletter Recipients', createdfromcode: 2, type: false })
    const members = rows('listmember')
    expect(members).toHaveLength(25)
    expect(new Set(members.map((m) => m['_entityid_value']))).toEqual(
      new Set(Array.from({ length: 25 }, (_, i) => id('Contacts', i + 2))),
    )
    expect(members.every((m) => m['_listid_value'] === id('X2List', 1))).toBe(true)
    expect(events.find((e) => e.type === 'lists.filled')).toMatchObject({
      lists: 1,
      added: 25,
      notMigrated: 0,
    })

    // verify compares the cases' columns and state, and the lists.
    const checked = await verify({ instance: 'fixture', mapping }, deps)
    for (const entity of checked.entities.filter((e) => ['Services', 'X2List'].includes(e.entity)))
      expect(entity.mismatches, entity.entity).toEqual([])
    expect(checked.entities.find((e) => e.entity === 'Services')?.matched).toBe(5)

    // A second run reopens the closed cases to load them (they are read-only), and closes them again: same rows.
    const again = await migrate(options, deps)
    expect(again.reconciliation.balanced).toBe(true)
    expect(again.reconciliation.phases.find((p) => p.phase === 'Services')).toMatchObject({ quarantined: 0 })
    expect(rows('incidentresolution')).toHaveLength(1)
    expect(incident(rows('incident'), 1003)).toMatchObject({ statecode: 1, statuscode: 5 })
    expect(incident(rows('incident'), 1004)).toMatchObject({ statecode: 2, statuscode: 6 })
    expect(rows('listmember')).toHaveLength(25)

    // During the cutover X2CRM resolves case 1000: the delta loads it and resolves it; a second delta writes nothing.
    const put = await x2crm.handle(
      new Request('http://127.0.0.1/index.php/api2/Services/1000.json', {
        method: 'PATCH',
        headers: {
          Authorization: `Basic ${Buffer.from(`admin:${FIXTURE_ADMIN_KEY}`).toString('base64')}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({ status: 'Closed - Resolved', resolution: 'Replaced the disk' }),
      }),
    )
    expect(put.status).toBe(200)
    const cutover = await delta(options, deps)
    expect(cutover.reconciliation.balanced).toBe(true)
    expect(incident(rows('incident'), 1000)).toMatchObject({ statecode: 1, statuscode: 5 })
    expect(rows('incidentresolution').map((r) => r['subject'])).toContain('Replaced the disk')
    const before = events.length
    await delta(options, deps)
    expect(events.slice(before).some((e) => e.type === 'cases.closed')).toBe(false)
  })

  it('quarantines a case without a customer; leaves off members not migrated; says when the source has no list members', async () => {
    const { deps, events, rows } = setUp((records) => {
      const services = records['Services'] ?? []
      Object.assign(services.find((s) => s['id'] === 1002) ?? {}, { contactId: null })
      // Contact 3 is on the list; its over-long name makes Dataverse refuse it.
      Object.assign(records['Contacts']?.find((c) => c['id'] === 3) ?? {}, { firstName: 'x'.repeat(300) })
    })
    const result = await migrate(options, deps)
    expect(result.reconciliation.balanced).toBe(true)
    const quarantined = new Map(
      events.flatMap((e) => (e.type === 'record.quarantined' ? [[e.sourceKey, e.reason] as const] : [])),
    )
    expect(quarantined.get('Services:1002')).toMatch(/customerid/)
    expect(rows('incident')).toHaveLength(4)
    expect(rows('listmember')).toHaveLength(24)
    expect(events.find((e) => e.type === 'lists.filled')).toMatchObject({ added: 24, notMigrated: 1 })

    const api = setUp(undefined, {})
    await migrate(options, api.deps)
    expect(api.rows('listmember')).toHaveLength(0)
    expect(api.events.find((e) => e.type === 'lists.filled')).toMatchObject({ lists: 0, unread: 1 })
  })

  it('turns the 6 labelled relationships into connections with roles named after their labels; link fields stay lookups', async () => {
    const { deps, events, rows } = setUp()
    const opportunity = {
      entity: 'Opportunity',
      table: { logicalName: 'opportunity', entitySet: 'opportunities', primaryId: 'opportunityid' },
      fields: [
        { source: 'name', target: 'name', transform: 'text' as const },
        {
          source: 'accountName',
          target: 'customerid_account',
          transform: 'link' as const,
          linkTo: { entity: 'Accounts', table: defaultMapping().entities[0]?.table ?? CONTACT },
          pass: 1 as const,
        },
      ],
    }
    const withDeals: Mapping = { entities: [...mapping.entities, opportunity] }
    const related = { ...fixtureRelated(), relationships: () => deps.source.relationships() }
    const result = await migrate({ ...options, mapping: withDeals }, { ...deps, related })
    expect(result.reconciliation.balanced).toBe(true)
    // 87 relationships: 81 are X2CRM's copies of link fields (company, account, case contact, parent account).
    expect(events.find((e) => e.type === 'connections.made')).toMatchObject({
      connected: 6,
      rolesCreated: 2,
      linkFields: 81,
      notMigrated: 0,
      failed: [],
    })
    const roles = rows('connectionrole')
    expect(roles.map((r) => r['name']).sort()).toEqual(['Deal', 'Decision maker'])
    const roleId = (name: string) => roles.find((r) => r['name'] === name)?.['connectionroleid']
    const connections = rows('connection')
    expect(connections).toHaveLength(6)
    // Relationship 77: contact 2, "Decision maker", on opportunity 1, the "Deal".
    const first = connections.find((c) => c['connectionid'] === id('Relationships', 77))
    expect(first).toMatchObject({
      _record1id_value: id('Contacts', 2),
      record1idobjecttypecode: 'contact',
      _record2id_value: id('Opportunity', 1),
      _record1roleid_value: roleId('Decision maker'),
      _record2roleid_value: roleId('Deal'),
    })
    // A second run updates the same connections and finds its roles by name.
    await migrate({ ...options, mapping: withDeals }, { ...deps, related })
    expect(rows('connection')).toHaveLength(6)
    expect(rows('connectionrole')).toHaveLength(2)
  })
})
