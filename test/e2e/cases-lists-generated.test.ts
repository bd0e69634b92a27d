import { describe, expect, it } from 'vitest'
import { createDataverseSimulator } from '../../sim/dataverse/index.ts'
import { generate } from '../../sim/seed/generate.ts'
import { createX2crmSimulator, FIXTURE_ADMIN_KEY } from '../../sim/x2crm/index.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from '../../src/cli/demo-users.ts'
import { sourceKeyOf } from '../../src/domain/source-key.ts'
import { createMemoryLedger } from '../../src/ledger/memory.ts'
import { DEFAULT_CASE_CLOSE, listMap, servicesMap } from '../../src/mapping/default-cases.ts'
import { CONTACT, defaultMapping } from '../../src/mapping/default-map.ts'
import type { Mapping } from '../../src/mapping/types.ts'
import { caseStateOf } from '../../src/run/close-incidents.ts'
import type { RunEvent } from '../../src/run/events.ts'
import { migrate } from '../../src/run/migrate.ts'
import { verify } from '../../src/run/verify.ts'
import { applySchema } from '../../src/schema/apply-schema.ts'
import { planSchema } from '../../src/schema/plan-schema.ts'
import { readTargetSchema } from '../../src/schema/read-target-schema.ts'
import { createX2crmClient } from '../../src/source/x2crm/client.ts'
import type { RelatedReaders } from '../../src/source/x2crm/related.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../../src/target/dataverse/client.ts'
import { createDataverseMetadataClient } from '../../src/target/dataverse/metadata.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'
import { defaultTargetSchema } from './mapping-schemas.ts'

describe('cases, lists, tags and connections on generated data', () => {
  it('loads every case, list member, tag and labelled relationship whose records are in Dataverse', async () => {
    const generated = generate({ seed: 11, accounts: 60, contacts: 300 })
    const { dataset, listItems } = generated
    const x2crm = createX2crmSimulator({ data: dataset })
    const dataverse = createDataverseSimulator({})
    dataverse.seed('systemuser', demoSystemUsers(dataset.users))
    const settings = dataverse.settings()
    const fetch = fetchFor(dataverse.handle)
    const getToken = createMsalTokenProvider({ ...settings, fetch }).getToken
    const contacts = { entity: 'Contacts', table: CONTACT }
    const mapping: Mapping = {
      entities: [...defaultMapping().entities, servicesMap(contacts), listMap(contacts)],
      settings: {
        publisherPrefix: 'new_',
        sourceIdColumn: 'new_x2crmid',
        tags: { mode: 'text', column: 'new_x2crmtags' },
      },
    }
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
    const related: RelatedReaders = {
      tags: (entity, id) => source.tags(entity, id),
      relationships: () => source.relationships(),
      async *listMembers(listId) {
        for (const item of listItems)
          if (item.listId === listId) yield { recordId: item.contactId, emailAddress: item.emailAddress }
      },
    }
    const events: RunEvent[] = []
    const ledger = createMemoryLedger()
    const deps = {
      source,
      related,
      target: createDataverseClient({ url: settings.url, fetch, getToken, sleep: async () => {} }),
      ledger,
      emit: (e: RunEvent) => events.push(e),
      now: () => new Date(),
    }
    const options = { instance: 'gen', mapping, batchSize: 100, defaultOwnerEmail: DEMO_DEFAULT_OWNER }
    const result = await migrate(options, deps)
    expect(result.reconciliation.balanced).toBe(true)

    const loaded = async (entity: string, ids: number[]) =>
      ledger.loaded(ids.map((id) => sourceKeyOf(entity, id)))
    const cases = dataset.records['Services'] ?? []
    const casesIn = await loaded(
      'Services',
      cases.map((c) => Number(c['id'])),
    )
    const rows = (t: string) => dataverse.rows(t)
    // A case without a contact cannot load (an incident needs a customer); every other one is in Dataverse.
    const withContact = cases.filter((c) => c['contactId'] !== null)
    expect(rows('incident').length).toBe(casesIn.size)
    expect(casesIn.size).toBeGreaterThanOrEqual(withContact.length - 2)
    expect(
      cases
        .filter((c) => c['contactId'] === null)
        .every((c) => !casesIn.has(sourceKeyOf('Services', Number(c['id'])))),
    ).toBe(true)
    const stateOf = (state: string) =>
      cases.filter(
        (c) =>
          casesIn.has(sourceKeyOf('Services', Number(c['id']))) &&
          caseStateOf(DEFAULT_CASE_CLOSE, c) === state,
      ).length
    expect(rows('incident').filter((r) => r['statecode'] === 1)).toHaveLength(stateOf('resolved'))
    expect(rows('incident').filter((r) => r['statecode'] === 2)).toHaveLength(stateOf('cancelled'))
    expect(rows('incidentresolution')).toHaveLength(stateOf('resolved'))

    // Members of the static lists whose contact loaded; e-mail-only members are left off.
    const memberIds = listItems.flatMap((i) => (i.contactId === null ? [] : [i.contactId]))
    const membersIn = await loaded('Contacts', memberIds)
    expect(rows('listmember')).toHaveLength(
      memberIds.filter((id) => membersIn.has(sourceKeyOf('Contacts', id))).length,
    )
    expect(rows('list')).toHaveLength(2)

    // Tags on every tagged contact that loaded.
    const taggedContacts = Object.keys(dataset.tags?.['Contacts'] ?? {}).map(Number)
    const taggedIn = await loaded('Contacts', taggedContacts)
    expect(rows('contact').filter((c) => typeof c['new_x2crmtags'] === 'string')).toHaveLength(taggedIn.size)

    // Labelled relationships between loaded records → connections.
    const labelled = (dataset.relationships ?? []).filter((r) => r['firstLabel'] !== null)
    let both = 0
    for (const r of labelled) {
      const ends = await ledger.loaded([
        sourceKeyOf(String(r['firstType']), Number(r['firstId'])),
        sourceKeyOf(String(r['secondType']), Number(r['secondId'])),
      ])
      if (ends.size === 2) both++
    }
    expect(rows('connection')).toHaveLength(both)
    expect(new Set(rows('connectionrole').map((r) => r['name'])).size).toBe(rows('connectionrole').length)

    const checked = await verify({ instance: 'gen', mapping }, deps)
    for (const entity of checked.entities) {
      expect(entity.byColumn['statecode'], entity.entity).toBeUndefined()
      expect(entity.byColumn['new_x2crmtags'], entity.entity).toBeUndefined()
    }
  })
})
