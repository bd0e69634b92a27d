/**
 * What `verify --all` costs on a generated source, and how often it reads each X2CRM class:
 *
 *   npx tsx bench/verify-reads.ts [--accounts 300] [--contacts 1500] [--runs 3] [--sample N]
 *
 * Both simulators in process, no limits: one migration of the generated records (default map, timeline included:
 * actions of every kind), then `verify` `--runs` times. Prints, per verify, wall and CPU seconds (this process's
 * user + system: the simulators run in it too) and the X2CRM list pages served per class.
 */
import { parseArgs } from 'node:util'
import { createDataverseSimulator } from '../sim/dataverse/index.ts'
import { generate } from '../sim/seed/generate.ts'
import { createX2crmSimulator, FIXTURE_ADMIN_KEY } from '../sim/x2crm/index.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from '../src/cli/demo-users.ts'
import { createMemoryLedger } from '../src/ledger/memory.ts'
import { defaultMapping } from '../src/mapping/default-map.ts'
import { migrate } from '../src/run/migrate.ts'
import { verify } from '../src/run/verify.ts'
import { createX2crmClient } from '../src/source/x2crm/client.ts'
import { createMsalTokenProvider } from '../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../src/target/dataverse/client.ts'
import { fetchFor } from '../test/helpers/handler-fetch.ts'

const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: '300' },
    contacts: { type: 'string', default: '1500' },
    runs: { type: 'string', default: '3' },
    sample: { type: 'string' },
  },
})

const { dataset } = generate({
  seed: 9,
  accounts: Number(values.accounts),
  contacts: Number(values.contacts),
  timeline: true,
})
const x2crm = createX2crmSimulator({ data: dataset })
const dataverse = createDataverseSimulator({})
dataverse.seed('systemuser', demoSystemUsers(dataset.users))
const settings = dataverse.settings()
const dataverseFetch = fetchFor(dataverse.handle)
const x2crmFetch = fetchFor(x2crm.handle)
// List pages served per class (`Actions?…`), counted while a verify runs.
const listed = new Map<string, number>()
const source = createX2crmClient({
  url: 'http://127.0.0.1/index.php/api2',
  username: 'admin',
  apiKey: FIXTURE_ADMIN_KEY,
  fetch: (input, init) => {
    const path = new URL(input instanceof Request ? input.url : String(input)).pathname.replace(
      /^.*\/api2\//,
      '',
    )
    if (/^[A-Za-z0-9]+$/.test(path)) listed.set(path, (listed.get(path) ?? 0) + 1)
    return x2crmFetch(input, init)
  },
})
const target = createDataverseClient({
  url: settings.url,
  fetch: dataverseFetch,
  getToken: createMsalTokenProvider({ ...settings, fetch: dataverseFetch }).getToken,
  sleep: async () => {},
})
const deps = { source, target, ledger: createMemoryLedger(), emit: () => undefined, now: () => new Date() }
const mapping = defaultMapping()
const migrated = await migrate(
  { instance: 'bench', mapping, batchSize: 100, defaultOwnerEmail: DEMO_DEFAULT_OWNER },
  deps,
)
const actions = dataset.records['Actions']?.length ?? 0
process.stdout.write(
  `migrated: balanced ${migrated.reconciliation.balanced}, ${migrated.processed} records (${actions} actions)\n`,
)
const sample = values.sample === undefined ? undefined : Number(values.sample)
for (let run = 1; run <= Number(values.runs); run++) {
  listed.clear()
  const requestsBefore = dataverse.stats().requests
  const cpu = process.cpuUsage()
  const wall = performance.now()
  const result = await verify(
    { instance: 'bench', mapping, ...(sample !== undefined && { sample, random: () => 0.5 }) },
    deps,
  )
  const seconds = (performance.now() - wall) / 1000
  const used = process.cpuUsage(cpu)
  const checked = result.entities.reduce((n, e) => n + e.checked, 0)
  process.stdout.write(
    `verify ${run}: wall ${seconds.toFixed(2)} s, cpu ${((used.user + used.system) / 1e6).toFixed(2)} s, ` +
      `${checked} checked, ok ${result.ok}, Dataverse requests ${dataverse.stats().requests - requestsBefore}, ` +
      `X2CRM list pages ${JSON.stringify(Object.fromEntries(listed))}\n`,
  )
}
