import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MigrationError } from '../../src/errors.ts'
import { parseMysqlUrl } from '../../src/source/x2crm/mysql/connection-url.ts'
import { type Database, openDatabase } from '../../src/source/x2crm/mysql/database.ts'
import { createMysqlSource } from '../../src/source/x2crm/mysql/source.ts'
import type { ReadOptions } from '../../src/source/x2crm/types.ts'
import { createScratchDatabase, FIXTURE_SQL, type ScratchDatabase } from '../helpers/mariadb.ts'

/**
 * The record reader reads its first page by keyset, then several pages at once by id range (as wide as the pages so
 * far say, id-spans.ts), each on its own connection, and yields them in id order. These pin what keyset paging
 * gave: every matching row once, in order, across id gaps, dense runs, filters and `afterId`, rows added while it
 * reads; and what a reader must keep doing with queries running side by side: errors in order, and no query left
 * running when the consumer stops or a page fails.
 */

let scratch: ScratchDatabase

/** Inserted contacts: ids with small gaps (every 7th missing), a hole of 200 and a few far ids. */
const INSERTED = [
  ...Array.from({ length: 600 }, (_, i) => 2000 + i).filter(
    (id) => id % 7 !== 0 && (id < 2100 || id >= 2300),
  ),
  1_000_000,
  1_000_001,
  5_000_000,
]

beforeAll(async () => {
  scratch = await createScratchDatabase('paging', { load: FIXTURE_SQL })
  await scratch.admin('INSERT INTO x2_contacts (id, firstName, lastName, name, visibility) VALUES ?', [
    INSERTED.map((id) => [id, `F${id}`, id % 2 === 0 ? 'Even' : 'Odd', `F${id} L`, 1]),
  ])
})
afterAll(async () => {
  await scratch?.drop()
})

/**
 * A page read by id range (`id > ? AND id <= ?`: every page but the first, read by keyset as before), the highest
 * id (`MAX(id)`) or another query, numbered from 1 in start order.
 */
interface Call {
  kind: 'page' | 'top' | 'other'
  n: number
  params: readonly unknown[]
}

/** The real database, with the reader's queries counted and, through `before`, held or failed by the test. */
function watchedDatabase(before?: (call: Call, watch: Watch) => Promise<void> | void) {
  const inner = openDatabase({ address: parseMysqlUrl(scratch.url), password: '' })
  const watch: Watch = {
    running: 0,
    pagesRunning: 0,
    mostPagesRunning: 0,
    pagesAnswered: [],
    onAnswer: () => {},
  }
  const started = { page: 0, top: 0, other: 0 }
  const database: Database = {
    address: inner.address,
    query: (sql, params) => inner.query(sql, params),
    async queryArrays(sql, params) {
      const kind = sql.includes('MAX(id)') ? 'top' : sql.includes('id <= ?') ? 'page' : 'other'
      const call = { kind, n: ++started[kind], params: params ?? [] } as const
      watch.running++
      if (kind === 'page') watch.mostPagesRunning = Math.max(watch.mostPagesRunning, ++watch.pagesRunning)
      try {
        await before?.(call, watch)
        const rows = await inner.queryArrays(sql, params)
        if (kind === 'page') watch.pagesAnswered.push(call.n)
        return rows
      } finally {
        watch.running--
        if (kind === 'page') watch.pagesRunning--
        watch.onAnswer()
      }
    },
    close: () => inner.close(),
  }
  return { database, watch }
}

interface Watch {
  running: number
  pagesRunning: number
  mostPagesRunning: number
  /** Page numbers in the order their rows came. */
  pagesAnswered: number[]
  /** Called after each query, answered or failed. */
  onAnswer: () => void
}

// The sources below read 3 ranges at once whatever round trip a busy machine measures (pages-at-once.ts).

/** The contact ids read until the end or a failure, and how many queries ran when the failure reached the loop. */
async function readUntilFailure(database: Database, options: ReadOptions, watch: Watch) {
  const source = createMysqlSource({ url: scratch.url, password: '', database, pagesAtOnce: 3 })
  const ids: number[] = []
  try {
    for await (const record of source.records('Contacts', options)) ids.push(Number(record.id))
    return { ids, failure: undefined, runningAtFailure: 0 }
  } catch (failure) {
    return { ids, failure: failure as Error, runningAtFailure: watch.running }
  } finally {
    await source.close()
  }
}

async function contactIds(database: Database, options: ReadOptions): Promise<number[]> {
  const source = createMysqlSource({ url: scratch.url, password: '', database, pagesAtOnce: 3 })
  try {
    const ids: number[] = []
    for await (const record of source.records('Contacts', options)) ids.push(Number(record.id))
    return ids
  } finally {
    await source.close()
  }
}

function range(from: number, count: number, step: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i * step)
}

async function idsBySql(where: string): Promise<number[]> {
  const rows = (await scratch.admin(`SELECT id FROM x2_contacts ${where} ORDER BY id`)) as { id: number }[]
  return rows.map((row) => row.id)
}

describe('MySQL record paging: a keyset page, then pages read side by side by id range', () => {
  it('gives every row once, ascending, across id gaps, at any page size', async () => {
    const all = await idsBySql('')
    expect(all.length).toBeGreaterThan(400)
    for (const pageSize of [1, 7, 1000]) {
      const { database } = watchedDatabase()
      expect(await contactIds(database, { pageSize }), `pageSize ${pageSize}`).toEqual(all)
    }
  })

  it('ends right after a full first page with nothing after it, and reads a table of one page in one query', async () => {
    const all = await idsBySql('')
    const lastSeven = all.slice(-7)
    const full = watchedDatabase()
    expect(await contactIds(full.database, { pageSize: 7, afterId: all.at(-8) })).toEqual(lastSeven)
    const small = watchedDatabase()
    expect(await contactIds(small.database, { pageSize: 1000 })).toEqual(all)
    expect(small.watch.pagesAnswered).toEqual([])
  })

  it('keeps the filters and afterId: only matching rows after it, however sparse', async () => {
    const { database } = watchedDatabase()
    const ids = await contactIds(database, { pageSize: 7, afterId: 2150, filters: { lastName: 'Odd' } })
    expect(ids).toEqual(await idsBySql("WHERE id > 2150 AND lastName = 'Odd'"))
    expect(ids).toContain(1_000_001)
    expect(ids).not.toContain(5_000_000)
  })

  it('yields pages in id order when later pages answer first, with 3 ranges read at once', async () => {
    let twoOthersAnswered!: () => void
    const twoOthers = new Promise<void>((resolve) => (twoOthersAnswered = resolve))
    const { database, watch } = watchedDatabase(async (call, watch) => {
      if (call.kind !== 'page' || call.n !== 1) return
      // Page 1 is held until pages 2 and 3 have answered.
      watch.onAnswer = () => {
        if (watch.pagesAnswered.length >= 2) twoOthersAnswered()
      }
      await twoOthers
    })
    expect(await contactIds(database, { pageSize: 7 })).toEqual(await idsBySql(''))
    // Pages 2 and 3 (in either order), then the held page 1.
    expect(watch.pagesAnswered.slice(0, 2).sort()).toEqual([2, 3])
    expect(watch.pagesAnswered[2]).toBe(1)
    // 3 ranges read ahead, and at times the rest of a range that held more than its LIMIT (read before the next).
    expect(watch.mostPagesRunning).toBeGreaterThanOrEqual(3)
    expect(watch.mostPagesRunning).toBeLessThanOrEqual(4)
  })

  it('reads as many ranges at once as pagesAtOnce says', async () => {
    const { database, watch } = watchedDatabase()
    const source = createMysqlSource({ url: scratch.url, password: '', database, pagesAtOnce: 6 })
    try {
      const ids: number[] = []
      for await (const record of source.records('Contacts', { pageSize: 7 })) ids.push(Number(record.id))
      expect(ids).toEqual(await idsBySql(''))
      expect(watch.mostPagesRunning).toBeGreaterThanOrEqual(6)
      expect(watch.mostPagesRunning).toBeLessThanOrEqual(7)
    } finally {
      await source.close()
    }
  })

  it('a failing page: the pages before it, then its error, once no query is left running', async () => {
    let failedAfter: number | undefined
    const { database, watch } = watchedDatabase((call) => {
      // The 5th page: the first is read by keyset.
      if (call.kind === 'page' && call.n === 4) {
        failedAfter = Number(call.params[0])
        throw new Error('connection lost')
      }
    })
    const { ids, failure, runningAtFailure } = await readUntilFailure(database, { pageSize: 7 }, watch)
    expect(failure).toBeInstanceOf(MigrationError)
    expect(failure?.message).toMatch(/Reading Contacts \(x2_contacts\) after id \d+ to \d+ .*connection lost/)
    expect(runningAtFailure).toBe(0)
    // Every row up to the failed range's start, in order, and none after.
    expect(ids).toEqual(await idsBySql(`WHERE id <= ${failedAfter}`))
    expect(ids.length).toBeGreaterThanOrEqual(28)
  })

  it('a failing highest-id query: the first page, then its error', async () => {
    const { database, watch } = watchedDatabase((call) => {
      if (call.kind === 'top') throw new Error('max refused')
    })
    const { ids, failure, runningAtFailure } = await readUntilFailure(database, { pageSize: 7 }, watch)
    expect(failure).toBeInstanceOf(MigrationError)
    expect(failure?.message).toMatch(/Reading the highest id of Contacts \(x2_contacts\) .*max refused/)
    expect(runningAtFailure).toBe(0)
    expect(ids).toEqual((await idsBySql('')).slice(0, 7))
  })

  it('reads a run denser than its range expected whole: the rest of a cut range before the next', async () => {
    // Pages of 7 learned over ids spaced 10 apart, then a run of 100 consecutive ids: the first range over the run
    // holds far more than its LIMIT (14).
    const dense = await createScratchDatabase('paging_dense', { load: FIXTURE_SQL })
    try {
      await dense.admin('DELETE FROM x2_contacts')
      const ids = [...range(10, 30, 10), ...range(400, 100, 1), ...range(600, 20, 10)]
      await dense.admin('INSERT INTO x2_contacts (id, firstName, lastName, name, visibility) VALUES ?', [
        ids.map((id) => [id, `F${id}`, 'L', `F${id} L`, 1]),
      ])
      const inner = openDatabase({ address: parseMysqlUrl(dense.url), password: '' })
      const source = createMysqlSource({ url: dense.url, password: '', database: inner })
      try {
        const read: number[] = []
        for await (const record of source.records('Contacts', { pageSize: 7 })) read.push(Number(record.id))
        expect(read).toEqual(ids)
      } finally {
        await source.close()
      }
    } finally {
      await dense.drop()
    }
  })

  it('reads rows added above the highest id while it reads', async () => {
    const all = await idsBySql('')
    const top = all.at(-1) ?? 0
    let added = false
    const { database } = watchedDatabase(async (call) => {
      // Once the ranges are being read, two rows past the highest id come in.
      if (call.kind !== 'page' || added) return
      added = true
      await scratch.admin('INSERT INTO x2_contacts (id, firstName, lastName, name, visibility) VALUES ?', [
        [
          [top + 1, 'New', 'One', 'New One', 1],
          [top + 50, 'New', 'Two', 'New Two', 1],
        ],
      ])
    })
    try {
      expect(await contactIds(database, { pageSize: 7 })).toEqual([...all, top + 1, top + 50])
    } finally {
      await scratch.admin('DELETE FROM x2_contacts WHERE id > ?', [top])
    }
  })

  it('a consumer that stops early waits for the queries still running', async () => {
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    const { database, watch } = watchedDatabase(async (call) => {
      if (call.kind !== 'page') return
      if (call.n === 3) threeStarted()
      await released
    })
    let threeStarted!: () => void
    const three = new Promise<void>((resolve) => (threeStarted = resolve))
    const source = createMysqlSource({ url: scratch.url, password: '', database, pagesAtOnce: 3 })
    try {
      const records = source.records('Contacts', { pageSize: 7 })[Symbol.asyncIterator]()
      expect((await records.next()).done).toBe(false)
      // The consumer holds the first page; the next 3 are being read.
      await three
      expect(watch.pagesRunning).toBe(3)
      let stopped = false
      const stopping = records.return?.().then(() => (stopped = true))
      for (let i = 0; i < 20; i++) await Promise.resolve()
      expect(stopped).toBe(false)
      release()
      await stopping
      expect(watch.running).toBe(0)
    } finally {
      await source.close()
    }
  })
})
