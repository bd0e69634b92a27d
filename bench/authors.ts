/**
 * What creating records as their X2CRM authors costs (CallerObjectId: one request per author within each bulk call)
 * against creating them all as the application user, under Dataverse's service protection limits for one
 * application user:
 *
 *   npm run bench:authors -- [--accounts 2000] [--contacts 3000]
 *
 * X2CRM's API gives an author (`createdBy`) on quotes and documents only; to measure the worst case, every generated
 * account and contact is given one (a random active user, each with an Entra ID user in Dataverse). Time is simulated
 * (bench/virtual-time.ts): the simulator runs with its cost model, latency and limits on a virtual clock. Prints, for
 * each way, the requests, 429s, simulated seconds and records/s of the migration.
 */
import { parseArgs } from 'node:util'
import { createDataverseSimulator } from '../sim/dataverse/index.ts'
import type { ProtectionLimits } from '../sim/dataverse/protection.ts'
import { generate } from '../sim/seed/generate.ts'
import { createX2crmSimulator } from '../sim/x2crm/index.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from '../src/cli/demo-users.ts'
import type { Fetch } from '../src/http/fetch.ts'
import { createSqliteLedger } from '../src/ledger/sqlite.ts'
import { defaultMapping } from '../src/mapping/default-map.ts'
import { migrate } from '../src/run/migrate.ts'
import { createX2crmClient } from '../src/source/x2crm/client.ts'
import { createAppUserTarget } from '../src/target/dataverse/app-user.ts'
import { createMsalTokenProvider } from '../src/target/dataverse/auth.ts'
import { createVirtualTime } from './virtual-time.ts'

const LIMITS: ProtectionLimits = {
  requestsPerWindow: 6000,
  windowSeconds: 300,
  executionSecondsPerWindow: 1200,
  concurrent: 52,
  dopHint: 4,
}

const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: '2000' },
    contacts: { type: 'string', default: '3000' },
  },
})
const generated = generate({ seed: 16, accounts: Number(values.accounts), contacts: Number(values.contacts) })
const authors = generated.dataset.users
  .filter((u) => u['status'] === 1 && u['username'] !== 'api')
  .map((u) => String(u['username']))
let turn = 0
for (const entity of ['Accounts', 'Contacts'])
  for (const record of generated.dataset.records[entity] ?? [])
    (record as Record<string, unknown>)['createdBy'] = authors[turn++ % authors.length]

function inProcess(handle: (request: Request) => Promise<Response>): Fetch {
  return (input, init) =>
    handle(input instanceof Request && init === undefined ? input : new Request(input, init))
}

async function measure(impersonateAuthors: boolean) {
  const time = createVirtualTime(Date.UTC(2026, 0, 5, 9))
  const x2crm = createX2crmSimulator({ data: generated.dataset })
  const dataverse = createDataverseSimulator({
    origin: 'https://127.0.0.1:8443',
    clock: time.now,
    costModel: {},
    latency: { sleep: time.sleep },
    limits: LIMITS,
  })
  dataverse.seed('systemuser', demoSystemUsers(generated.dataset.users))
  const settings = dataverse.settings()
  const fetch = inProcess(dataverse.handle)
  const { target } = createAppUserTarget({
    name: settings.clientId,
    url: settings.url,
    fetch,
    getToken: createMsalTokenProvider({ ...settings, fetch }).getToken,
    now: time.now,
    sleep: time.sleep,
    maxAttempts: 1000,
  })
  const source = createX2crmClient({
    url: 'http://127.0.0.1',
    username: 'admin',
    apiKey: generated.dataset.apiKeys['admin'] ?? '',
    fetch: inProcess(x2crm.handle),
  })
  const ledger = createSqliteLedger(':memory:')
  const base = defaultMapping()
  const mapping = {
    ...base,
    settings: {
      publisherPrefix: 'new_',
      sourceIdColumn: 'new_x2crmid',
      tags: { mode: 'none' as const },
      impersonateAuthors,
    },
  }
  const started = time.now()
  const result = await migrate(
    { instance: 'bench', mapping, batchSize: 100, defaultOwnerEmail: DEMO_DEFAULT_OWNER },
    { source, target, ledger, emit: () => undefined, now: () => new Date(time.now()) },
  )
  const seconds = (time.now() - started) / 1000
  const stats = dataverse.stats()
  const asAuthor = dataverse
    .rows('account')
    .filter(
      (r) => r['_createdonbehalfby_value'] !== undefined && r['_createdonbehalfby_value'] !== null,
    ).length
  await ledger.close()
  return {
    impersonateAuthors,
    records: result.processed,
    requests: stats.requests,
    throttled: stats.throttled,
    seconds,
    asAuthor,
  }
}

console.log(
  `Migrating ${values.accounts} accounts + ${values.contacts} contacts, authors among ${authors.length} users, one app user (virtual clock).`,
)
const off = await measure(false)
const on = await measure(true)
for (const m of [off, on]) {
  console.log(
    `impersonateAuthors ${String(m.impersonateAuthors).padEnd(5)}  records ${m.records}  requests ${m.requests}  ` +
      `throttled ${m.throttled}  simulated ${m.seconds.toFixed(1)} s  ${(m.records / m.seconds).toFixed(0)} records/s  ` +
      `accounts created as their author ${m.asAuthor}`,
  )
}
console.log(
  `cost of impersonation: ${(((on.seconds - off.seconds) / off.seconds) * 100).toFixed(0)}% more simulated time, ${on.requests - off.requests} more requests`,
)
