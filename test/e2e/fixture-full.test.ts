import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runFixture, TAG_COLUMN, type FixtureRun } from '../../bench/fixture-full.ts'
import { SYSTEM_MEDIA, tallyFixture, type Query } from '../../bench/fixture-tally.ts'
import { ACTION_TABLES, associationClass } from '../../src/mapping/action-type.ts'
import { targetIdFor } from '../../src/mapping/target-id.ts'
import {
  createScratchDatabase,
  FIXTURE_SQL,
  FIXTURE_UPLOADS,
  type ScratchDatabase,
} from '../helpers/mariadb.ts'

/**
 * Issue 13's done-when, in one run: the real X2CRM 7.1 fixture (its SQL dump restored into MariaDB, its uploads
 * folder) migrated with a map carrying every object x2d365 migrates (bench/fixture-full.ts, also behind
 * `npm run fixture:counts`), checked against the X2CRM database itself, row by row.
 */

let scratch: ScratchDatabase
let run: FixtureRun
let query: Query
beforeAll(async () => {
  scratch = await createScratchDatabase('fixture_full', { load: FIXTURE_SQL })
  query = async (sql) => (await scratch.admin(sql)) as Record<string, unknown>[]
  run = await runFixture(scratch.url, FIXTURE_UPLOADS)
}, 120_000)
afterAll(async () => {
  await run?.close()
  await scratch?.drop()
})

const id = (entity: string, n: unknown) => targetIdFor('fixture', entity, Number(n))
const PRIMARY: Readonly<Record<string, string>> = {
  account: 'accountid',
  contact: 'contactid',
  opportunity: 'opportunityid',
  annotation: 'annotationid',
}
const TABLE_OF_CLASS: Readonly<Record<string, string>> = {
  Accounts: 'account',
  Contacts: 'contact',
  Opportunity: 'opportunity',
}
const rowIn = (table: string, targetId: string) =>
  run.dataverse.rows(table).find((r) => r[PRIMARY[table] ?? 'activityid'] === targetId)
/** What Dataverse shows as the row's Created On: overriddencreatedon as sent (the load time moves to overriddencreatedon). */
// https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/account (overriddencreatedon)
const createdOn = (unix: unknown) => new Date(Number(unix) * 1000).toISOString().replace('.000Z', 'Z')

describe('the whole fixture, MariaDB + uploads → Dataverse, with every object', () => {
  it('balances, and verify finds no field of any record that differs', () => {
    expect(run.migrated.reconciliation.balanced).toBe(true)
    for (const entity of run.verified.entities) {
      expect(entity.mismatches, entity.entity).toEqual([])
      expect(entity.missing, entity.entity).toBe(0)
    }
    expect(run.verified.ok).toBe(true)
    // Every migrated record was read back: 222 (19 accounts, 63 contacts, 25 opportunities, 80 actions, 4 files…).
    expect(run.verified.entities.reduce((n, e) => n + e.checked, 0)).toBe(222)
  })

  it('loads each action into its own table, about its record, with its original date', async () => {
    const actions = await query('SELECT id, type, associationType, associationId, createDate FROM x2_actions')
    expect(actions).toHaveLength(80)
    let regarding = 0
    for (const action of actions) {
      const table = ACTION_TABLES[typeof action['type'] === 'string' ? action['type'] : ''] ?? 'task'
      const row = rowIn(table, id('Actions', action['id']))
      expect(row, `Actions:${String(action['id'])} in ${table}`).toBeDefined()
      expect(row?.['createdon'], `Actions:${String(action['id'])}`).toBe(createdOn(action['createDate']))
      const cls = associationClass(action['associationType'])
      const parentTable = cls === null || cls === undefined ? undefined : TABLE_OF_CLASS[cls]
      const parent =
        cls === null || cls === undefined || parentTable === undefined
          ? undefined
          : rowIn(parentTable, id(cls, action['associationId']))
      const lookup = table === 'annotation' ? '_objectid_value' : '_regardingobjectid_value'
      // About a record that is in Dataverse: bound to it; otherwise (not migrated) about nothing.
      expect(row?.[lookup] ?? null, `Actions:${String(action['id'])} ${lookup}`).toBe(
        parent === undefined ? null : id(cls ?? '', action['associationId']),
      )
      if (parent !== undefined) regarding++
    }
    // Every one of the 80 is about a record that migrated (none is about contact 57, the one quarantined).
    expect(regarding).toBe(80)
    // README oddity 1: action 67 is about contact 50, private and hidden from the API's lists; the database has it.
    const about50 = run.dataverse
      .rows('annotation')
      .concat(...['phonecall', 'appointment', 'email', 'task'].map((t) => run.dataverse.rows(t)))
      .find((r) => (r['activityid'] ?? r['annotationid']) === id('Actions', 67))
    expect(about50?.['_regardingobjectid_value'] ?? about50?.['_objectid_value']).toBe(id('Contacts', 50))
    const sized = Object.fromEntries(
      ['phonecall', 'appointment', 'email', 'task'].map((t) => [t, run.dataverse.rows(t).length]),
    )
    expect(sized).toEqual({ phonecall: 18, appointment: 14, email: 14, task: 18 })
  })

  it('brings the 4 files as notes whose bodies are the uploaded files byte for byte, on their records', async () => {
    const media = await query(
      `SELECT id, associationType, associationId, uploadedBy, fileName, createDate FROM x2_media
        WHERE associationType NOT IN (${SYSTEM_MEDIA.map((s) => `'${s}'`).join(', ')})`,
    )
    expect(media).toHaveLength(4)
    const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex')
    for (const file of media) {
      const note = rowIn('annotation', id('Media', file['id']))
      const onDisk = readFileSync(
        join(FIXTURE_UPLOADS, 'protected/media', String(file['uploadedBy']), String(file['fileName'])),
      )
      expect(note?.['isdocument'], String(file['fileName'])).toBe(true)
      expect(note?.['filename']).toBe(file['fileName'])
      expect(sha(Buffer.from(String(note?.['documentbody']), 'base64')), String(file['fileName'])).toBe(
        sha(onDisk),
      )
      const cls = associationClass(file['associationType']) ?? ''
      expect(note?.['_objectid_value']).toBe(id(cls, file['associationId']))
      expect(note?.['createdon']).toBe(createdOn(file['createDate']))
    }
    expect(run.dataverse.rows('annotation').filter((n) => n['isdocument'] === true)).toHaveLength(4)
  })

  it('closes the 7 won and 6 lost opportunities, each with its opportunityclose', async () => {
    const deals = await query('SELECT id, salesStage FROM x2_opportunities')
    const state: Record<string, number> = { Working: 0, Won: 1, Lost: 2 }
    for (const deal of deals)
      expect(rowIn('opportunity', id('Opportunity', deal['id']))?.['statecode'], String(deal['id'])).toBe(
        state[String(deal['salesStage'])],
      )
    const opportunities = run.dataverse.rows('opportunity')
    expect(opportunities.filter((o) => o['statecode'] === 1)).toHaveLength(7)
    expect(opportunities.filter((o) => o['statecode'] === 2)).toHaveLength(6)
    const closed = deals.filter((d) => d['salesStage'] !== 'Working').map((d) => id('Opportunity', d['id']))
    expect(
      run.dataverse
        .rows('opportunityclose')
        .map((c) => c['_opportunityid_value'])
        .sort(),
    ).toEqual(closed.sort())
  })

  it('fills the static list with its 25 members', async () => {
    const items = await query('SELECT contactId, listId FROM x2_list_items')
    expect(items).toHaveLength(25)
    const members = run.dataverse.rows('listmember')
    expect(members).toHaveLength(25)
    expect(members.map((m) => m['_entityid_value']).sort()).toEqual(
      items.map((i) => id('Contacts', i['contactId'])).sort(),
    )
    expect(new Set(members.map((m) => m['_listid_value']))).toEqual(new Set([id('X2List', 1)]))
  })

  it('gives every tagged record its tags, and no other record any', async () => {
    const tags = await query('SELECT type, itemId, tag FROM x2_tags')
    const byRecord = new Map<string, string[]>()
    for (const t of tags) {
      const key = id(String(t['type']), t['itemId'])
      byRecord.set(key, [...(byRecord.get(key) ?? []), String(t['tag'])])
    }
    expect(byRecord.size).toBe(56)
    const tables = [
      'account',
      'contact',
      'opportunity',
      'phonecall',
      'appointment',
      'email',
      'task',
      'annotation',
    ]
    let tagged = 0
    for (const table of tables) {
      for (const row of run.dataverse.rows(table)) {
        const key = String(row[PRIMARY[table] ?? 'activityid'])
        const value = row[TAG_COLUMN]
        const expected = byRecord.get(key)
        if (expected === undefined) {
          expect(value ?? null, `${table} ${key}`).toBeNull()
          continue
        }
        tagged++
        expect(String(value).split(', ').sort(), `${table} ${key}`).toEqual([...new Set(expected)].sort())
      }
    }
    expect(tagged).toBe(56)
  })

  it("accounts for every difference between Dataverse's rows and the fixture's own counts", async () => {
    const appUserId = run.dataverse
      .rows('systemuser')
      .find((u) => u['applicationid'] === run.dataverse.settings().clientId)?.['systemuserid']
    const lines = await tallyFixture(run.dataverse, query, {
      tagColumn: TAG_COLUMN,
      ...(typeof appUserId === 'string' && { appUserId }),
    })
    const differing = lines.filter((l) => l.fixture !== null && l.fixture !== l.dataverse)
    for (const line of differing) expect(line.why, line.table).not.toBe('')
    // Exactly the two records Dataverse refuses (README oddity 6, and oddity 17 without a EUR currency) and the
    // price list that is missing for the latter.
    expect(differing.map((l) => [l.table, l.dataverse, l.fixture])).toEqual([
      ['contact', 63, 64],
      ['pricelevel', 1, 2],
      ['productpricelevel', 9, 10],
    ])
    const quarantined = run.events.flatMap((e) => (e.type === 'record.quarantined' ? [e.sourceKey] : []))
    expect(quarantined.sort()).toEqual(['Contacts:57', 'ProductPrices:8'])
  })
})
