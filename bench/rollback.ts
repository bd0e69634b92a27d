/**
 * What undoing a migration costs, row by row (one PATCH or DELETE per row, the old way) against in bulk
 * (UpdateMultiple / UpsertMultiple to restore, `$batch` of up to 1,000 DELETEs), under Dataverse's service protection
 * limits for one application user:
 *
 *   npm run bench:rollback -- [--accounts 2000] [--contacts 3000] [--only row|bulk]
 *
 * Time is simulated (bench/virtual-time.ts): the Dataverse simulator runs with its cost model, latency and limits
 * (6,000 requests and 1,200 s of execution per 5 minutes) on a virtual clock, so minutes of waiting out 429s take
 * seconds of real time. For each way, a fresh simulator, one migration of the generated records, then its rollback.
 * Prints the rollback's requests, 429s, simulated seconds, and the ratios.
 */
import { parseArgs } from 'node:util'
import { generate } from '../sim/seed/generate.ts'
import { LIMITS, limitedSimulators } from './limited-sims.ts'
import { DEMO_DEFAULT_OWNER } from '../src/cli/demo-users.ts'
import { createSqliteLedger } from '../src/ledger/sqlite.ts'
import { defaultMapping } from '../src/mapping/default-map.ts'
import { migrate } from '../src/run/migrate.ts'
import { rollback, type RollbackMethod } from '../src/run/rollback.ts'

const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: '2000' },
    contacts: { type: 'string', default: '3000' },
    only: { type: 'string', multiple: true },
  },
})
const accounts = Number(values.accounts)
const contacts = Number(values.contacts)
const methods = (['row', 'bulk'] as const).filter(
  (m) => (values.only ?? []).length === 0 || values.only?.includes(m),
)

const generated = generate({ seed: 16, accounts, contacts })

interface Measured {
  method: RollbackMethod
  rows: number
  requests: number
  throttled: number
  seconds: number
  verified: boolean
  realSeconds: number
}

async function measure(method: RollbackMethod): Promise<Measured> {
  const realStart = performance.now()
  const { time, dataverse, target, source } = limitedSimulators(generated.dataset)
  const ledger = createSqliteLedger(':memory:')
  const now = () => new Date(time.now())
  const deps = { source, target, ledger, emit: () => undefined, now }
  const mapping = defaultMapping()
  await migrate({ instance: 'bench', mapping, batchSize: 100, defaultOwnerEmail: DEMO_DEFAULT_OWNER }, deps)
  const before = dataverse.stats()
  const started = time.now()
  const { verified, deleted, restored } = await rollback({ mapping, method, batchSize: 100 }, deps)
  const after = dataverse.stats()
  await ledger.close()
  return {
    method,
    rows: deleted + restored,
    requests: after.requests - before.requests,
    throttled: after.throttled - before.throttled,
    seconds: (time.now() - started) / 1000,
    verified,
    realSeconds: (performance.now() - realStart) / 1000,
  }
}

console.log(
  `Rolling back a migration of ${accounts} accounts + ${contacts} contacts, one app user, ` +
    `limits ${LIMITS.requestsPerWindow} requests and ${LIMITS.executionSecondsPerWindow} s of execution per ` +
    `${LIMITS.windowSeconds} s (virtual clock).`,
)
const results: Measured[] = []
for (const method of methods) {
  const m = await measure(method)
  results.push(m)
  console.log(
    `${m.method.padEnd(4)}  rows ${m.rows}  requests ${m.requests}  throttled (429) ${m.throttled}  ` +
      `simulated ${m.seconds.toFixed(1)} s  verified ${m.verified}  (real ${m.realSeconds.toFixed(1)} s)`,
  )
}
const [row, bulk] = [results.find((r) => r.method === 'row'), results.find((r) => r.method === 'bulk')]
if (row && bulk) {
  console.log(
    `bulk vs row: ${(row.requests / bulk.requests).toFixed(1)}× fewer requests, ` +
      `${(row.seconds / bulk.seconds).toFixed(1)}× faster (simulated)`,
  )
}
if (results.some((r) => !r.verified)) process.exitCode = 1
