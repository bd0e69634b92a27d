import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { rowsWriter } from './sqlite-rows.ts'

describe('rowsWriter', () => {
  let db: Database.Database
  beforeEach(() => {
    db = new Database(':memory:')
    db.exec('CREATE TABLE t (k INTEGER PRIMARY KEY NOT NULL, v TEXT) WITHOUT ROWID')
    db.exec('CREATE TABLE log (k INTEGER NOT NULL, v TEXT)')
  })
  afterEach(() => db.close())

  const rows = (n: number, value: (i: number) => string) =>
    Array.from({ length: n }, (_, i) => [i + 1, value(i)]).flat()

  it('writes every row, in the order given, for counts around each chunk size', () => {
    const write = rowsWriter(db, 'INSERT INTO log (k, v)', 2)
    for (const n of [0, 1, 2, 3, 63, 64, 65, 100, 127, 128, 200]) {
      db.exec('DELETE FROM log')
      write(rows(n, (i) => `v${i}`))
      const written = db.prepare<[], { k: number }>('SELECT k FROM log ORDER BY rowid').all()
      expect(written.map((r) => r.k)).toEqual(Array.from({ length: n }, (_, i) => i + 1))
    }
  })

  it('keeps the later row of a key given twice with REPLACE, the earlier with IGNORE, also across chunks', () => {
    // 100 rows: chunks of 64, 32 and 4; key 1 again at the very end, in another chunk than its first row.
    const values = [...rows(99, (i) => `first${i}`), 1, 'again']
    rowsWriter(db, 'INSERT OR REPLACE INTO t (k, v)', 2)(values)
    expect(db.prepare('SELECT v FROM t WHERE k = 1').pluck().get()).toBe('again')
    db.exec('DELETE FROM t')
    rowsWriter(db, 'INSERT OR IGNORE INTO t (k, v)', 2)(values)
    expect(db.prepare('SELECT v FROM t WHERE k = 1').pluck().get()).toBe('first0')
    expect(db.prepare('SELECT COUNT(*) FROM t').pluck().get()).toBe(99)
    // Twice in one statement (a chunk of 2): the same as two statements.
    rowsWriter(db, 'INSERT OR REPLACE INTO t (k, v)', 2)([500, 'a', 500, 'b'])
    rowsWriter(db, 'INSERT OR IGNORE INTO t (k, v)', 2)([600, 'a', 600, 'b'])
    expect(db.prepare('SELECT v FROM t WHERE k IN (500, 600) ORDER BY k').pluck().all()).toEqual(['b', 'a'])
  })

  it('prepares at most seven statements, whatever the row counts', () => {
    const prepare = db.prepare.bind(db)
    let prepared = 0
    db.prepare = (sql: string) => {
      prepared += 1
      return prepare(sql)
    }
    const write = rowsWriter(db, 'INSERT INTO log (k, v)', 2)
    for (let n = 1; n <= 130; n++) write(rows(n, String))
    expect(prepared).toBe(7)
  })

  it('refuses values that are not whole rows', () => {
    expect(() => rowsWriter(db, 'INSERT INTO log (k, v)', 2)([1, 'a', 2])).toThrow(RangeError)
  })
})
