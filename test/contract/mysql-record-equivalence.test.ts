import { readFileSync } from 'node:fs'
import mysql from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ACTION_SIDE_FIELDS } from '../../src/source/x2crm/mysql/classes.ts'
import { createMysqlSource, type MysqlSource } from '../../src/source/x2crm/mysql/source.ts'
import { planShape, type RecordShape } from '../../src/source/x2crm/mysql/record-shape.ts'
import type { X2crmRecord } from '../../src/source/x2crm/types.ts'
import {
  createScratchDatabase,
  FIXTURE_DUMP,
  FIXTURE_SQL,
  MARIADB,
  type ScratchDatabase,
} from '../helpers/mariadb.ts'

/**
 * The record reader reads rows as arrays through the binary protocol (FLOAT columns as the server's text) and
 * builds each record with a compiled builder (record-shape.ts). This pins its output to the reader before that change, kept here as the reference: rows as objects from mysql2 with
 * the same connection options, and the `toRecord` of commit 90c882f. Same records, same key order, same JSON
 * types (number vs string, null vs ''), on the fixture and on rows made to hold every awkward value: utf8mb4
 * emoji, zero dates, decimals, BIGINT past 2^53, FLOAT, TINYINT booleans, binary strings with invalid UTF-8.
 */

const CLASSES = Object.keys(
  (JSON.parse(readFileSync(FIXTURE_DUMP, 'utf8')) as { records: Record<string, unknown> }).records,
)
/** Each class's table, as classes.ts has them (only the fixture's). */
const TABLES: Record<string, string> = {
  Accounts: 'x2_accounts',
  Contacts: 'x2_contacts',
  X2Leads: 'x2_x2leads',
  Opportunity: 'x2_opportunities',
  Product: 'x2_products',
  Quote: 'x2_quotes',
  Services: 'x2_services',
  Actions: 'x2_actions',
  Campaign: 'x2_campaigns',
  X2List: 'x2_lists',
  Media: 'x2_media',
  Docs: 'x2_docs',
  Groups: 'x2_groups',
}
const GENERATED = 2500
const ODD_COLUMNS = {
  c_day: 'DATE NULL',
  c_when: 'DATETIME NULL',
  c_stamp: 'TIMESTAMP NULL',
  c_time: 'TIME NULL',
  c_year: 'YEAR NULL',
  c_ratio: 'FLOAT NULL',
  c_double: 'DOUBLE NULL',
  c_big: 'BIGINT NULL',
  c_ubig: 'BIGINT UNSIGNED NULL',
  c_flag: 'TINYINT(1) NULL',
  c_blob: 'BLOB NULL',
  c_vbin: 'VARBINARY(20) NULL',
  c_bit: 'BIT(8) NULL',
  c_kind: "ENUM('a','b','') NULL",
  c_set: "SET('x','y') NULL",
  c_json: 'JSON NULL',
} as const

let scratch: ScratchDatabase
let source: MysqlSource
let reference: mysql.Connection

beforeAll(async () => {
  scratch = await createScratchDatabase('record_equivalence', { load: FIXTURE_SQL })
  await scratch.admin("SET SESSION sql_mode = ''") // zero dates, as old X2CRM installs have them
  await scratch.admin('ALTER TABLE x2_contacts CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci')
  await scratch.admin(
    `ALTER TABLE x2_contacts ${Object.entries(ODD_COLUMNS)
      .map(([name, type]) => `ADD COLUMN \`${name}\` ${type}`)
      .join(', ')}`,
  )
  for (const name of Object.keys(ODD_COLUMNS)) {
    await scratch.admin(
      "INSERT INTO x2_fields (modelName, fieldName, attributeLabel, custom, type) VALUES ('Contacts', ?, ?, 1, 'varchar')",
      [name, name],
    )
  }
  await scratch.admin(
    `INSERT INTO x2_contacts (id, firstName, lastName, name, email, visibility, dealvalue, lastUpdated, rating, doNotCall,
       ${Object.keys(ODD_COLUMNS).join(', ')}) VALUES ?`,
    [Array.from({ length: GENERATED }, (_, i) => generatedRow(100_000 + i))],
  )
  source = createMysqlSource({ url: scratch.url, password: '' })
  reference = await mysql.createConnection({
    ...MARIADB,
    database: scratch.name,
    // openDatabase's options, as they were and are.
    charset: 'utf8mb4',
    supportBigNumbers: true,
    bigNumberStrings: false,
    dateStrings: true,
    decimalNumbers: false,
  })
})
afterAll(async () => {
  await reference?.end()
  await source?.close()
  await scratch?.drop()
})

/** Row `id` of the generated contacts: every value kind in turn, nulls and empty strings among them. */
function generatedRow(id: number): unknown[] {
  const k = id % 7
  const pick = <T>(...values: T[]): T => values[id % values.length] as T
  return [
    id,
    pick('Zoë', '😀 Emoji', '', 'Ünïcödé 𝄞', 'plain'),
    pick('Smith', '', "O'Brien", '汉字'),
    k === 3 ? null : pick('Name 😀', '', 'n'),
    k === 2 ? '' : null,
    k % 2,
    pick(null, '0.00', '-12.50', '1234567890123456.78', '19.99'),
    pick(null, 1_700_000_000, 0, -1),
    pick(null, 0, 5, -3),
    pick(null, 0, 1),
    pick(null, '0000-00-00', '2024-02-29', '1999-12-31'),
    pick(null, '0000-00-00 00:00:00', '2024-02-29 23:59:59'),
    pick(null, '2024-01-01 00:00:00', '0000-00-00 00:00:00'),
    pick(null, '-838:59:59', '12:30:00', '00:00:00'),
    pick(null, 2024, 0, 1999),
    pick(null, 0.1, -3.4028e38, 1 / 3, 0),
    pick(null, 0.1, 1e300, -0, 2 / 3),
    pick(null, '9007199254740993', '-9223372036854775808', '42', '9007199254740991'),
    pick(null, '18446744073709551615', '0', '9007199254740992'),
    pick(null, 0, 1, 127),
    pick(null, Buffer.from('Käse 😀'), Buffer.from([0xff, 0xfe, 0x41]), Buffer.alloc(0)),
    pick(null, Buffer.from('abc'), Buffer.from([0xc3])),
    pick(null, Buffer.from([0x41]), Buffer.from([0x00]), Buffer.from([0xff])),
    pick(null, 'a', 'b', ''),
    pick(null, 'x,y', '', 'y'),
    pick(null, '{"a":1,"b":[true,null,"😀"]}', '12345678901234567890', '"s"', '[]'),
  ]
}

/** The reader before rows were read as arrays: `SELECT` the shape's columns as objects, then `toRecord`. */
async function referenceRecords(entity: string): Promise<X2crmRecord[]> {
  const shape = await referenceShape(entity)
  const select = shape.columns.map((c) => `\`${c}\``).join(', ')
  const [rows] = (await reference.query(`SELECT ${select} FROM ${shape.table} ORDER BY id`)) as [
    Record<string, unknown>[],
    unknown,
  ]
  const side = await referenceSideValues(
    shape,
    rows.map((row) => Number(row.id)),
  )
  return rows.map((row) => referenceToRecord(shape, row, side.get(Number(row.id))))
}

async function referenceShape(entity: string): Promise<RecordShape> {
  const table = TABLES[entity] as string
  const [definitions] = (await reference.query(
    'SELECT fieldName, isVirtual FROM x2_fields WHERE modelName = ? ORDER BY id',
    [entity],
  )) as [{ fieldName: string; isVirtual: number }[], unknown]
  const [columns] = (await reference.query(
    'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
    [table],
  )) as [{ c: string }[], unknown]
  return planShape(
    entity,
    table,
    definitions.map((d) => ({ fieldName: d.fieldName, isVirtual: Number(d.isVirtual) === 1 })),
    new Set(columns.map((c) => c.c)),
  )
}

async function referenceSideValues(shape: RecordShape, ids: number[]) {
  const values = new Map<number, Record<string, unknown>>()
  if (shape.side.length === 0 || ids.length === 0) return values
  for (const field of shape.side) {
    const { table, column } = ACTION_SIDE_FIELDS[field]
    const [rows] = (await reference.query(
      `SELECT actionId, \`${column}\` AS v FROM ${table} WHERE actionId IN (?) ORDER BY id DESC`,
      [ids],
    )) as [{ actionId: number; v: unknown }[], unknown]
    for (const row of rows) {
      const entry = values.get(Number(row.actionId)) ?? {}
      entry[field] = row.v
      values.set(Number(row.actionId), entry)
    }
  }
  return values
}

/** `toRecord` as it was (record-shape.ts at 90c882f). */
function referenceToRecord(
  shape: RecordShape,
  row: Readonly<Record<string, unknown>>,
  sideValues: Readonly<Record<string, unknown>> = {},
): X2crmRecord {
  const record: Record<string, unknown> = {}
  for (const field of shape.fields) {
    let value = row[field]
    if (value === undefined) value = sideValues[field]
    if (value === undefined) value = null
    else if (typeof value === 'object' && value !== null && Buffer.isBuffer(value))
      value = value.toString('utf8')
    record[field] = value
  }
  return record
}

async function all(records: AsyncIterable<X2crmRecord>): Promise<X2crmRecord[]> {
  const out: X2crmRecord[] = []
  for await (const record of records) out.push(record)
  return out
}

/** Each value with its type, so that `1` and `"1"`, `null` and `""` differ even where JSON would not show it. */
function typed(record: X2crmRecord): [string, string, unknown][] {
  return Object.entries(record).map(([key, value]) => [key, value === null ? 'null' : typeof value, value])
}

describe('the record reader (binary protocol, rows as arrays) gives the records the object reader gave', () => {
  const read = new Map<string, number>()

  it.each(CLASSES)('%s: same records, keys in the same order, same values and types', async (entity) => {
    const expected = await referenceRecords(entity)
    const actual = await all(source.records(entity, { pageSize: 7 }))
    expect(actual.length).toBe(expected.length)
    read.set(entity, actual.length)
    expect(actual.map((r) => JSON.stringify(r))).toEqual(expected.map((r) => JSON.stringify(r)))
    expect(actual.map(typed)).toStrictEqual(expected.map(typed))
  })

  it('compared records of most classes (Quote and Groups are empty in the fixture)', () => {
    expect([...read.values()].filter((n) => n > 0).length).toBeGreaterThanOrEqual(CLASSES.length - 2)
  })

  it('Contacts with every awkward value kind, over several pages: byte-identical JSON, same types', async () => {
    const expected = await referenceRecords('Contacts')
    const actual = await all(source.records('Contacts'))
    expect(expected.length).toBeGreaterThan(GENERATED)
    expect(JSON.stringify(actual)).toBe(JSON.stringify(expected))
    expect(actual.map(typed)).toStrictEqual(expected.map(typed))

    // The awkward values are really there (so that this test cannot pass on blander data).
    const values = (field: string) => new Set(actual.map((r) => JSON.stringify(r[field])))
    expect(values('firstName')).toContain('"😀 Emoji"')
    expect(values('lastName')).toContain('""')
    expect(values('name')).toContain('null')
    expect(values('dealvalue')).toContain('"-12.50"')
    expect(values('dealvalue')).toContain('"1234567890123456.78"')
    expect(values('c_day')).toContain('"0000-00-00"')
    expect(values('c_when')).toContain('"0000-00-00 00:00:00"')
    expect(values('c_big')).toContain('"9007199254740993"')
    expect(values('c_big')).toContain('42')
    expect(values('c_ratio')).toContain('0.1')
    expect(values('c_blob')).toContain(JSON.stringify('Käse 😀'))
    expect(values('c_blob')).toContain(JSON.stringify('\ufffd\ufffdA'))
    expect(values('c_flag')).toEqual(new Set(['null', '0', '1', '127']))
    // mysql2 parses a MariaDB JSON column (it sees the type in the extended metadata), in both readers alike.
    expect(values('c_json')).toContain('{"a":1,"b":[true,null,"😀"]}')
  })

  it('one record by id, and a resumed read, as before', async () => {
    const expected = await referenceRecords('Contacts')
    for (const id of [100_000, 100_001, 100_002, 100_003, 100_004, 100_005, 100_006]) {
      const want = expected.find((r) => r.id === id)
      expect(JSON.stringify(await source.record('Contacts', id))).toBe(JSON.stringify(want))
    }
    const resumed = await all(source.records('Contacts', { afterId: 101_000, pageSize: 333 }))
    expect(JSON.stringify(resumed)).toBe(JSON.stringify(expected.filter((r) => Number(r.id) > 101_000)))
  })
})
