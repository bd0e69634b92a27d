import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createX2crmSimulator, FIXTURE_ADMIN_KEY, loadDump } from '../../sim/x2crm/index.ts'
import { defaultMapping } from '../../src/mapping/default-map.ts'
import { transformRecord } from '../../src/mapping/transform-record.ts'
import type { TransformContext } from '../../src/mapping/types.ts'
import { createX2crmClient } from '../../src/source/x2crm/client.ts'
import type { SourceNotice } from '../../src/source/x2crm/mysql/notices.ts'
import { createMysqlSource, type MysqlSource } from '../../src/source/x2crm/mysql/source.ts'
import { createUploadsReader } from '../../src/source/x2crm/uploads/reader.ts'
import { parseFields } from '../../src/source/x2crm/parse-fields.ts'
import { parseUsers } from '../../src/source/x2crm/parse-users.ts'
import type { X2crmRecord, X2crmSource } from '../../src/source/x2crm/types.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'
import {
  createScratchDatabase,
  FIXTURE_DUMP,
  FIXTURE_SQL,
  FIXTURE_UPLOADS,
  type ScratchDatabase,
} from '../helpers/mariadb.ts'

interface Dump {
  records: Record<string, X2crmRecord[]>
  hiddenFromLists: Record<string, number[]>
  fields: Record<string, unknown>
  users: unknown
}
const dump = JSON.parse(readFileSync(FIXTURE_DUMP, 'utf8')) as Dump
const CLASSES = Object.keys(dump.records)

/**
 * Where the database and API v2 legitimately disagree on the fixture. Each entry: class, id, field, and why.
 * Everything else must be equal, value for value and type for type.
 */
const INTENTIONAL_DIFFERENCES: { entity: string; id: number; field: string; why: string }[] = [
  {
    entity: 'Contacts',
    id: 57,
    field: 'name',
    why:
      'the table holds the stored name, cut to 255 characters when the 400-char firstName was saved; the API ' +
      'answers with the name recomposed from firstName + lastName (264 characters, ending "Longname")',
  },
]

let scratch: ScratchDatabase
let source: MysqlSource
const notices: SourceNotice[] = []

beforeAll(async () => {
  scratch = await createScratchDatabase('source', { load: FIXTURE_SQL })
  source = createMysqlSource({ url: scratch.url, password: '', onNotice: (n) => notices.push(n) })
})
afterAll(async () => {
  await source?.close()
  await scratch?.drop()
})

async function all(records: AsyncIterable<X2crmRecord>): Promise<X2crmRecord[]> {
  const out: X2crmRecord[] = []
  for await (const record of records) out.push(record)
  return out
}

function withoutIntentional(entity: string, record: X2crmRecord): X2crmRecord {
  const copy: Record<string, unknown> = { ...record }
  for (const d of INTENTIONAL_DIFFERENCES) if (d.entity === entity && d.id === record.id) delete copy[d.field]
  return copy
}

describe('MySQL source on the fixture database: records equal API v2', () => {
  it.each(CLASSES)(
    '%s: every record the API export holds, same fields, values and JSON types',
    async (entity) => {
      const fromDb = await all(source.records(entity))
      const fromApi = dump.records[entity] ?? []
      expect(fromDb.map((r) => r.id)).toEqual(fromApi.map((r) => r.id))
      for (const [i, apiRecord] of fromApi.entries()) {
        const dbRecord = fromDb[i] as X2crmRecord
        // Same key order too: the API's order is x2_fields order.
        expect(Object.keys(dbRecord)).toEqual(Object.keys(apiRecord))
        expect(withoutIntentional(entity, dbRecord)).toStrictEqual(withoutIntentional(entity, apiRecord))
      }
    },
  )

  it('the intentional differences are real (so the list above cannot go stale)', async () => {
    for (const d of INTENTIONAL_DIFFERENCES) {
      const db = await source.record(d.entity, d.id)
      const api = dump.records[d.entity]?.find((r) => r.id === d.id)
      expect(db?.[d.field]).not.toEqual(api?.[d.field])
    }
    const contact57 = await source.record('Contacts', 57)
    expect(String(contact57?.name)).toHaveLength(255)
  })

  it('keeps the oddities as X2CRM stored them: destroyed emoji, zero dates, links as nameId strings', async () => {
    expect((await source.record('Contacts', 56))?.name).toBe('Zoë ???? Emoji ????')
    expect((await source.record('Contacts', 56))?.company).toBe('Rocket ???? Labs_8')
    expect((await source.record('Contacts', 58))?.leadDate).toBe(0)
    expect((await source.record('Contacts', 60))?.company).toBe('Doomed Corp (to be deleted)_20')
    expect((await source.record('Product', 10))?.price).toBe('99999.99')
    expect((await source.record('Actions', 1))?.actionDescription).toMatch(/^Note 0:/)
    expect(await source.record('Accounts', 20)).toBeUndefined()
  })

  it('counts the true number of rows, including the private contact the API hides from lists and /count', async () => {
    expect(await source.count('Contacts')).toBe(64) // API /count says 63 (contact 50 hidden)
    expect((await all(source.records('Contacts'))).map((r) => r.id)).toContain(50)
    expect(await source.count('Services')).toBe(5)
    expect(await source.count('Contacts', { c_region: 'EMEA' })).toBe(
      dump.records.Contacts?.filter((r) => r.c_region === 'EMEA').length,
    )
  })

  it.each([1, 7, 64, 1000])(
    'keyset paging with pages of %i reads each contact once, ascending',
    async (pageSize) => {
      const ids = (await all(source.records('Contacts', { pageSize }))).map((r) => Number(r.id))
      expect(ids).toHaveLength(64)
      expect(ids).toEqual([...ids].sort((a, b) => a - b))
    },
  )

  it('resumes after an id and applies API-style filters', async () => {
    const after = await all(source.records('Contacts', { afterId: 60 }))
    expect(after.map((r) => r.id)).toEqual([61, 62, 63, 64])
    const since = await all(source.records('Actions', { filters: { lastUpdated: '>1790000000' } }))
    const expected = dump.records.Actions?.filter((r) => Number(r.lastUpdated) > 1790000000).map((r) => r.id)
    expect(since.map((r) => r.id)).toEqual(expected)
    await expect(all(source.records('Contacts', { filters: { nope: '1' } }))).rejects.toThrow(
      /Contacts\.nope/,
    )
  })

  it.each(CLASSES)("%s: fields equal the API's /fields, parsed", async (entity) => {
    const parsed = parseFields(dump.fields[entity])
    expect('fields' in parsed && parsed.fields).toEqual(await source.fields(entity))
  })

  it("users equal the API's admin view, and carry no secret", async () => {
    const parsed = parseUsers(dump.users)
    expect('users' in parsed && parsed.users).toEqual(await source.users())
    expect(JSON.stringify(await source.users())).not.toMatch(/REDACTED|admin-test-key/)
  })

  it('reports nothing odd about the fixture (all action kinds known, no column missing)', () => {
    expect(notices).toEqual([])
  })
})

describe('database + uploads: the bytes of every attachment', () => {
  it('finds the 4 uploaded files with size and checksum, skips the 21 system assets', async () => {
    const uploads = createUploadsReader({ dir: FIXTURE_UPLOADS })
    const results = []
    for await (const attachment of uploads.readAll(source.records('Media'))) results.push(attachment)
    expect(results).toHaveLength(25)
    const found = results.filter((r) => r.status === 'found')
    expect(found.map((r) => [r.mediaId, r.fileName, r.size])).toEqual([
      [2003, 'proposal_acme.pdf', 45],
      [2004, 'business_card_müller.txt', 38],
      [2005, 'contract_globex.csv', 31],
      [2006, 'logo_initech.png', 70],
    ])
    expect(found.every((r) => r.status === 'found' && /^[0-9a-f]{64}$/.test(r.sha256) && !r.warning)).toBe(
      true,
    )
    expect(results.filter((r) => r.status === 'skipped')).toHaveLength(21)
  })
})

describe('through the API simulator and through the database, records normalize to identical values', () => {
  const mapping = defaultMapping()
  const ctx: TransformContext = {
    ownerFor: (username) => (username === 'pwagner' ? undefined : `user-${username}`),
    targetIdFor: (entity, id) => `${entity}-${id}`,
  }

  async function viaApi(): Promise<X2crmSource> {
    const sim = createX2crmSimulator({ data: loadDump(dump), now: () => 1795660000 })
    return createX2crmClient({
      url: 'http://127.0.0.1:8081/index.php/api2',
      username: 'admin',
      apiKey: FIXTURE_ADMIN_KEY,
      fetch: fetchFor(sim.handle),
      sleep: async () => {},
    })
  }

  it.each(CLASSES)(
    '%s: raw records are the same; mapped rows too where the default map has the class',
    async (entity) => {
      const api = await viaApi()
      const listed = await all(api.records(entity))
      // The API hides some private records from lists; fetch them by id, as the extractor does.
      for (const id of dump.hiddenFromLists[entity] ?? [])
        listed.push((await api.record(entity, id)) as X2crmRecord)
      listed.sort((a, b) => Number(a.id) - Number(b.id))
      // The API client pages from id > 0; X2CRM's built-in Media themes have ids -7..-1 (system assets, not migrated).
      const fromDb = (await all(source.records(entity))).filter((r) => Number(r.id) > 0)
      expect(fromDb.map((r) => r.id)).toEqual(listed.map((r) => r.id))
      const map = mapping.entities.find((e) => e.entity === entity)
      for (const [i, apiRecord] of listed.entries()) {
        const dbRecord = fromDb[i] as X2crmRecord
        expect(withoutIntentional(entity, dbRecord)).toStrictEqual(withoutIntentional(entity, apiRecord))
        if (!map || INTENTIONAL_DIFFERENCES.some((d) => d.entity === entity && d.id === apiRecord.id))
          continue
        expect(transformRecord(map, dbRecord, ctx)).toStrictEqual(transformRecord(map, apiRecord, ctx))
      }
    },
  )

  it('the default map covers Accounts and Contacts, so mapped rows were compared for them', () => {
    expect(mapping.entities.map((e) => e.entity)).toEqual(expect.arrayContaining(['Accounts', 'Contacts']))
  })
})
