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
import { generate } from '../sim/seed/generate.ts'
import { limitedSimulators } from './limited-sims.ts'
import { DEMO_DEFAULT_OWNER } from '../src/cli/demo-users.ts'
import { createSqliteLedger } from '../src/ledger/sqlite.ts'
import { defaultMapping } from '../src/mapping/default-map.ts'
import { migrate } from '../src/run/migrate.ts'

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

async function measure(impersonateAuthors: boolean) {
  const { time, dataverse, target, source } = limitedSimulators(generated.dataset)
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
