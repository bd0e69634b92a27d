import { readFileSync } from 'node:fs'
import { realLatency, simAppUsers, type DataverseSimOptions } from '../../../sim/dataverse/index.ts'
import { serve } from '../../../sim/serve.ts'
import { generateDataset } from '../../../sim/seed/generate.ts'
import { createX2crmSimulator, loadDump, type X2crmDataset } from '../../../sim/x2crm/index.ts'
import { ConfigError } from '../../errors.ts'
import { DEMO_DEFAULT_OWNER } from '../demo-users.ts'
import { startDataverseSimulator } from '../simulators.ts'

/** Keeps a server command alive until Ctrl-C. */
function untilInterrupted(close: () => Promise<void>): Promise<void> {
  return new Promise((done) => {
    const stop = () => void close().then(done)
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}

export interface SimX2crmOptions {
  port: number
  generate?: number
  seed: number
  data?: string
  json?: boolean
}

export interface SimDataverseOptions {
  port: number
  caFile: string
  json?: boolean
  /** no cost model and no latency: every request answers at once */
  fast?: boolean
  /** application users, each with its own service protection limits @default 1 */
  appUsers?: number
  requestsPerWindow?: number
  executionSecondsPerWindow?: number
  concurrent?: number
}

/**
 * The simulator `sim dataverse` runs: by default with the documented cost model and latency, so
 * service protection and throughput behave as on a real environment; `--fast` turns both off.
 */
export function dataverseSimOptions(
  options: Omit<SimDataverseOptions, 'port' | 'caFile'>,
): DataverseSimOptions {
  const limits: DataverseSimOptions['limits'] = {}
  if (options.requestsPerWindow !== undefined) limits.requestsPerWindow = options.requestsPerWindow
  if (options.executionSecondsPerWindow !== undefined)
    limits.executionSecondsPerWindow = options.executionSecondsPerWindow
  if (options.concurrent !== undefined) limits.concurrent = options.concurrent
  return {
    ...(options.fast ? {} : { costModel: {}, latency: realLatency }),
    appUsers: simAppUsers(options.appUsers ?? 1),
    limits,
  }
}

/** What `sim x2crm --generate n --seed s` serves (bench/scale.ts takes its mix of objects from here). */
export function simX2crmDataset(generate: number, seed: number): X2crmDataset {
  return generateDataset({ seed, accounts: generate, contacts: 2 * generate, timeline: true })
}

/** Serves the X2CRM simulator until Ctrl-C. */
export async function simX2crmCommand(options: SimX2crmOptions): Promise<void> {
  const data = options.data ? readDump(options.data) : simX2crmDataset(options.generate ?? 100, options.seed)
  const sim = createX2crmSimulator({ data })
  const served = await serve(sim.handle, { port: options.port })
  const settings = {
    url: `${served.origin}/index.php/api2`,
    username: 'admin',
    apiKey: data.apiKeys['admin'] ?? '',
    records: Object.fromEntries(Object.entries(data.records).map(([entity, rows]) => [entity, rows.length])),
  }
  if (options.json) process.stdout.write(`${JSON.stringify(settings)}\n`)
  else {
    process.stdout.write(
      `X2CRM API v2 simulator on ${settings.url}\n` +
        `  user ${settings.username}, API key ${settings.apiKey} (simulator key, not a secret)\n` +
        `  records: ${Object.entries(settings.records)
          .map(([e, n]) => `${e} ${n}`)
          .join(', ')}\n` +
        `In x2d365.yaml: source.x2crm.url: ${settings.url}; export X2CRM_API_KEY=${settings.apiKey}\n` +
        `  Media files: source.uploads.httpBase: ${served.origin} (getFile with each record's access key)\n` +
        `Ctrl-C stops it.\n`,
    )
  }
  await untilInterrupted(served.close)
}

function readDump(path: string): X2crmDataset {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new ConfigError([
      `--data ${path}: not a readable JSON file (${error instanceof Error ? error.message : String(error)})`,
    ])
  }
  return loadDump(json)
}

/** Serves the Dataverse simulator until Ctrl-C. */
export async function simDataverseCommand(options: SimDataverseOptions): Promise<void> {
  const simOptions = dataverseSimOptions(options)
  const { sim, served, caFile } = await startDataverseSimulator(options.port, options.caFile, simOptions)
  const appUsers = simOptions.appUsers ?? []
  const settings = {
    ...sim.settings(),
    caFile,
    defaultOwnerEmail: DEMO_DEFAULT_OWNER,
    appUsers,
    costs: options.fast ? 'off' : 'documented',
  }
  if (options.json) process.stdout.write(`${JSON.stringify(settings)}\n`)
  else {
    process.stdout.write(
      `Dataverse Web API simulator on ${settings.apiUrl}\n` +
        `In x2d365.yaml (target.dataverse):\n` +
        `  url: ${settings.url}\n  authority: ${settings.authority}\n  clientId: ${settings.clientId}\n` +
        `  clientSecretEnv: DATAVERSE_CLIENT_SECRET\n  caFile: ${caFile}\n` +
        `and under run: defaultOwnerEmail: ${DEMO_DEFAULT_OWNER} (a user this simulator has)\n` +
        `export DATAVERSE_CLIENT_SECRET=${settings.clientSecret}   (simulator secret, not a real one)\n` +
        appUsers
          .slice(1)
          .map((u) => `  another application user: clientId ${u.clientId}, secret ${u.clientSecret}\n`)
          .join('') +
        `${options.fast ? 'Fast: no cost model, no latency.' : 'Requests take their documented time (--fast to turn it off).'}\nCtrl-C stops it.\n`,
    )
  }
  await untilInterrupted(served.close)
}
