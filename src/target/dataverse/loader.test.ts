import { describe, expect, it } from 'vitest'
import { HttpError, MigrationError } from '../../errors.ts'
import type { Fetch } from '../../http/fetch.ts'
import { RequestTimeoutError } from '../../http/send-with-retry.ts'
import { createUserLimiter } from '../../http/user-limiter.ts'
import { type AppUserTarget, createAppUserTarget } from './app-user.ts'
import { createLoader, type LoadedBatch, type LoaderEvent } from './loader.ts'
import type { DataverseBulkTarget, RowResult, TableRef, TargetRow } from './types.ts'

const contact: TableRef = { logicalName: 'contact', entitySet: 'contacts', primaryId: 'contactid' }

const aRow = (n: number, lastname = `Row ${n}`): TargetRow => ({
  targetId: `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`,
  values: { lastname },
})

const refusal = (message: string) =>
  new HttpError({ method: 'POST', url: 'https://org.test/api/data/v9.2/contacts' }, 400, {
    error: { code: '0x80044331', message },
  })

async function* batchesOf(rows: readonly TargetRow[], size: number): AsyncGenerator<TargetRow[]> {
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size)
}

async function collect(iterable: AsyncIterable<LoadedBatch>): Promise<LoadedBatch[]> {
  const out: LoadedBatch[] = []
  for await (const batch of iterable) out.push(batch)
  return out
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve))

/** A fake table behind a fake user: all or nothing like a standard table; rows named "bad" are refused. */
function fakeUser(name: string, options: { limit?: number; onCall?: (size: number) => void } = {}) {
  const calls: { size: number; inFlight: number }[] = []
  const loaded: string[] = []
  let batchCalls = 0
  let inFlight = 0
  let maxInFlight = 0
  const check = (rows: readonly TargetRow[]) => {
    const bad = rows.find((row) => row.values['lastname'] === 'bad')
    if (bad) throw refusal(`row ${bad.targetId} is bad`)
  }
  const target: DataverseBulkTarget = {
    async upsertMultiple(_table, rows) {
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      calls.push({ size: rows.length, inFlight })
      options.onCall?.(rows.length)
      try {
        await tick()
        check(rows)
        loaded.push(...rows.map((row) => row.targetId))
      } finally {
        inFlight--
      }
    },
    createMultiple: () => Promise.reject(new Error('not used')),
    updateMultiple: () => Promise.reject(new Error('not used')),
    // The $batch that isolates a refused chunk's bad rows: each row alone, one request.
    async batch(_table, rows) {
      calls.push({ size: rows.length, inFlight })
      batchCalls++
      await tick()
      return rows.map((row): RowResult => {
        if (row.values['lastname'] !== 'bad') {
          loaded.push(row.targetId)
          return { status: 'loaded', targetId: row.targetId }
        }
        const reason = `row ${row.targetId} is bad`
        return { status: 'rejected', targetId: row.targetId, httpStatus: 400, code: '0x80044331', reason }
      })
    },
    update: () => Promise.reject(new Error('not used')),
    delete: () => Promise.reject(new Error('not used')),
    upsert: () => Promise.reject(new Error('not used')),
    query: () => {
      throw new Error('not used')
    },
  }
  const user: AppUserTarget = {
    name,
    target,
    limiter: createUserLimiter({ initial: options.limit ?? 4, user: name }),
  }
  return { user, calls, loaded, maxInFlight: () => maxInFlight, batchCalls: () => batchCalls }
}

describe('createLoader', () => {
  it('yields every input batch in order with one result per row, in order, quarantining refused rows', async () => {
    const rows = Array.from({ length: 230 }, (_, i) =>
      aRow(i + 1, [17, 150].includes(i) ? 'bad' : `Row ${i}`),
    )
    const { user, loaded, batchCalls } = fakeUser('app-1')
    const loader = createLoader({
      targets: [user],
      table: contact,
      batchSize: { initial: 40, min: 40, max: 40 },
    })
    const batches = await collect(loader.load(batchesOf(rows, 30)))
    // Each refused chunk went again once, row by row in one $batch: two bad rows, two chunks, two requests.
    expect(batchCalls()).toBe(2)

    expect(batches.map((b) => b.rows.length)).toEqual([30, 30, 30, 30, 30, 30, 30, 20])
    const results = batches.flatMap((b) => b.results)
    expect(results.map((r) => r.targetId)).toEqual(rows.map((r) => r.targetId))
    expect(results.filter((r) => r.status === 'rejected')).toEqual([
      {
        status: 'rejected',
        targetId: aRow(18).targetId,
        httpStatus: 400,
        code: '0x80044331',
        reason: `row ${aRow(18).targetId} is bad`,
      },
      {
        status: 'rejected',
        targetId: aRow(151).targetId,
        httpStatus: 400,
        code: '0x80044331',
        reason: `row ${aRow(151).targetId} is bad`,
      },
    ])
    expect(new Set(loaded).size).toBe(228)
  })

  it('stops when its signal is aborted: sends nothing more, finishes the calls in flight, drops unfinished batches', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => aRow(i + 1))
    const controller = new AbortController()
    const { user, loaded, calls } = fakeUser('app-1', {
      // The third call is in flight when the stop comes.
      onCall: () => void (calls.length === 3 && controller.abort()),
    })
    const loader = createLoader({
      targets: [user],
      table: contact,
      batchSize: { initial: 40, min: 40, max: 40 },
      signal: controller.signal,
    })
    const batches = await collect(loader.load(batchesOf(rows, 30)))
    expect(calls).toHaveLength(3)
    expect(loaded).toHaveLength(120)
    // The four batches of 30 the three calls of 40 loaded whole are handed back; nothing of the fifth was sent.
    expect(batches.map((b) => b.rows.length)).toEqual([30, 30, 30, 30])
    expect(batches.flatMap((b) => b.results).every((r) => r.status === 'loaded')).toBe(true)
  })

  it('keeps reading when the read-ahead buffer fills and drains with nothing in flight', async () => {
    // A one-slot user and a buffer of two batches: after each drain the loader must read on, not wait forever.
    const rows = Array.from({ length: 500 }, (_, i) => aRow(i + 1))
    const { user, loaded } = fakeUser('app-1', { limit: 1 })
    const loader = createLoader({
      targets: [user],
      table: contact,
      batchSize: { initial: 100, min: 100, max: 100 },
      maxBufferedRows: 200,
    })
    // A consumer that takes its time (it writes the ledger), so the calls in flight finish while it works.
    const batches: LoadedBatch[] = []
    for await (const batch of loader.load(batchesOf(rows, 100))) {
      batches.push(batch)
      for (let i = 0; i < 5; i++) await tick()
    }
    expect(batches).toHaveLength(5)
    expect(new Set(loaded).size).toBe(500)
  })

  it('shares the work between two application users, each within its own limit', async () => {
    const one = fakeUser('app-1', { limit: 3 })
    const two = fakeUser('app-2', { limit: 3 })
    const rows = Array.from({ length: 1000 }, (_, i) => aRow(i + 1))
    const loader = createLoader({
      targets: [one.user, two.user],
      table: contact,
      batchSize: { initial: 50, min: 50, max: 50 },
    })
    const results = (await collect(loader.load(batchesOf(rows, 100)))).flatMap((b) => b.results)

    expect(results.every((r) => r.status === 'loaded')).toBe(true)
    expect(one.calls.length + two.calls.length).toBe(20)
    expect(one.calls.length).toBeGreaterThanOrEqual(5)
    expect(two.calls.length).toBeGreaterThanOrEqual(5)
    expect(one.maxInFlight()).toBeGreaterThan(1)
    expect(one.maxInFlight()).toBeLessThanOrEqual(3)
    expect(two.maxInFlight()).toBeLessThanOrEqual(3)
    expect(new Set([...one.loaded, ...two.loaded]).size).toBe(1000)
  })

  it('pauses every worker of a user until Retry-After has passed after a 429, and halves its concurrency', async () => {
    let now = 0
    const sleep = async (ms: number) => {
      const until = now + ms
      await tick()
      now = Math.max(now, until)
    }
    let throttledAt: number | undefined
    const arrivals: { at: number; afterThrottle: boolean }[] = []
    let calls = 0
    // A fake Web API: UpsertMultiple answers 204 with a dop hint of 4, except the 3rd call: 429, Retry-After 3 s.
    const fetch: Fetch = async (input) => {
      const url = String(input instanceof Request ? input.url : input)
      expect(url).toContain('UpsertMultiple')
      arrivals.push({ at: now, afterThrottle: throttledAt !== undefined })
      await tick()
      const headers = { 'x-ms-dop-hint': '4' }
      if (++calls === 3) {
        return Response.json(
          { error: { code: '0x80072322', message: 'Number of requests exceeded the limit of 6000.' } },
          { status: 429, headers: { ...headers, 'Retry-After': '3' } },
        )
      }
      return new Response(null, { status: 204, headers })
    }
    const user = createAppUserTarget({
      name: 'app-1',
      url: 'https://org.test',
      fetch,
      getToken: async () => 'token',
      sleep,
      now: () => now,
      initialConcurrency: 4,
      onThrottle: () => void (throttledAt ??= now),
    })
    const events: LoaderEvent[] = []
    const loader = createLoader({
      targets: [user],
      table: contact,
      batchSize: { initial: 10, min: 10, max: 10 },
      now: () => now,
      onEvent: (event) => events.push(event),
    })
    const rows = Array.from({ length: 200 }, (_, i) => aRow(i + 1))
    const results = (await collect(loader.load(batchesOf(rows, 50)))).flatMap((b) => b.results)

    expect(results.map((r) => r.status)).toEqual(rows.map(() => 'loaded'))
    expect(throttledAt).toBe(0)
    const after = arrivals.filter((a) => a.afterThrottle)
    expect(after.length).toBeGreaterThan(10)
    // Nothing at all was sent while the pause lasted.
    expect(after.every((a) => a.at >= 3000)).toBe(true)
    expect(arrivals).toHaveLength(21) // 20 calls + the one retried after the 429
    expect(user.limiter.snapshot().limit).toBe(2)
    expect(events.filter((e) => e.type === 'chunk.loaded')).toHaveLength(20)
  })

  it('falls back to $batch when the table does not support UpsertMultiple', async () => {
    const { user } = fakeUser('app-1')
    const batched: number[] = []
    user.target.upsertMultiple = () =>
      Promise.reject(
        new HttpError({ method: 'POST', url: 'https://org.test/api/data/v9.2/emails' }, 400, {
          error: {
            code: '0x80040800',
            message: "The 'UpsertMultiple' method does not support entities of type 'email'.",
          },
        }),
      )
    user.target.batch = async (_table, rows) => {
      batched.push(rows.length)
      return rows.map((row): RowResult => ({ status: 'loaded', targetId: row.targetId }))
    }
    const events: LoaderEvent[] = []
    const loader = createLoader({
      targets: [user],
      table: contact,
      batchSize: { initial: 25, min: 25, max: 25 },
      onEvent: (event) => events.push(event),
    })
    const results = (
      await collect(
        loader.load(
          batchesOf(
            Array.from({ length: 100 }, (_, i) => aRow(i + 1)),
            100,
          ),
        ),
      )
    ).flatMap((b) => b.results)
    expect(results.filter((r) => r.status === 'loaded')).toHaveLength(100)
    expect(batched.reduce((a, b) => a + b, 0)).toBe(100)
    expect(events.filter((e) => e.type === 'method.fallback')).toHaveLength(1)
  })

  it('sends smaller batches after a timeout and loads every row', async () => {
    const sizes: number[] = []
    const { user } = fakeUser('app-1', {
      limit: 1,
      onCall: (size) => {
        sizes.push(size)
        if (size > 30) throw new RequestTimeoutError({ method: 'POST', url: 'https://org.test/x' }, 120_000)
      },
    })
    const loader = createLoader({ targets: [user], table: contact, batchSize: { initial: 100 } })
    const results = (
      await collect(
        loader.load(
          batchesOf(
            Array.from({ length: 100 }, (_, i) => aRow(i + 1)),
            100,
          ),
        ),
      )
    ).flatMap((b) => b.results)
    expect(results.map((r) => r.targetId)).toEqual(
      Array.from({ length: 100 }, (_, i) => aRow(i + 1).targetId),
    )
    expect(results.every((r) => r.status === 'loaded')).toBe(true)
    expect(sizes.slice(0, 3)).toEqual([100, 50, 25])
  })

  it('sends a chunk again when it is still throttled after the client retries, and gives up after too many in a row', async () => {
    const throttled = new HttpError({ method: 'POST', url: 'https://org.test/x' }, 429, {
      error: { code: '0x80072321', message: 'Combined execution time of incoming requests exceeded limit' },
    })
    let calls = 0
    const { user, loaded } = fakeUser('app-1', {
      limit: 1,
      onCall: () => {
        if (++calls <= 3) throw throttled
      },
    })
    const events: LoaderEvent[] = []
    const loader = createLoader({
      targets: [user],
      table: contact,
      batchSize: { initial: 10, min: 10, max: 10 },
      onEvent: (e) => events.push(e),
    })
    const rows = Array.from({ length: 30 }, (_, i) => aRow(i + 1))
    const results = (await collect(loader.load(batchesOf(rows, 10)))).flatMap((b) => b.results)
    expect(results.map((r) => r.status)).toEqual(rows.map(() => 'loaded'))
    expect(new Set(loaded)).toEqual(new Set(rows.map((r) => r.targetId)))
    expect(events.filter((e) => e.type === 'chunk.throttled')).toHaveLength(3)

    const always = fakeUser('app-2')
    always.user.target.upsertMultiple = () => Promise.reject(throttled)
    const stubborn = createLoader({ targets: [always.user], table: contact, maxConsecutiveThrottles: 2 })
    await expect(collect(stubborn.load(batchesOf(rows, 10)))).rejects.toBe(throttled)
  })

  it('stops on a systemic failure and throws it', async () => {
    const { user } = fakeUser('app-1')
    const forbidden = new HttpError({ method: 'POST', url: 'https://org.test/x' }, 403, {
      error: { code: '0x80040220', message: 'Principal user is missing prvCreateContact privilege' },
    })
    user.target.upsertMultiple = () => Promise.reject(forbidden)
    const loader = createLoader({ targets: [user], table: contact })
    const error = await collect(loader.load(batchesOf([aRow(1), aRow(2)], 2))).catch((e: unknown) => e)
    expect(error).toBe(forbidden)
    expect(error).toBeInstanceOf(MigrationError)
  })
})
