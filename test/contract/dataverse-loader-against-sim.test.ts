import { describe, expect, it } from 'vitest'
import { createDataverseSimulator, type DataverseSimOptions } from '../../sim/dataverse/index.ts'
import { ACCOUNT } from '../../src/mapping/default-map.ts'
import { targetIdFor } from '../../src/mapping/target-id.ts'
import { createAppUserTarget } from '../../src/target/dataverse/app-user.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createLoader, type LoadedBatch, type LoaderEvent } from '../../src/target/dataverse/loader.ts'
import type { TableRef, TargetRow } from '../../src/target/dataverse/types.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'

const TASK: TableRef = { logicalName: 'task', entitySet: 'tasks', primaryId: 'activityid' }
const APPS = [
  { clientId: '0a5d3c1e-1111-4c1e-9a8e-000000000001', clientSecret: 'secret-one~x' },
  { clientId: '0a5d3c1e-2222-4c1e-9a8e-000000000002', clientSecret: 'secret-two~x' },
]

/** The simulator with two application users, a loader user per app (own MSAL token, own limiter), one fake clock. */
function connect(options: DataverseSimOptions = {}) {
  let now = Date.parse('2026-11-26T00:00:00Z')
  const waits: number[] = []
  const sleep = async (ms: number) => {
    waits.push(ms)
    now += ms
    await new Promise((resolve) => setImmediate(resolve))
  }
  const sim = createDataverseSimulator({
    origin: 'https://127.0.0.1:8443',
    clock: () => now,
    appUsers: APPS,
    ...options,
  })
  const settings = sim.settings()
  const fetch = fetchFor(sim.handle)
  const users = APPS.map((app) =>
    createAppUserTarget({
      name: app.clientId,
      url: settings.url,
      fetch,
      getToken: createMsalTokenProvider({
        authority: settings.authority,
        clientId: app.clientId,
        clientSecret: app.clientSecret,
        scope: settings.scope,
        fetch,
      }).getToken,
      sleep,
      now: () => now,
      suppressFlows: true,
    }),
  )
  return { sim, users, waits, now: () => now }
}

async function* batchesOf(rows: readonly TargetRow[], size: number) {
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size)
}

async function collect(iterable: AsyncIterable<LoadedBatch>) {
  const out: LoadedBatch[] = []
  for await (const batch of iterable) out.push(batch)
  return out.flatMap((batch) => batch.results)
}

const accounts = (n: number, name = (i: number) => `Account ${i}`): TargetRow[] =>
  Array.from({ length: n }, (_, i) => ({
    targetId: targetIdFor('test', 'Accounts', i + 1),
    values: { name: name(i + 1) },
  }))

describe('bulk loader against the simulator', () => {
  it('loads with UpsertMultiple across two application users, quarantining the bad row with the server message', async () => {
    const { sim, users, now } = connect()
    const events: LoaderEvent[] = []
    const rows = accounts(600, (i) => (i === 250 ? 'x'.repeat(161) : `Account ${i}`))
    const loader = createLoader({
      targets: users,
      table: ACCOUNT,
      batchSize: { initial: 50 },
      now,
      onEvent: (event) => events.push(event),
    })
    const results = await collect(loader.load(batchesOf(rows, 100)))

    expect(results.map((r) => r.targetId)).toEqual(rows.map((r) => r.targetId))
    expect(results.filter((r) => r.status === 'rejected')).toEqual([
      expect.objectContaining({
        targetId: rows[249]?.targetId,
        httpStatus: 400,
        code: '0x80044331',
        reason: expect.stringContaining("exceeded the maximum allowed length of '160'") as unknown,
      }),
    ])
    expect(sim.rows('account')).toHaveLength(599)
    expect(sim.stats().byOperation['UpsertMultiple']).toBeGreaterThan(0)
    const byUser = new Set(
      events.filter((e) => e.type === 'chunk.sent').map((e) => (e as { user: string }).user),
    )
    expect(byUser).toEqual(new Set(APPS.map((a) => a.clientId)))
    // The dop hint (4) set each user's concurrency.
    expect(users.map((u) => u.limiter.snapshot().limit).every((limit) => limit >= 4)).toBe(true)
  })

  it('falls back to $batch on a table without UpsertMultiple and keeps per-row results', async () => {
    const { sim, users, now } = connect()
    const events: LoaderEvent[] = []
    const rows: TargetRow[] = Array.from({ length: 120 }, (_, i) => ({
      targetId: targetIdFor('test', 'Actions', i + 1),
      values: { subject: i === 70 ? 's'.repeat(201) : `Call back ${i + 1}` },
    }))
    const loader = createLoader({ targets: users, table: TASK, now, onEvent: (event) => events.push(event) })
    const results = await collect(loader.load(batchesOf(rows, 40)))

    expect(events.filter((e) => e.type === 'method.fallback')).toHaveLength(1)
    expect(results.map((r) => r.targetId)).toEqual(rows.map((r) => r.targetId))
    expect(results.filter((r) => r.status === 'rejected').map((r) => r.targetId)).toEqual([
      rows[70]?.targetId,
    ])
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({
      httpStatus: 400,
      code: '0x80044331',
    })
    expect(sim.rows('task')).toHaveLength(119)
    // Each row went as an Upsert inside a $batch (one change set each), not one request per row.
    expect(sim.stats().byOperation['Upsert']).toBe(120)
    expect(sim.stats().requests).toBeLessThan(20)
  })

  it('waits out the 429s of service protection and loads everything', async () => {
    const { sim, users, waits, now } = connect({ throttleEvery: 5, retryAfterSeconds: 2 })
    const rows = accounts(400)
    const loader = createLoader({
      targets: users,
      table: ACCOUNT,
      batchSize: { initial: 20, min: 20, max: 20 },
      now,
    })
    const results = await collect(loader.load(batchesOf(rows, 100)))

    expect(results.every((r) => r.status === 'loaded')).toBe(true)
    expect(sim.rows('account')).toHaveLength(400)
    expect(sim.stats().throttled).toBeGreaterThan(0)
    expect(waits.filter((w) => w === 2000).length).toBeGreaterThan(0)
  })
})
