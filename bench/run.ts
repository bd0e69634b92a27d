/**
 * Our loader against what Dataverse's service protection limits allow, and against two common ways of loading, in one
 * run on the Dataverse simulator (cost model, latency and service protection per application user):
 *
 *   npm run bench -- [--minutes 10] [--only single|batch10|loader-1|loader-3]… [--buffer 10000] [--verbose]
 *                    [--json bench/results/last.json]   (--json '' writes no file)
 *
 * Time is simulated (bench/virtual-time.ts): the simulator's clock and latency and the client's clock and sleeps all
 * run on one virtual clock that jumps ahead whenever every request is waiting, so 10 simulated minutes (two
 * 5-minute windows of the execution-time and request limits) take seconds of real time, and the numbers do not
 * depend on the machine. Each strategy gets a fresh simulator and loads accounts for `--minutes` of simulated time;
 * rows/s is rows loaded ÷ simulated seconds until its last call came back.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { defaultCostModel, createDataverseSimulator } from '../sim/dataverse/index.ts'
import type { ProtectionLimits } from '../sim/dataverse/protection.ts'
import type { Handler } from '../sim/serve.ts'
import type { Fetch } from '../src/http/fetch.ts'
import { createLimitedFetch, type Slot, type UserLimiter } from '../src/http/user-limiter.ts'
import { retryDelayMs } from '../src/http/retry-delay.ts'
import { ACCOUNT } from '../src/mapping/default-map.ts'
import { targetIdFor } from '../src/mapping/target-id.ts'
import { type AppUserTarget, createAppUserTarget } from '../src/target/dataverse/app-user.ts'
import { createMsalTokenProvider } from '../src/target/dataverse/auth.ts'
import type { BatchSizeOptions } from '../src/target/dataverse/batch-size.ts'
import { createDataverseClient } from '../src/target/dataverse/client.ts'
import { createLoader, type LoaderEvent, type LoadMethod } from '../src/target/dataverse/loader.ts'
import type { TargetRow } from '../src/target/dataverse/types.ts'
import { createVirtualTime, type VirtualTime } from './virtual-time.ts'

/** The simulator's defaults (sim/dataverse/index.ts), per application user. */
const LIMITS: ProtectionLimits = {
  requestsPerWindow: 6000,
  windowSeconds: 300,
  executionSecondsPerWindow: 1200,
  concurrent: 52,
  dopHint: 4,
}
const COSTS = defaultCostModel
/** Dataverse's guidance caps a bulk call at 1,000 rows (as our batch sizing does). */
const MAX_BATCH = 1000

interface Strategy {
  key: string
  label: string
  users: number
  /** Fixed-behaviour client (a baseline) or our adaptive loader. */
  kind: 'baseline' | 'loader'
  method: LoadMethod
  batchSize: BatchSizeOptions
  /** Baselines: requests in flight, fixed. */
  connections?: number
}

const strategies: Strategy[] = [
  {
    key: 'single',
    label: `baseline: one PATCH upsert per row, ${LIMITS.dopHint} connections (x-ms-dop-hint)`,
    users: 1,
    kind: 'baseline',
    method: 'single',
    batchSize: { initial: 1, min: 1, max: 1 },
    connections: LIMITS.dopHint,
  },
  {
    key: 'batch10',
    label: 'baseline: $batch of 10 rows, 16 connections',
    users: 1,
    kind: 'baseline',
    method: 'batch',
    batchSize: { initial: 10, min: 10, max: 10 },
    connections: 16,
  },
  {
    key: 'loader-1',
    label: 'our loader (UpsertMultiple, adaptive), 1 app user',
    users: 1,
    kind: 'loader',
    method: 'bulk',
    batchSize: {},
  },
  {
    key: 'loader-3',
    label: 'our loader (UpsertMultiple, adaptive), 3 app users',
    users: 3,
    kind: 'loader',
    method: 'bulk',
    batchSize: {},
  },
]

const APPS = [1, 2, 3].map((n) => ({
  clientId: `0b3e6f00-0000-4000-8000-00000000b00${n}`,
  clientSecret: `bench-secret-${n}~x`,
}))

/** Distinct accounts: later rows upsert earlier ones again (same cost), so the simulator's memory stays bounded. */
const ID_POOL = 50_000

/**
 * What the limits allow one user, in rows/s, sustained over whole windows: the tightest of the execution-time budget
 * (UpsertMultiple's per-row cost; the round trip is not execution time), the request limit (at 1,000 rows a call)
 * and the concurrency limit (52 calls of 1,000 rows in flight).
 */
function allowedRowsPerSecond(): {
  rate: number
  byLimit: { executionTime: number; requests: number; concurrency: number }
} {
  const window = LIMITS.windowSeconds
  const byLimit = {
    executionTime: (LIMITS.executionSecondsPerWindow * 1000) / window / COSTS.upsertMultipleTargetMs,
    requests: (LIMITS.requestsPerWindow / window) * MAX_BATCH,
    concurrency:
      (LIMITS.concurrent * MAX_BATCH * 1000) / (COSTS.roundTripMs + MAX_BATCH * COSTS.upsertMultipleTargetMs),
  }
  return { rate: Math.min(...Object.values(byLimit)), byLimit }
}

interface Measured {
  key: string
  label: string
  users: number
  rows: number
  seconds: number
  rowsPerSecond: number
  requests: number
  throttled: number
  maxInFlight: number
  batchSizeAtEnd: number
  realSeconds: number
}

interface RunOptions {
  /** The loader's maxBufferedRows (its default when undefined). */
  buffer?: number
  /** Print every 429. */
  verbose: boolean
}

async function measure(strategy: Strategy, simulatedSeconds: number, options: RunOptions): Promise<Measured> {
  const realStart = performance.now()
  const time = createVirtualTime(Date.UTC(2026, 0, 5, 9))
  const apps = APPS.slice(0, strategy.users)
  const sim = createDataverseSimulator({
    origin: 'https://127.0.0.1:8443',
    appUsers: apps,
    clock: time.now,
    costModel: {},
    latency: { sleep: jittered(time.sleep) },
    limits: LIMITS,
  })
  const settings = sim.settings()
  const fetch = fetchFor(sim.handle)
  const providers = apps.map((app) => ({
    app,
    provider: createMsalTokenProvider({
      authority: settings.authority,
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      scope: settings.scope,
      fetch,
    }),
  }))
  await Promise.all(providers.map(({ provider }) => provider.getToken()))

  const started = time.now()
  const users: AppUserTarget[] = providers.map(({ app, provider }) => {
    if (strategy.kind === 'loader') {
      return createAppUserTarget({
        name: app.clientId,
        url: settings.url,
        fetch,
        getToken: provider.getToken,
        now: time.now,
        sleep: time.sleep,
        ...(options.verbose
          ? {
              onThrottle: (info: { retryAfterMs: number; limit: number }) =>
                console.log(
                  `429 at ${((time.now() - started) / 1000).toFixed(1)} s: retry after ${info.retryAfterMs} ms, limit ${info.limit}`,
                ),
            }
          : {}),
      })
    }
    // A common tool: a fixed number of connections, each waiting out Retry-After and trying again (no give-up).
    const limiter = createFixedLimiter(strategy.connections ?? 1, time, (retryAfterMs) => {
      if (options.verbose)
        console.log(`429 at ${((time.now() - started) / 1000).toFixed(1)} s: retry after ${retryAfterMs} ms`)
    })
    const target = createDataverseClient({
      url: settings.url,
      fetch: createLimitedFetch(fetch, limiter),
      getToken: provider.getToken,
      sleep: time.sleep,
      maxAttempts: 1000,
    })
    return { name: app.clientId, target, limiter }
  })

  const deadline = started + simulatedSeconds * 1000
  let maxInFlight = 0
  let batchSizeAtEnd = 0
  let loaded = 0
  let rejected = 0
  const onEvent = (event: LoaderEvent) => {
    if (event.type === 'chunk.loaded' && time.now() <= deadline) {
      batchSizeAtEnd = event.nextSize
      loaded += event.loaded
      rejected += event.rejected
    }
    const inFlight = users.reduce((sum, user) => sum + user.limiter.snapshot().inFlight, 0)
    maxInFlight = Math.max(maxInFlight, inFlight)
  }
  const loader = createLoader({
    targets: users,
    table: ACCOUNT,
    method: strategy.method,
    batchSize: strategy.batchSize,
    now: time.now,
    ...(options.buffer === undefined ? {} : { maxBufferedRows: options.buffer }),
    onEvent,
  })
  // Rows loaded by the deadline count; then the input ends with an error, which stops the loader.
  try {
    for await (const batch of loader.load(accountBatches(100, () => time.now() < deadline))) void batch
  } catch (error) {
    if (!(error instanceof DeadlineReached)) throw error
  }
  if (rejected > 0)
    throw new Error(`${strategy.key}: ${rejected} rows rejected; the bench rows should all load`)
  const held = sim.rows('account').length
  if (held < Math.min(loaded, ID_POOL) || held > ID_POOL) {
    throw new Error(`${strategy.key}: ${loaded} rows reported loaded, the simulator holds ${held} accounts`)
  }
  const seconds = simulatedSeconds
  const stats = sim.stats()
  return {
    key: strategy.key,
    label: strategy.label,
    users: strategy.users,
    rows: loaded,
    seconds,
    rowsPerSecond: loaded / seconds,
    requests: stats.requests,
    throttled: stats.throttled,
    maxInFlight,
    batchSizeAtEnd,
    realSeconds: (performance.now() - realStart) / 1000,
  }
}

/**
 * A fixed number of requests in flight; after a 429 nobody sends until its Retry-After has passed (what the Dataverse
 * SDKs and most tools do), but the number of connections never changes.
 */
function createFixedLimiter(
  limit: number,
  time: VirtualTime,
  onThrottle?: (retryAfterMs: number) => void,
): UserLimiter {
  let inFlight = 0
  let pausedUntil = 0
  let waiters: (() => void)[] = []
  const wake = () => {
    const woken = waiters
    waiters = []
    for (const resolve of woken) resolve()
  }
  const isOpen = () => time.now() >= pausedUntil
  const whenOpen = async () => {
    for (let wait = pausedUntil - time.now(); wait > 0; wait = pausedUntil - time.now())
      await time.sleep(wait)
  }
  const tryAcquire = (): Slot | undefined => {
    if (!isOpen() || inFlight >= limit) return undefined
    inFlight++
    let released = false
    return {
      release() {
        if (released) return
        released = true
        inFlight--
        wake()
      },
    }
  }
  const whenAvailable = async () => {
    for (;;) {
      await whenOpen()
      if (inFlight < limit) return
      await new Promise<void>((resolve) => waiters.push(resolve))
    }
  }
  return {
    tryAcquire,
    isOpen,
    whenOpen,
    whenAvailable,
    async acquire() {
      for (;;) {
        await whenAvailable()
        const slot = tryAcquire()
        if (slot) return slot
      }
    },
    observe(response) {
      if (response.status !== 429) return
      const retryAfterMs = retryDelayMs(response, 1, () => 1, time.now)
      onThrottle?.(retryAfterMs)
      pausedUntil = Math.max(pausedUntil, time.now() + retryAfterMs)
    },
    snapshot: () => ({ limit, inFlight, pausedUntil }),
  }
}

/**
 * Latency that varies by ±10 % (the execution time booked does not): on a real network calls of the same size do not
 * all come back in the same millisecond. Without it the virtual clock keeps every worker in lockstep, and all of a
 * user's workers reach the server at one instant, which no real client does. Seeded: every run gets the same numbers.
 */
function jittered(sleep: (ms: number) => Promise<void>): (ms: number) => Promise<void> {
  let seed = 0x2d365
  const random = () => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return (ms) => sleep(ms * (0.9 + 0.2 * random()))
}

class DeadlineReached extends Error {}

/** Accounts in batches of `size`, for as long as `more()` says so; then a DeadlineReached error. */
async function* accountBatches(size: number, more: () => boolean): AsyncGenerator<TargetRow[]> {
  for (let start = 0; ; start += size) {
    if (!more()) throw new DeadlineReached('simulated time is up')
    yield Array.from({ length: size }, (_, i) => {
      const n = start + i
      const id = n % ID_POOL
      return {
        targetId: targetIdFor('bench', 'Accounts', id),
        values: {
          name: `Bench Account ${id} (${n})`,
          telephone1: `+1 555 ${String(id).padStart(5, '0')}`,
          websiteurl: `https://account-${id}.example.com`,
          address1_city: ['Seattle', 'Berlin', 'Lyon', 'Osaka'][n % 4],
        },
      }
    })
  }
}

function fetchFor(handler: Handler): Fetch {
  return (input, init) =>
    handler(input instanceof Request && init === undefined ? input : new Request(input, init))
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '10' },
      only: { type: 'string', multiple: true },
      json: { type: 'string', default: 'bench/results/last.json' },
      buffer: { type: 'string' },
      verbose: { type: 'boolean', default: false },
    },
  })
  const minutes = Number(values.minutes)
  if (!(minutes > 0) || minutes > 50) {
    throw new Error(
      `--minutes: expected simulated minutes in (0, 50] (tokens last an hour), got ${values.minutes}`,
    )
  }
  const buffer = values.buffer === undefined ? undefined : Number(values.buffer)
  if (buffer !== undefined && !(Number.isInteger(buffer) && buffer > 0)) {
    throw new Error(`--buffer: expected rows > 0 (the loader's maxBufferedRows), got ${values.buffer}`)
  }
  const only = values.only ?? []
  const chosen = strategies.filter((s) => only.length === 0 || only.includes(s.key))
  const allowed = allowedRowsPerSecond()

  console.log(
    `Loading accounts into the Dataverse simulator for ${minutes} simulated minutes per strategy (virtual clock).\n` +
      `Limits per app user: ${LIMITS.requestsPerWindow} requests and ${LIMITS.executionSecondsPerWindow} s of execution ` +
      `per ${LIMITS.windowSeconds} s, ${LIMITS.concurrent} concurrent, x-ms-dop-hint ${LIMITS.dopHint}.\n` +
      `Costs: round trip ${COSTS.roundTripMs} ms (not execution); PATCH ${COSTS.writeMs} ms; $batch part ` +
      `${COSTS.batchWriteMs} ms; UpsertMultiple ${COSTS.upsertMultipleTargetMs} ms per row.\n` +
      `What the limits allow one user: ${allowed.rate.toFixed(0)} rows/s (execution time ` +
      `${allowed.byLimit.executionTime.toFixed(0)}, requests ${allowed.byLimit.requests.toFixed(0)}, concurrency ` +
      `${allowed.byLimit.concurrency.toFixed(0)} rows/s at ${MAX_BATCH} rows a call).\n`,
  )
  const results: Measured[] = []
  for (const strategy of chosen) {
    process.stdout.write(`  ${strategy.label} … `)
    const m = await measure(strategy, minutes * 60, { buffer, verbose: values.verbose })
    results.push(m)
    console.log(`${m.rowsPerSecond.toFixed(1)} rows/s (${m.realSeconds.toFixed(1)} s real)`)
  }

  const byKey = new Map(results.map((m) => [m.key, m]))
  const rate = (key: string) => byKey.get(key)?.rowsPerSecond
  console.log(
    '\n' +
      table(
        [
          'strategy',
          'users',
          'rows',
          'sim s',
          'rows/s',
          'of allowed',
          'requests',
          '429s',
          'max in flight',
          'batch at end',
        ],
        results.map((m) => [
          m.label,
          String(m.users),
          String(m.rows),
          m.seconds.toFixed(0),
          m.rowsPerSecond.toFixed(1),
          (m.rowsPerSecond / (allowed.rate * m.users)).toFixed(2),
          String(m.requests),
          String(m.throttled),
          String(m.maxInFlight),
          String(m.batchSizeAtEnd),
        ]),
      ),
  )

  const loader1 = rate('loader-1')
  const loader3 = rate('loader-3')
  const single = rate('single')
  const batch10 = rate('batch10')
  const goals: { what: string; value: number; goal: string; met: boolean }[] = []
  if (loader1 !== undefined) {
    const fraction = loader1 / allowed.rate
    goals.push({
      what: 'loader, 1 user: of what the limits allow',
      value: fraction,
      goal: '≥ 0.90',
      met: fraction >= 0.9,
    })
    if (single !== undefined)
      goals.push({
        what: 'loader ÷ one request per row',
        value: loader1 / single,
        goal: '> 1',
        met: loader1 > single,
      })
    if (batch10 !== undefined)
      goals.push({
        what: 'loader ÷ $batch 10 on 16 connections',
        value: loader1 / batch10,
        goal: '> 1',
        met: loader1 > batch10,
      })
    if (loader3 !== undefined)
      goals.push({
        what: 'loader, 3 users ÷ 1 user',
        value: loader3 / loader1,
        goal: '≥ 2.70',
        met: loader3 / loader1 >= 2.7,
      })
  }
  if (goals.length > 0) {
    console.log(
      '\n' +
        table(
          ['measure', 'value', 'goal', 'met'],
          goals.map((g) => [g.what, g.value.toFixed(2), g.goal, g.met ? 'yes' : 'NO']),
        ),
    )
  }

  if (values.json !== '') {
    mkdirSync(new URL('.', `file://${process.cwd()}/${values.json}`), { recursive: true })
    writeFileSync(
      values.json,
      JSON.stringify(
        { simulatedMinutes: minutes, limits: LIMITS, costs: COSTS, allowed, results, goals },
        null,
        2,
      ) + '\n',
    )
    console.log(`\nNumbers written to ${values.json}`)
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error))
  process.exitCode = 1
})
