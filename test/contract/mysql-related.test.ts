import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDataverseSimulator } from '../../sim/dataverse/index.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from '../../src/cli/demo-users.ts'
import { createMemoryLedger } from '../../src/ledger/memory.ts'
import { listMap, servicesMap } from '../../src/mapping/default-cases.ts'
import { CONTACT, defaultMapping } from '../../src/mapping/default-map.ts'
import type { RunEvent } from '../../src/run/events.ts'
import { migrate } from '../../src/run/migrate.ts'
import { databaseRelated } from '../../src/source/x2crm/mysql/related.ts'
import { createMysqlSource, type MysqlSource } from '../../src/source/x2crm/mysql/source.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../../src/target/dataverse/client.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'
import { createScratchDatabase, FIXTURE_SQL, type ScratchDatabase } from '../helpers/mariadb.ts'

let scratch: ScratchDatabase
let source: MysqlSource

async function all<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const row of rows) out.push(row)
  return out
}

beforeAll(async () => {
  scratch = await createScratchDatabase('related', { load: FIXTURE_SQL })
  source = createMysqlSource({ url: scratch.url, password: '' })
})
afterAll(async () => {
  await source?.close()
  await scratch?.drop()
})

describe('the database reader: list members, tags, relationships (the fixture)', () => {
  it('reads static list 1’s 25 members, every tag of a class at once, and the 87 relationships', async () => {
    const related = databaseRelated(source)
    if (related.listMembers === undefined) throw new Error('the database reader has list members')
    const members = await all(related.listMembers(1))
    expect(members.map((m) => m.recordId)).toEqual(Array.from({ length: 25 }, (_, i) => i + 2))
    const tags = await source.tagsOfClass('Contacts')
    expect(tags.size).toBe(17)
    expect([...(tags.get(1) ?? [])].sort()).toEqual(['#test', '#vip'])
    expect(tags.get(12)).toEqual(['#München'])
    expect(tags.get(14)).toEqual(['#大客户'])
    const relationships = await all(source.relationships())
    expect(relationships).toHaveLength(87)
    expect(relationships.find((r) => r.id === 77)).toEqual({
      id: 77,
      firstType: 'Contacts',
      firstId: 2,
      firstLabel: 'Decision maker',
      secondType: 'Opportunity',
      secondId: 1,
      secondLabel: 'Deal',
    })
  })

  it('migrates from the database: 5 cases (1 resolved) and the list with its 25 members', async () => {
    const dataverse = createDataverseSimulator({})
    dataverse.seed('systemuser', demoSystemUsers((await source.users()).map((u) => ({ ...u }))))
    const settings = dataverse.settings()
    const fetch = fetchFor(dataverse.handle)
    const contacts = { entity: 'Contacts', table: CONTACT }
    const events: RunEvent[] = []
    const result = await migrate(
      {
        instance: 'fixture-db',
        mapping: { entities: [...defaultMapping().entities, servicesMap(contacts), listMap(contacts)] },
        defaultOwnerEmail: DEMO_DEFAULT_OWNER,
      },
      {
        source,
        related: databaseRelated(source),
        target: createDataverseClient({
          url: settings.url,
          fetch,
          getToken: createMsalTokenProvider({ ...settings, fetch }).getToken,
          sleep: async () => {},
        }),
        ledger: createMemoryLedger(),
        emit: (e: RunEvent) => events.push(e),
        now: () => new Date(),
      },
    )
    expect(result.reconciliation.balanced).toBe(true)
    expect(dataverse.rows('incident')).toHaveLength(5)
    expect(dataverse.rows('incident').filter((r) => r['statecode'] === 1)).toHaveLength(1)
    expect(dataverse.rows('incidentresolution')).toHaveLength(1)
    expect(dataverse.rows('list')).toHaveLength(1)
    expect(dataverse.rows('listmember')).toHaveLength(25)
    expect(events.find((e) => e.type === 'lists.filled')).toMatchObject({ lists: 1, added: 25, unread: 0 })
  })
})
