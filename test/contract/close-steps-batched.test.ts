import { describe, expect, it } from 'vitest'
import { createDataverseSimulator } from '../../sim/dataverse/index.ts'
import { createMemoryIntentStore, type WriteIntent } from '../../src/ledger/intent-store.ts'
import { targetIdFor } from '../../src/mapping/target-id.ts'
import { closeCases, resolutionIdFor } from '../../src/run/close-incidents.ts'
import { closeOpportunities, opportunityCloseIdFor } from '../../src/run/close-opportunities.ts'
import type { X2crmRecord } from '../../src/source/x2crm/types.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../../src/target/dataverse/client.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'
import { closingDeps, closingPhases } from '../helpers/closing-deps.ts'

/**
 * The closing steps against the simulator, through the real client: their actions go many to a `$batch` (Dataverse
 * runs up to 1,000 requests a batch, in order, and with `Prefer: odata.continue-on-error` a failed one answers in its
 * slot while the others still run: "Execute batch operations using the Web API",
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api).
 * The summaries, the failures and the intents are what one request per row gave.
 */
const INSTANCE = 'demo'
const phases = closingPhases()

function connect() {
  const sim = createDataverseSimulator({ origin: 'https://127.0.0.1:8443' })
  const settings = sim.settings()
  const handlerFetch = fetchFor(sim.handle)
  const sent: string[] = []
  const fetch: typeof handlerFetch = (input, init) => {
    const request = input instanceof Request && init === undefined ? input : new Request(input, init)
    if (!request.url.includes('/oauth2/')) sent.push(`${request.method} ${new URL(request.url).pathname}`)
    return handlerFetch(request)
  }
  const retries: string[] = []
  const target = createDataverseClient({
    url: settings.url,
    fetch,
    getToken: createMsalTokenProvider({ ...settings, fetch: handlerFetch }).getToken,
    sleep: async () => undefined,
    onRetry: (info) => retries.push(info.reason),
  })
  return { sim, target, sent, retries }
}

/** A source holding these records of one class, and a ledger that says each was loaded by its pass-1 phase. */
function depsOf(entity: string, records: X2crmRecord[], target: ReturnType<typeof connect>['target']) {
  return closingDeps(INSTANCE, entity, records, target)
}

async function intentsOf(intents: ReturnType<typeof createMemoryIntentStore>, runId: string) {
  const all: WriteIntent[] = []
  for await (const intent of intents.all(runId)) all.push(intent)
  return all
}

const deals = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    name: `Deal ${i + 1}`,
    salesStage: i % 3 === 0 ? 'Lost' : 'Won',
    quoteAmount: '100',
    expectedCloseDate: 1786297939,
  }))

describe('closing opportunities, many to a $batch', () => {
  it('closes 250 in 3 batches; the one Dataverse does not hold is refused alone, with its reason', async () => {
    const { sim, target, sent } = connect()
    const records = deals(250)
    const missing = 17
    sim.seed(
      'opportunity',
      records
        .filter((r) => r.id !== missing)
        .map((r) => ({
          opportunityid: targetIdFor(INSTANCE, 'Opportunity', r.id),
          name: r.name,
          statecode: 0,
        })),
    )
    const intents = createMemoryIntentStore()
    const summary = await closeOpportunities(phases, depsOf('Opportunity', records, target), undefined, {
      runId: 'run-1',
      intents,
    })
    expect(summary.won + summary.lost).toBe(249)
    expect(summary.lost).toBe(records.filter((r) => r.salesStage === 'Lost' && r.id !== missing).length)
    expect(summary.failed.map((f) => f.sourceKey)).toEqual([`Opportunity:${missing}`])
    expect(summary.failed[0]?.reason).toMatch(/^Dataverse refused WinOpportunity \(404 /)
    expect(summary.closedIds).toHaveLength(249)
    expect(sim.rows('opportunityclose')).toHaveLength(249)
    // Each opportunityclose was named in the ledger before its action left, under the run's id for it.
    const recorded = await intentsOf(intents, 'run-1')
    expect(recorded).toHaveLength(250)
    expect(recorded[0]).toMatchObject({
      phase: 'Close.opportunities',
      entitySet: 'opportunitycloses',
      targetId: opportunityCloseIdFor('run-1', targetIdFor(INSTANCE, 'Opportunity', 1)),
      existed: false,
    })
    // 250 closes in 3 `$batch` requests (100 a batch), not 250 POSTs; the states are read 50 ids a query, and the
    // opportunityclose of the refused one once (was it closed by a batch whose answer was lost?).
    expect(sent.filter((s) => s.endsWith('/$batch'))).toHaveLength(3)
    expect(sent.filter((s) => /Opportunity$/.test(s))).toEqual([])
    expect(sent.filter((s) => s.startsWith('GET'))).toHaveLength(6)
  })

  it('a $batch whose answer was lost is sent again; the refusals of what it closed count as closes, none twice', async () => {
    const { sim, target, retries } = connect()
    const records = deals(30)
    sim.seed(
      'opportunity',
      records.map((r) => ({
        opportunityid: targetIdFor(INSTANCE, 'Opportunity', r.id),
        name: r.name,
        statecode: 0,
      })),
    )
    sim.injectFault({ kind: 'reset', afterApply: true, match: (r) => r.url.endsWith('$batch') })
    const summary = await closeOpportunities(phases, depsOf('Opportunity', records, target), undefined, {
      runId: 'run-1',
      intents: createMemoryIntentStore(),
    })
    expect(retries).toEqual(['network error ECONNRESET'])
    expect(summary).toMatchObject({ won: 20, lost: 10, failed: [] })
    expect(summary.closedIds).toHaveLength(30)
    expect(sim.rows('opportunityclose')).toHaveLength(30)
  })
})

describe('closing cases, many to a $batch', () => {
  const cases = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      id: 1000 + i,
      subject: `Case ${i}`,
      status: i % 4 === 0 ? 'Closed - No Response' : 'Closed - Resolved',
      resolution: null,
      lastUpdated: 1755510520,
    }))

  function seedCases(sim: ReturnType<typeof connect>['sim'], records: { id: number; subject: string }[]) {
    const contact = targetIdFor(INSTANCE, 'Contacts', 1)
    sim.seed('contact', [{ contactid: contact, lastname: 'Smith' }])
    sim.seed(
      'incident',
      records.map((r) => ({
        incidentid: targetIdFor(INSTANCE, 'Services', r.id),
        title: r.subject,
        statecode: 0,
        statuscode: 1,
        _customerid_value: contact,
      })),
    )
  }

  it('resolves and cancels 120 cases in batches; the intents name each resolution', async () => {
    const { sim, target, sent } = connect()
    const records = cases(120)
    seedCases(sim, records)
    const intents = createMemoryIntentStore()
    const summary = await closeCases(phases, INSTANCE, depsOf('Services', records, target), {
      runId: 'run-1',
      intents,
    })
    expect(summary).toEqual({ resolved: 90, cancelled: 30, alreadyClosed: 0, failed: [] })
    const states = sim.rows('incident').map((r) => r['statecode'])
    expect(states.filter((s) => s === 1)).toHaveLength(90)
    expect(states.filter((s) => s === 2)).toHaveLength(30)
    expect(sim.rows('incidentresolution')).toHaveLength(90)
    const recorded = await intentsOf(intents, 'run-1')
    expect(recorded.map((i) => i.targetId).sort()).toEqual(
      records
        .filter((r) => r.status === 'Closed - Resolved')
        .map((r) => resolutionIdFor(INSTANCE, r.id))
        .sort(),
    )
    // 90 resolved: one batch of the resolutions' deletes, then one of the closes; 30 cancels: one batch.
    expect(sent.filter((s) => s.endsWith('/$batch'))).toHaveLength(3)
    expect(
      sent.filter((s) => s.endsWith('/CloseIncident') || s.startsWith('PATCH') || s.startsWith('DELETE')),
    ).toEqual([])
  })

  it('a lost answer on the CloseIncident batch: the resolutions it wrote stay and the cases count as resolved', async () => {
    const { sim, target, retries } = connect()
    const records = cases(8)
    seedCases(sim, records)
    // The first batch deletes old resolutions; the second (CloseIncident) loses its answer after it ran.
    let batches = 0
    sim.injectFault({
      kind: 'reset',
      afterApply: true,
      match: (r) => r.url.endsWith('$batch') && ++batches === 2,
    })
    const summary = await closeCases(phases, INSTANCE, depsOf('Services', records, target))
    expect(retries).toEqual(['network error ECONNRESET'])
    expect(summary).toEqual({ resolved: 6, cancelled: 2, alreadyClosed: 0, failed: [] })
    expect(sim.rows('incidentresolution')).toHaveLength(6)
  })
})
