/**
 * Closing opportunities and cases in process against the Dataverse simulator: wall time and HTTP requests, with the
 * actions many to a `$batch` (the client's callActions) or one request each (a client without it, as before).
 * `npx tsx bench/close-batches.ts [--opportunities 4570] [--cases 859]`
 */
import { parseArgs } from 'node:util'
import { createDataverseSimulator } from '../sim/dataverse/index.ts'
import { createMemoryIntentStore } from '../src/ledger/intent-store.ts'
import { targetIdFor } from '../src/mapping/target-id.ts'
import { closeCases } from '../src/run/close-incidents.ts'
import { closeOpportunities } from '../src/run/close-opportunities.ts'
import type { X2crmRecord } from '../src/source/x2crm/types.ts'
import { createMsalTokenProvider } from '../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../src/target/dataverse/client.ts'
import type { DataverseBulkTarget } from '../src/target/dataverse/types.ts'
import { closingDeps, closingPhases } from '../test/helpers/closing-deps.ts'

const { values } = parseArgs({
  options: { opportunities: { type: 'string', default: '4570' }, cases: { type: 'string', default: '859' } },
})
const OPPORTUNITIES = Number(values.opportunities)
const CASES = Number(values.cases)
const INSTANCE = 'bench'
const phases = closingPhases()

function depsOf(entity: string, records: X2crmRecord[], target: DataverseBulkTarget) {
  return closingDeps(INSTANCE, entity, records, target)
}

async function run(batched: boolean) {
  // No service protection here: one request each for 4,570 + 859 closes passes Dataverse's 6,000 requests per 5 minutes
  // (with the simulator's default limits that run is throttled: 429 0x80072322).
  const sim = createDataverseSimulator({
    origin: 'https://127.0.0.1:8443',
    limits: { requestsPerWindow: 1e9 },
  })
  const settings = sim.settings()
  let requests = 0
  const fetch = (input: Request | string | URL, init?: RequestInit) => {
    const request = input instanceof Request && init === undefined ? input : new Request(input, init)
    if (!request.url.includes('/oauth2/')) requests++
    return sim.handle(request)
  }
  const client = createDataverseClient({
    url: settings.url,
    fetch,
    getToken: createMsalTokenProvider({ ...settings, fetch }).getToken,
  })
  // One each, as before: no batch of actions, and the resolutions' deletes and the cancels a request each.
  const target = (
    batched ? client : { ...client, callActions: undefined, batch: undefined }
  ) as DataverseBulkTarget
  const deals = Array.from({ length: OPPORTUNITIES }, (_, i) => ({
    id: i + 1,
    name: `Deal ${i + 1}`,
    salesStage: i % 2 === 0 ? 'Won' : 'Lost',
    quoteAmount: '100',
    expectedCloseDate: 1786297939,
  }))
  sim.seed(
    'opportunity',
    deals.map((d) => ({
      opportunityid: targetIdFor(INSTANCE, 'Opportunity', d.id),
      name: d.name,
      statecode: 0,
    })),
  )
  const contact = targetIdFor(INSTANCE, 'Contacts', 1)
  sim.seed('contact', [{ contactid: contact, lastname: 'Smith' }])
  const cases = Array.from({ length: CASES }, (_, i) => ({
    id: i + 1,
    subject: `Case ${i + 1}`,
    status: i % 5 === 0 ? 'Closed - No Response' : 'Closed - Resolved',
  }))
  sim.seed(
    'incident',
    cases.map((c) => ({
      incidentid: targetIdFor(INSTANCE, 'Services', c.id),
      title: c.subject,
      statecode: 0,
      statuscode: 1,
      _customerid_value: contact,
    })),
  )
  const scope = { runId: 'bench', intents: createMemoryIntentStore() }
  let started = performance.now()
  const opportunities = await closeOpportunities(
    phases,
    depsOf('Opportunity', deals, target),
    undefined,
    scope,
  )
  const opportunityMs = performance.now() - started
  const opportunityRequests = requests
  started = performance.now()
  const closed = await closeCases(phases, INSTANCE, depsOf('Services', cases, target), scope)
  const caseMs = performance.now() - started
  console.log(
    `${batched ? 'batched   ' : 'one each  '} opportunities ${opportunities.won + opportunities.lost} closed in ` +
      `${(opportunityMs / 1000).toFixed(1)} s, ${opportunityRequests} requests; cases ${closed.resolved} resolved + ` +
      `${closed.cancelled} cancelled in ${(caseMs / 1000).toFixed(1)} s, ${requests - opportunityRequests} requests`,
  )
}

for (let round = 0; round < 2; round++) {
  await run(false)
  await run(true)
}
