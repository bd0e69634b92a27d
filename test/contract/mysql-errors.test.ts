import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MigrationError } from '../../src/errors.ts'
import { parseMysqlUrl } from '../../src/source/x2crm/mysql/connection-url.ts'
import { openDatabase } from '../../src/source/x2crm/mysql/database.ts'
import type { SourceNotice } from '../../src/source/x2crm/mysql/notices.ts'
import { createMysqlSource } from '../../src/source/x2crm/mysql/source.ts'
import { createScratchDatabase, FIXTURE_SQL, MARIADB, type ScratchDatabase } from '../helpers/mariadb.ts'

let fixture: ScratchDatabase
let empty: ScratchDatabase

beforeAll(async () => {
  ;[fixture, empty] = await Promise.all([
    createScratchDatabase('errors', { load: FIXTURE_SQL }),
    createScratchDatabase('empty'),
  ])
})
afterAll(async () => {
  await Promise.all([fixture?.drop(), empty?.drop()])
})

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a failure')
}

async function all<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const row of rows) out.push(row)
  return out
}

describe('MySQL source: bad input gets a message that says what to do', () => {
  it('wrong password: names the user and the env var, never the password', async () => {
    const source = createMysqlSource({
      url: fixture.url,
      password: 'not-the-password-42',
      passwordEnv: 'X2CRM_DB_PASSWORD',
    })
    const error = await failure(source.count('Contacts'))
    await source.close()
    expect(error).toBeInstanceOf(MigrationError)
    expect(error.message).toMatch(
      /refused the login root@127\.0\.0\.1:\d+\/.*wrong user or password.*X2CRM_DB_PASSWORD/s,
    )
    expect(error.message).not.toContain('not-the-password-42')
  })

  it('unknown database', async () => {
    const source = createMysqlSource({
      url: `mysql://root@${MARIADB.host}:${MARIADB.port}/no_such_x2crm_db`,
      password: '',
    })
    const error = await failure(source.count('Contacts'))
    await source.close()
    expect(error.message).toMatch(/There is no database "no_such_x2crm_db"/)
  })

  it('nothing listening', async () => {
    const source = createMysqlSource({ url: 'mysql://root@127.0.0.1:1/x2crm', password: '' })
    const error = await failure(source.count('Contacts'))
    await source.close()
    expect(error.message).toMatch(/Nothing answers at root@127\.0\.0\.1:1\/x2crm/)
  })

  it('a database that is not X2CRM: names the missing tables', async () => {
    const source = createMysqlSource({ url: empty.url, password: '' })
    const error = await failure(all(source.records('Contacts')))
    await source.close()
    expect(error.message).toMatch(
      /is not an X2CRM database: it has no x2_fields, x2_users, x2_profile, x2_admin, x2_contacts tables/,
    )
  })

  it('an unknown class', async () => {
    const source = createMysqlSource({ url: fixture.url, password: '' })
    const error = await failure(source.count('Vendors'))
    await source.close()
    expect(error.message).toMatch(/No table is known for X2CRM class "Vendors".*tables option/s)
  })

  it('the connection is read-only: a write through it fails, and the data is unchanged', async () => {
    const db = openDatabase({ address: parseMysqlUrl(fixture.url), password: '' })
    try {
      expect(await db.query('SELECT @@session.tx_read_only AS ro')).toEqual([{ ro: 1 }])
      const error = await failure(db.query("UPDATE x2_contacts SET title = 'hacked' WHERE id = 1"))
      expect(error.message).toMatch(/READ ONLY transaction/)
      await expect(db.query('CREATE TABLE x2d365_probe (a INT)')).rejects.toThrow(/READ ONLY/)
    } finally {
      await db.close()
    }
    expect(await fixture.admin('SELECT title FROM x2_contacts WHERE id = 1')).toEqual([{ title: null }])
  })
})

describe('MySQL source: an older or odd X2CRM is read, and what is odd is reported', () => {
  let older: ScratchDatabase
  beforeAll(async () => {
    older = await createScratchDatabase('older', { load: FIXTURE_SQL })
    await older.admin(`
      ALTER TABLE x2_list_items DROP COLUMN unsubscribed, DROP COLUMN suppressed;
      ALTER TABLE x2_contacts DROP COLUMN c_score;
      DROP TABLE x2_action_to_record;
      ALTER TABLE x2_quotes_products DROP COLUMN quoteId;
      INSERT INTO x2_actions (id, type, associationType, associationId, visibility, createDate)
        VALUES (600, 'sms', 'spaceships', 7, 1, 1790000000);
    `)
  })
  afterAll(async () => {
    await older?.drop()
  })

  it('columns an older table lacks read as null, said once; a missing table reads as none, said', async () => {
    const notices: SourceNotice[] = []
    const source = createMysqlSource({ url: older.url, password: '', onNotice: (n) => notices.push(n) })
    try {
      const members = await all(source.listItems())
      expect(members).toHaveLength(25)
      expect(members[0]).toMatchObject({ unsubscribed: null, suppressed: null, listId: 1 })
      const contacts = await all(source.records('Contacts'))
      expect(contacts).toHaveLength(64)
      expect(contacts.every((c) => c.c_score === null)).toBe(true)
      expect(await all(source.actionLinks())).toEqual([])
      expect(notices.map((n) => [n.kind, n.entity])).toEqual([
        ['missing-column', 'x2_list_items'],
        ['missing-column', 'Contacts'],
        ['missing-table', 'x2_action_to_record'],
      ])
      expect(notices[1]?.message).toMatch(/x2_contacts has no column for Contacts\.c_score/)
    } finally {
      await source.close()
    }
  })

  it('a table without a column the data needs stops with the table and column named', async () => {
    const source = createMysqlSource({ url: older.url, password: '' })
    const error = await failure(all(source.quoteLines()))
    await source.close()
    expect(error.message).toMatch(/x2_quotes_products in ".*" \(.*\) lacks column quoteId/)
  })

  it('unknown action types and association types are passed through and reported, not dropped', async () => {
    const notices: SourceNotice[] = []
    const source = createMysqlSource({ url: older.url, password: '', onNotice: (n) => notices.push(n) })
    try {
      const actions = await all(source.records('Actions'))
      expect(actions).toHaveLength(81)
      expect(actions.at(-1)).toMatchObject({
        id: 600,
        type: 'sms',
        associationType: 'spaceships',
        associationId: 7,
      })
      expect(notices.filter((n) => n.kind === 'unknown-action-kind').map((n) => n.message)).toEqual([
        'Action 600: type "sms" is not an action type X2CRM creates; passed through unmapped (first of its kind)',
        'Action 600: associationType "spaceships" names no X2CRM module; passed through unmapped (first of its kind)',
      ])
    } finally {
      await source.close()
    }
  })
})
