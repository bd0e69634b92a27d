import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createDataverseSimulator, type DataverseSimOptions } from '../../sim/dataverse/index.ts'
import { generate, generateDataset } from '../../sim/seed/generate.ts'
import { serve, type Handler } from '../../sim/serve.ts'
import { generateCertificate } from '../../sim/tls.ts'
import { createX2crmSimulator } from '../../sim/x2crm/index.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from '../../src/cli/demo-users.ts'
import { createX2crmClient } from '../../src/source/x2crm/client.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../../src/target/dataverse/client.ts'
import { fetchFor } from './handler-fetch.ts'

/** Both simulators served on 127.0.0.1 (Dataverse over TLS) and a config file + secrets to reach them. */
export async function serveBothSimulators(
  dir: string,
  options: {
    accounts: number
    contacts: number
    seed?: number
    batchSize?: number
    dataverse?: DataverseSimOptions
    /** The X2CRM admin's API key (default: the generator's). */
    x2crmApiKey?: string
    /** Products, quotes and groups too (sim/seed/sales.ts). @default false */
    sales?: boolean
  },
) {
  const data = generateDataset({
    seed: options.seed ?? 7,
    accounts: options.accounts,
    contacts: options.contacts,
    ...(options.sales === true && { sales: true }),
  })
  if (options.x2crmApiKey !== undefined) data.apiKeys['admin'] = options.x2crmApiKey
  const x2crm = createX2crmSimulator({ data })
  const x2crmServed = await serve(x2crm.handle)
  const tls = await generateCertificate()
  const caFile = join(dir, 'ca.pem')
  writeFileSync(caFile, tls.cert)
  let handler: Handler = async () => new Response('starting', { status: 503 })
  const dataverseServed = await serve((request) => handler(request), { tls })
  const dataverse = createDataverseSimulator({ ...options.dataverse, origin: dataverseServed.origin })
  handler = dataverse.handle
  dataverse.seed('systemuser', demoSystemUsers(data.users))
  const settings = dataverse.settings()
  const configPath = join(dir, 'x2d365.yaml')
  writeFileSync(
    configPath,
    `source:
  x2crm: { url: '${x2crmServed.origin}', username: admin, apiKeyEnv: TEST_X2CRM_KEY }
target:
  dataverse:
    url: ${settings.url}
    authority: ${settings.authority}
    clientId: ${settings.clientId}
    clientSecretEnv: TEST_DATAVERSE_SECRET
    caFile: ca.pem
run: { ledger: ledger.sqlite, batchSize: ${options.batchSize ?? 100}, instance: e2e, defaultOwnerEmail: ${DEMO_DEFAULT_OWNER} }
`,
  )
  return {
    data,
    x2crm,
    dataverse,
    configPath,
    env: { TEST_X2CRM_KEY: data.apiKeys['admin'] ?? '', TEST_DATAVERSE_SECRET: settings.clientSecret },
    close: async () => {
      await x2crmServed.close()
      await dataverseServed.close()
    },
  }
}

/**
 * Both simulators in process (no sockets) on generated data, with the clients a run uses: the X2CRM API client and
 * the Dataverse client authenticated through MSAL. `dataverse` options pass through (a clock, throttling).
 */
export function inProcessSimulators(options: {
  seed: number
  accounts: number
  contacts: number
  dataverse?: DataverseSimOptions
}) {
  const generated = generate({ seed: options.seed, accounts: options.accounts, contacts: options.contacts })
  const x2crm = createX2crmSimulator({ data: generated.dataset })
  const dataverse = createDataverseSimulator(options.dataverse)
  dataverse.seed('systemuser', demoSystemUsers(generated.dataset.users))
  const settings = dataverse.settings()
  const fetch = fetchFor(dataverse.handle)
  const target = createDataverseClient({
    url: settings.url,
    fetch,
    getToken: createMsalTokenProvider({ ...settings, fetch }).getToken,
  })
  const source = createX2crmClient({
    url: 'http://127.0.0.1',
    username: 'admin',
    apiKey: generated.dataset.apiKeys['admin'] ?? '',
    fetch: fetchFor(x2crm.handle),
  })
  return { generated, x2crm, dataverse, source, target }
}
