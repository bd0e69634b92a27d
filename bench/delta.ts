/**
 * What a cutover delta costs next to the migration it follows, both measured in this run on the same data:
 *
 *   npx tsx bench/delta.ts [--accounts 10000] [--contacts 20000] [--changed 0.01]
 *
 * Both simulators run in process (no sockets, no cost model: this measures x2d365's own work plus the simulators').
 * The migration loads every record; then a share of the records changes in X2CRM (half of them without a new
 * lastUpdated), a few are deleted and added, and `delta` finds and loads them; a second delta finds nothing. Prints
 * seconds, records compared per second, and the ratio delta ÷ migration.
 */
import { parseArgs } from 'node:util'
import { createDataverseSimulator } from '../sim/dataverse/index.ts'
import { applyCutoverChanges } from '../sim/seed/cutover-changes.ts'
import { generate } from '../sim/seed/generate.ts'
import { createX2crmSimulator } from '../sim/x2crm/index.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from '../src/cli/demo-users.ts'
import type { Fetch } from '../src/http/fetch.ts'
import { createSqliteLedger } from '../src/ledger/sqlite.ts'
import { defaultMapping } from '../src/mapping/default-map.ts'
import { delta } from '../src/run/delta.ts'
import { migrate } from '../src/run/migrate.ts'
import { createX2crmClient } from '../src/source/x2crm/client.ts'
import { createMsalTokenProvider } from '../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../src/target/dataverse/client.ts'

const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: '10000' },
    contacts: { type: 'string', default: '20000' },
    changed: { type: 'string', default: '0.01' },
  },
})
const accounts = Number(values.accounts)
const contacts = Number(values.contacts)
const share = Number(values.changed)

const generated = generate({ seed: 3, accounts, contacts })
const x2crm = createX2crmSimulator({ data: generated.dataset })
const dataverse = createDataverseSimulator()
dataverse.seed('systemuser', demoSystemUsers(generated.dataset.users))
const inProcess =
  (handle: (request: Request) => Promise<Response>): Fetch =>
  (input, init) =>
    handle(input instanceof Request && init === undefined ? input : new Request(input, init))
const settings = dataverse.settings()
const dataverseFetch = inProcess(dataverse.handle)
const target = createDataverseClient({
  url: settings.url,
  fetch: dataverseFetch,
  getToken: createMsalTokenProvider({ ...settings, fetch: dataverseFetch }).getToken,
})
const source = createX2crmClient({
  url: 'http://127.0.0.1',
  username: 'admin',
  apiKey: generated.dataset.apiKeys['admin'] ?? '',
  fetch: inProcess(x2crm.handle),
})
const ledger = createSqliteLedger(':memory:')
const deps = { source, target, ledger, emit: () => undefined, now: () => new Date() }
const options = {
  instance: 'bench',
  mapping: defaultMapping(),
  batchSize: 100,
  defaultOwnerEmail: DEMO_DEFAULT_OWNER,
}

const migrated = await migrate(options, deps)
const records = accounts + contacts
console.log(
  `migrate: ${records} records in ${migrated.seconds.toFixed(1)}s (${Math.round(records / migrated.seconds)} rec/s)`,
)

// The cutover window: the demo's changes, plus `share` of the contacts edited (half without a new lastUpdated).
applyCutoverChanges(x2crm, generated.dataset, Math.floor(Date.now() / 1000))
const all = generated.dataset.records['Contacts'] ?? []
const step = Math.max(1, Math.round(1 / share))
let edited = 0
for (let i = 0; i < all.length; i += step) {
  const contact = all[i]
  if (contact === undefined || contact['visibility'] === 0) continue
  const stamp = edited % 2 === 0 ? { lastUpdated: Math.floor(Date.now() / 1000) } : {}
  x2crm.upsert('Contacts', { ...contact, title: `Edited ${i}`, ...stamp })
  edited++
}

const first = await delta(options, deps)
const found = first.entities.reduce(
  (n, e) => ({
    changed: n.changed + e.found.changed,
    fresh: n.fresh + e.found.new - e.retried,
    gone: n.gone + e.found.deleted,
  }),
  { changed: 0, fresh: 0, gone: 0 },
)
const second = await delta(options, deps)
const writes = second.reconciliation.phases.reduce((n, p) => n + p.created + p.updated + p.deleted, 0)

console.log(
  `delta: compared ${records} records, found ${found.changed} changed, ${found.fresh} new, ${found.gone} deleted, in ` +
    `${first.seconds.toFixed(1)}s (${Math.round(records / first.seconds)} compared/s); balanced ${first.reconciliation.balanced}`,
)
console.log(`delta again (nothing changed): ${second.seconds.toFixed(1)}s, ${writes} rows written`)
console.log(
  `ratio delta ÷ migrate: ${(first.seconds / migrated.seconds).toFixed(2)}; idle delta ÷ migrate: ${(second.seconds / migrated.seconds).toFixed(2)}`,
)
await ledger.close()
