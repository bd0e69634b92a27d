/**
 * Loading strategies compared on the Dataverse simulator, in one run, in real time:
 *
 *   npm run bench -- [--rows 5000] [--budget 20] [--only adaptive]
 *
 * Each strategy gets a fresh simulator (two application users, the simulator's cost model and real latency, so a
 * request takes as long as Microsoft's published sample timings say) and loads up to `--rows` accounts, for at most
 * `--budget` seconds; rows/s is measured on what it loaded. The ratio is to the one-at-a-time baseline of the same
 * run. This is a benchmark, not a test: it sleeps for real.
 */
import { parseArgs } from 'node:util'
import { createDataverseSimulator, type DataverseSimOptions, realLatency } from '../sim/dataverse/index.ts'
import type { Handler } from '../sim/serve.ts'
import type { Fetch } from '../src/http/fetch.ts'
import { ACCOUNT } from '../src/mapping/default-map.ts'
import { targetIdFor } from '../src/mapping/target-id.ts'
import { createAppUserTarget } from '../src/target/dataverse/app-user.ts'
import { createMsalTokenProvider } from '../src/target/dataverse/auth.ts'
import type { BatchSizeOptions } from '../src/target/dataverse/batch-size.ts'
import { createLoader, type LoaderEvent, type LoadMethod } from '../src/target/dataverse/loader.ts'
import type { TargetRow } from '../src/target/dataverse/types.ts'

interface Strategy {
  key: string
  label: string
  method: LoadMethod
  batchSize: BatchSizeOptions
  /** Concurrency cap per user; undefined = adaptive (x-ms-dop-hint, up to 52). */
  concurrency?: number
  users: number
}

const strategies: Strategy[] = [
  {
    key: 'single',
    label: 'PATCH upsert one at a time, concurrency 1',
    method: 'single',
    batchSize: { initial: 1, min: 1, max: 1 },
    concurrency: 1,
    users: 1,
  },
  {
    key: 'batch',
    label: '$batch of 100 (change set per row), concurrency 1',
    method: 'batch',
    batchSize: { initial: 100, min: 100, max: 100 },
    concurrency: 1,
    users: 1,
  },
  {
    key: 'bulk',
    label: 'UpsertMultiple of 100, concurrency 1',
    method: 'bulk',
    batchSize: { initial: 100, min: 100, max: 100 },
    concurrency: 1,
    users: 1,
  },
  {
    key: 'adaptive',
    label: 'UpsertMultiple, adaptive size and concurrency, 1 user',
    method: 'bulk',
    batchSize: { initial: 100 },
    users: 1,
  },
  {
    key: 'adaptive-2',
    label: 'UpsertMultiple, adaptive size and concurrency, 2 users',
    method: 'bulk',
    batchSize: { initial: 100 },
    users: 2,
  },
]

const APPS = [
  { clientId: '0b3e6f00-0000-4000-8000-00000000b001', clientSecret: 'bench-secret-1~x' },
  { clientId: '0b3e6f00-0000-4000-8000-00000000b002', clientSecret: 'bench-secret-2~x' },
]

interface Measured {
  strategy: Strategy
  rows: number
  seconds: number
  rejected: number
  requests: number
  throttled: number
  maxConcurrency: number
  finalBatchSize: number
}

async function measure(strategy: Strategy, rowCount: number, budgetMs: number): Promise<Measured> {
  const simOptions: DataverseSimOptions = {
    origin: 'https://127.0.0.1:8443',
    appUsers: APPS,
    costModel: {},
    latency: realLatency,
  }
  const sim = createDataverseSimulator(simOptions)
  const settings = sim.settings()
  const fetch = fetchFor(sim.handle)
  const tokens = APPS.slice(0, strategy.users).map((app) => ({
    app,
    provider: createMsalTokenProvider({
      authority: settings.authority,
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      scope: settings.scope,
      fetch,
    }),
  }))
  // Tokens first: the measurement is about loading, not about MSAL's first round trip.
  await Promise.all(tokens.map(({ provider }) => provider.getToken()))
  const users = tokens.map(({ app, provider }) =>
    createAppUserTarget({
      name: app.clientId,
      url: settings.url,
      fetch,
      getToken: provider.getToken,
      ...(strategy.concurrency === undefined
        ? {}
        : { max: strategy.concurrency, initialConcurrency: strategy.concurrency }),
    }),
  )

  let maxConcurrency = 0
  let finalBatchSize = 0
  const onEvent = (event: LoaderEvent) => {
    if (event.type === 'chunk.loaded') finalBatchSize = event.nextSize
    const inFlight = users.reduce((sum, user) => sum + user.limiter.snapshot().inFlight, 0)
    maxConcurrency = Math.max(maxConcurrency, inFlight)
  }
  const loader = createLoader({
    targets: users,
    table: ACCOUNT,
    method: strategy.method,
    batchSize: strategy.batchSize,
    onEvent,
  })
  const requestsBefore = sim.stats().requests
  const started = performance.now()
  const deadline = started + budgetMs
  let loaded = 0
  let rejected = 0
  for await (const { results } of loader.load(
    accountBatches(rowCount, 10, () => performance.now() < deadline),
  )) {
    for (const result of results) {
      if (result.status === 'loaded') loaded++
      else rejected++
    }
  }
  const seconds = (performance.now() - started) / 1000
  const stats = sim.stats()
  if (sim.rows('account').length !== loaded) {
    throw new Error(
      `${strategy.key}: ${loaded} rows reported loaded, the simulator holds ${sim.rows('account').length}`,
    )
  }
  return {
    strategy,
    rows: loaded,
    seconds,
    rejected,
    requests: stats.requests - requestsBefore,
    throttled: stats.throttled,
    maxConcurrency,
    finalBatchSize,
  }
}

/** Accounts in batches, until `count` rows or until `more()` says the time budget is spent. */
async function* accountBatches(
  count: number,
  size: number,
  more: () => boolean,
): AsyncGenerator<TargetRow[]> {
  for (let start = 0; start < count && more(); start += size) {
    yield Array.from({ length: Math.min(size, count - start) }, (_, i) => {
      const n = start + i + 1
      return {
        targetId: targetIdFor('bench', 'Accounts', n),
        values: {
          name: `Bench Account ${n}`,
          telephone1: `+1 555 ${String(n).padStart(4, '0')}`,
          websiteurl: `https://account-${n}.example.com`,
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

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '5000' },
      budget: { type: 'string', default: '20' },
      only: { type: 'string', multiple: true },
    },
  })
  const rowCount = Number(values.rows)
  const budgetSeconds = Number(values.budget)
  if (!Number.isInteger(rowCount) || rowCount < 1)
    throw new Error(`--rows: expected a positive integer, got ${values.rows}`)
  if (!(budgetSeconds > 0)) throw new Error(`--budget: expected seconds > 0, got ${values.budget}`)
  const only = values.only ?? []
  const chosen = strategies.filter((s) => s.key === 'single' || only.length === 0 || only.includes(s.key))

  console.log(
    `Dataverse load strategies on the simulator: ${rowCount} accounts each, at most ${budgetSeconds} s per strategy.\n` +
      'Latency is simulated (simulator cost model: round trip 30 ms; PATCH 70 ms; $batch part 40 ms; ' +
      'UpsertMultiple 20 ms per row; x-ms-dop-hint 4; service protection per user).\n',
  )
  const results: Measured[] = []
  for (const strategy of chosen) {
    process.stdout.write(`  ${strategy.label} … `)
    const measured = await measure(strategy, rowCount, budgetSeconds * 1000)
    results.push(measured)
    console.log(`${(measured.rows / measured.seconds).toFixed(1)} rows/s`)
  }
  const baseline = results[0]
  const baseRate = baseline ? baseline.rows / baseline.seconds : 1
  console.log('')
  const header = [
    'strategy',
    'rows',
    'seconds',
    'rows/s',
    'x baseline',
    'requests',
    '429s',
    'max in flight',
    'batch size at end',
  ]
  const rows = results.map((m) => [
    m.strategy.label,
    `${m.rows}${m.rows < rowCount ? ` (of ${rowCount}, budget)` : ''}`,
    m.seconds.toFixed(1),
    (m.rows / m.seconds).toFixed(1),
    `${(m.rows / m.seconds / baseRate).toFixed(1)}x`,
    String(m.requests),
    String(m.throttled),
    String(m.maxConcurrency),
    String(m.finalBatchSize),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')
  console.log(line(header))
  console.log(line(widths.map((w) => '-'.repeat(w))))
  for (const r of rows) console.log(line(r))
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error))
  process.exitCode = 1
})
