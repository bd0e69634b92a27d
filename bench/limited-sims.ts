/**
 * Both simulators in process on a virtual clock, Dataverse with its cost model, latency and the service protection
 * limits of one application user: what the benches that measure under the limits (rollback, authors) start from.
 */
import { createDataverseSimulator } from '../sim/dataverse/index.ts'
import type { ProtectionLimits } from '../sim/dataverse/protection.ts'
import type { X2crmDataset } from '../sim/x2crm/dataset.ts'
import { createX2crmSimulator } from '../sim/x2crm/index.ts'
import { demoSystemUsers } from '../src/cli/demo-users.ts'
import type { Fetch } from '../src/http/fetch.ts'
import { createX2crmClient } from '../src/source/x2crm/client.ts'
import { createAppUserTarget } from '../src/target/dataverse/app-user.ts'
import { createMsalTokenProvider } from '../src/target/dataverse/auth.ts'
import { createVirtualTime } from './virtual-time.ts'

/** The simulator's defaults (sim/dataverse/index.ts), per application user. */
export const LIMITS: ProtectionLimits = {
  requestsPerWindow: 6000,
  windowSeconds: 300,
  executionSecondsPerWindow: 1200,
  concurrent: 52,
  dopHint: 4,
}

export function inProcess(handle: (request: Request) => Promise<Response>): Fetch {
  return (input, init) =>
    handle(input instanceof Request && init === undefined ? input : new Request(input, init))
}

/** A fresh pair of simulators over `dataset`, the X2CRM client and one application user's Dataverse target. */
export function limitedSimulators(dataset: X2crmDataset) {
  const time = createVirtualTime(Date.UTC(2026, 0, 5, 9))
  const x2crm = createX2crmSimulator({ data: dataset })
  const dataverse = createDataverseSimulator({
    origin: 'https://127.0.0.1:8443',
    clock: time.now,
    costModel: {},
    latency: { sleep: time.sleep },
    limits: LIMITS,
  })
  dataverse.seed('systemuser', demoSystemUsers(dataset.users))
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
    apiKey: dataset.apiKeys['admin'] ?? '',
    fetch: inProcess(x2crm.handle),
  })
  return { time, x2crm, dataverse, target, source }
}
