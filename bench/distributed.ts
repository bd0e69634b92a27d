/**
 * Distributed migration: what 3 workers, each with one application user, load against what 1 worker loads, on the
 * Dataverse simulator with its cost model, latency and service protection limits per application user:
 *
 *   npm run bench:distributed -- [--accounts 3000] [--contacts 30000] [--chunk 1000] [--workers 1,3]
 *
 * Each case migrates the same generated X2CRM (in-process simulator) into a fresh Dataverse simulator through the
 * real coordinator and workers (`coordinate`, `work`), sharing a PostgreSQL ledger and pg-boss queue in a scratch
 * schema on 127.0.0.1 (PG_URL to change it). Time is simulated (bench/virtual-time.ts); a PostgreSQL round trip holds
 * the clock (it counts as instant: the ledger is not what limits a migration, Dataverse is), and so does the CPU work
 * of extracting and transforming: what is measured is what the limits of each application user allow. The figure is
 * the rows written per simulated second over the whole run, barriers between phases included.
 */
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { createDataverseSimulator, defaultCostModel } from '../sim/dataverse/index.ts'
import type { ProtectionLimits } from '../sim/dataverse/protection.ts'
import { generate } from '../sim/seed/generate.ts'
import { createX2crmSimulator } from '../sim/x2crm/index.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from '../src/cli/demo-users.ts'
import { createPostgresLedger } from '../src/ledger/postgres.ts'
import { defaultMapping } from '../src/mapping/default-map.ts'
import { coordinate } from '../src/run/distributed/coordinate.ts'
import { openRunQueue } from '../src/run/distributed/run-queue.ts'
import { work } from '../src/run/distributed/work.ts'
import type { RunEvent } from '../src/run/events.ts'
import { createX2crmClient } from '../src/source/x2crm/client.ts'
import { createAppUserTarget } from '../src/target/dataverse/app-user.ts'
import { createMsalTokenProvider } from '../src/target/dataverse/auth.ts'
import { fetchFor } from '../test/helpers/handler-fetch.ts'
import { createVirtualTime } from './virtual-time.ts'

const { values: args } = parseArgs({
  options: {
    accounts: { type: 'string', default: '3000' },
    contacts: { type: 'string', default: '30000' },
    chunk: { type: 'string', default: '1000' },
    workers: { type: 'string', default: '1,3' },
  },
})
const PG_URL = process.env['PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'

/** The simulator's defaults (sim/dataverse/index.ts), per application user. */
const LIMITS: ProtectionLimits = {
  requestsPerWindow: 6000,
  windowSeconds: 300,
  executionSecondsPerWindow: 1200,
  concurrent: 52,
  dopHint: 4,
}
const APPS = [1, 2, 3, 4].map((n) => ({
  clientId: `0b3e6f00-0000-4000-8000-00000000c00${n}`,
  clientSecret: `bench-secret-${n}~x`,
}))

// Every query of node-postgres (the ledger's and pg-boss's) holds the simulated clock until it answers.
let pgInFlight = 0
// eslint-disable-next-line @typescript-eslint/unbound-method -- applied with its own `this` below
const query = pg.Client.prototype.query as (...a: unknown[]) => unknown
pg.Client.prototype.query = function (this: pg.Client, ...a: unknown[]) {
  const result = query.apply(this, a)
  if (result instanceof Promise) {
    pgInFlight++
    void result.finally(() => pgInFlight--).catch(() => {})
  }
  return result
} as typeof pg.Client.prototype.query

interface Measured {
  workers: number
  rows: number
  seconds: number
  rowsPerSecond: number
  throttled: number
  realSeconds: number
}

async function measure(workers: number): Promise<Measured> {
  const realStart = performance.now()
  const time = createVirtualTime(Date.UTC(2026, 0, 5, 9), () => pgInFlight > 0)
  const generated = generate({ seed: 3, accounts: Number(args.accounts), contacts: Number(args.contacts) })
  const x2crm = createX2crmSimulator({ data: generated.dataset })
  const apps = APPS.slice(0, workers)
  const sim = createDataverseSimulator({
    origin: 'https://127.0.0.1:8443',
    appUsers: apps,
    clock: time.now,
    costModel: defaultCostModel,
    latency: { sleep: time.sleep },
    limits: LIMITS,
  })
  sim.seed('systemuser', demoSystemUsers(generated.dataset.users))
  const settings = sim.settings()
  const fetch = fetchFor(sim.handle)
  const source = () =>
    createX2crmClient({
      url: 'http://127.0.0.1',
      username: 'admin',
      apiKey: generated.dataset.apiKeys['admin'] ?? '',
      fetch: fetchFor(x2crm.handle),
    })
  const schema = `x2d365_bench_${randomBytes(4).toString('hex')}`
  const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${schema}`
  const ledgers = [] as Awaited<ReturnType<typeof createPostgresLedger>>[]
  const open = async () => {
    const ledger = await createPostgresLedger(url)
    ledgers.push(ledger)
    return ledger
  }
  const options = {
    instance: 'bench',
    mapping: defaultMapping(),
    batchSize: 100,
    defaultOwnerEmail: DEMO_DEFAULT_OWNER,
  }
  let rows = 0
  const emit = (event: RunEvent) => {
    if (event.type === 'batch.loaded') rows += event.counts.created + event.counts.updated
  }
  const debug = process.env['DEBUG_BENCH']
    ? setInterval(
        () =>
          console.error('t', (time.now() - Date.UTC(2026, 0, 5, 9)) / 1000, 'rows', rows, 'pg', pgInFlight),
        2000,
      )
    : undefined
  try {
    const coordinatorLedger = await open()
    const started = time.now()
    const coordinating = coordinate(
      { ...options, chunkSize: Number(args.chunk), pollMs: 1000 },
      {
        source: source(),
        target: appUser(0).target,
        ledger: coordinatorLedger,
        openQueue: (runId) => openRunQueue(coordinatorLedger, runId),
        emit: () => undefined,
        now: () => new Date(time.now()),
        sleep: time.sleep,
      },
    )
    const working = apps.map(async (_, n) => {
      const ledger = await open()
      const writer = appUser(n)
      return work(
        { ...options, worker: `w${n + 1}`, pollMs: 500, waitForRunMs: 600_000 },
        {
          source: source(),
          target: writer.target,
          writers: [writer],
          ledger,
          openQueue: (runId) => openRunQueue(ledger, runId),
          emit,
          now: () => new Date(time.now()),
          sleep: time.sleep,
        },
      )
    })
    const result = await coordinating
    await Promise.all(working)
    const seconds = (time.now() - started) / 1000
    if (!result.reconciliation.balanced)
      throw new Error(`${workers} workers: the reconciliation does not balance`)
    return {
      workers,
      rows,
      seconds,
      rowsPerSecond: rows / seconds,
      throttled: sim.stats().throttled,
      realSeconds: (performance.now() - realStart) / 1000,
    }
  } finally {
    if (debug) clearInterval(debug)
    for (const ledger of ledgers) await ledger.close()
    const admin = new pg.Client({ connectionString: PG_URL })
    await admin.connect()
    await admin.query(
      `DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${schema}_queue CASCADE`,
    )
    await admin.end()
  }

  function appUser(n: number) {
    const app = apps[n] ?? APPS[0]
    if (app === undefined) throw new Error('no app user')
    return createAppUserTarget({
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
      now: time.now,
      sleep: time.sleep,
    })
  }
}

const results: Measured[] = []
for (const workers of (args.workers ?? '1,3').split(',').map(Number)) {
  const m = await measure(workers)
  results.push(m)
  console.log(
    `${m.workers} worker(s), 1 app user each: ${m.rows} rows in ${m.seconds.toFixed(1)} simulated s = ` +
      `${m.rowsPerSecond.toFixed(1)} rows/s (${m.throttled} throttled; ${m.realSeconds.toFixed(1)} s real)`,
  )
}
const one = results.find((r) => r.workers === 1)
for (const r of results) {
  if (one !== undefined && r !== one)
    console.log(`${r.workers} workers load ${(r.rowsPerSecond / one.rowsPerSecond).toFixed(2)}× what 1 loads`)
}
