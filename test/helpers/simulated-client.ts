import { createDataverseSimulator } from '../../sim/dataverse/index.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../../src/target/dataverse/client.ts'
import { fetchFor } from './handler-fetch.ts'

/** The real Dataverse client against an in-process simulator, with no waits, and the reasons of its retries. */
export function simulatedClient() {
  const sim = createDataverseSimulator({ origin: 'https://127.0.0.1:8443' })
  const settings = sim.settings()
  const fetch = fetchFor(sim.handle)
  const retries: string[] = []
  const target = createDataverseClient({
    url: settings.url,
    fetch,
    getToken: createMsalTokenProvider({ ...settings, fetch }).getToken,
    sleep: async () => undefined,
    onRetry: (info) => retries.push(info.reason),
  })
  return { sim, target, retries }
}
