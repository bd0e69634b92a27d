import { describe, expect, it } from 'vitest'
import type { FaultRule } from '../../sim/dataverse/index.ts'
import { createRandom } from '../../sim/seed/random.ts'
import { DEMO_DEFAULT_OWNER } from '../../src/cli/demo-users.ts'
import type { RetryInfo } from '../../src/http/send-with-retry.ts'
import { createSqliteLedger } from '../../src/ledger/sqlite.ts'
import { defaultMapping } from '../../src/mapping/default-map.ts'
import { delta } from '../../src/run/delta.ts'
import type { RunEvent } from '../../src/run/events.ts'
import { migrate } from '../../src/run/migrate.ts'
import { createRetryTally, type RetryCounts } from '../../src/run/retry-tally.ts'
import { createAppUserTarget } from '../../src/target/dataverse/app-user.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../../src/target/dataverse/client.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'
import { inProcessSimulators } from '../helpers/sims.ts'
import { expectSameRows, snapshot } from './helpers.ts'

/**
 * A migration and a delta under a fault storm — 10% 429 (Retry-After 2 s), 2% 503, 1% connection resets before the
 * request runs and 0.5% after it ran (the answer lost, the write done), latency jitter on every request — end with
 * exactly the rows of the same runs without faults, none twice, and the run's summary counts every retry per cause.
 * Everything in process on a virtual clock: the waits (Retry-After, backoff, latency) advance it, never real time.
 */
const RECORDS = Number(process.env['RELIABILITY_STORM_RECORDS'] ?? 8_000)
const SEED = Number(process.env['RELIABILITY_SEED'] ?? 20_261_203)
const ACCOUNTS = Math.round(RECORDS / 4)
const CONTACTS = RECORDS - ACCOUNTS
const INSTANCE = 'storm'
const mapping = defaultMapping()

const STORM: FaultRule[] = [
  { kind: 'throttle', probability: 0.1, retryAfterSeconds: 2 },
  { kind: 'unavailable', probability: 0.02, retryAfterSeconds: 1 },
  { kind: 'reset', probability: 0.01 },
  { kind: 'reset', probability: 0.005, afterApply: true },
  { kind: 'latency', probability: 1, jitter: true, ms: 400 },
]

/** Both simulators, the clients a run uses (reads and one writing application user), on a virtual clock. */
function world(faults: readonly FaultRule[]) {
  const clock = { ms: Date.parse('2026-12-03T09:00:00Z') }
  const sleep = async (ms: number) => void (clock.ms += ms)
  const now = () => clock.ms
  const random = createRandom(SEED)
  const sims = inProcessSimulators({
    seed: 9,
    accounts: ACCOUNTS,
    contacts: CONTACTS,
    dataverse: {
      clock: now,
      faults: [...faults],
      faultRandom: () => random.next(),
      latency: { sleep },
    },
  })
  const tally = createRetryTally()
  const events: RunEvent[] = []
  const emit = (event: RunEvent) => {
    tally.observe(event)
    if (event.type === 'request.retry') events.push(event)
  }
  const onRetry = (info: RetryInfo) =>
    emit({
      type: 'request.retry',
      status: info.status,
      waitMs: info.waitMs,
      attempt: info.attempt,
      reason: info.reason,
    })
  const settings = sims.dataverse.settings()
  const fetch = fetchFor(sims.dataverse.handle)
  const getToken = createMsalTokenProvider({ ...settings, fetch }).getToken
  const target = createDataverseClient({ url: settings.url, fetch, getToken, sleep, onRetry })
  const writer = createAppUserTarget({ name: 'app', url: settings.url, fetch, getToken, sleep, now, onRetry })
  const ledger = createSqliteLedger(':memory:')
  const deps = {
    source: sims.source,
    target,
    writers: [writer],
    ledger,
    emit,
    now: () => new Date(clock.ms),
    retries: tally.counts,
  }
  return { ...sims, deps, tally, clock, ledger }
}

const options = { instance: INSTANCE, mapping, batchSize: 50, defaultOwnerEmail: DEMO_DEFAULT_OWNER }

/** What changes in X2CRM between the migration and the delta: the same in every world. */
function changeX2crm(sims: ReturnType<typeof world>) {
  const records = (entity: string) => [...(sims.generated.dataset.records[entity] ?? [])]
  const accounts = records('Accounts')
  const contacts = records('Contacts')
  const later = Math.floor(Date.parse('2026-12-04T09:00:00Z') / 1000)
  let changed = 0
  for (const [i, account] of accounts.entries()) {
    if (i % 15 !== 0) continue
    sims.x2crm.upsert('Accounts', {
      ...account,
      description: `Changed for the delta ${i}`,
      lastUpdated: later,
    })
    changed++
  }
  for (const [i, contact] of contacts.entries()) {
    if (i % 25 !== 0) continue
    sims.x2crm.upsert('Contacts', { ...contact, title: `Title ${i}`, lastUpdated: later })
    changed++
  }
  const maxId = Math.max(...contacts.map((c) => Number(c['id'])))
  const template = contacts.find((c) => c['company'] === '' || c['company'] == null) ?? contacts[0]
  for (let n = 1; n <= 40; n++) {
    const id = maxId + n
    sims.x2crm.upsert('Contacts', {
      ...template,
      id,
      firstName: 'New',
      lastName: `Since cutover ${n}`,
      nameId: `New Since cutover ${n}_${id}`,
      lastUpdated: later,
    })
    changed++
  }
  return changed
}

describe(`a migration and a delta of ${RECORDS} records under a fault storm (seed ${SEED})`, () => {
  it('load everything once, as the same runs without faults do, and count every retry per cause', async () => {
    const started = Date.now()
    const clean = world([])
    const cleanRun = await migrate(options, clean.deps)
    expect(cleanRun.reconciliation.balanced).toBe(true)
    const changes = changeX2crm(clean)
    const cleanDelta = await delta(options, clean.deps)
    expect(cleanDelta.reconciliation.balanced).toBe(true)

    const stormy = world(STORM)
    // At least one bulk write whose answer is lost after it was applied: the retry must not duplicate its rows.
    stormy.dataverse.injectFault({
      kind: 'reset',
      afterApply: true,
      match: (r) => r.method === 'POST',
    })
    const migration = await migrate(options, stormy.deps)
    expect(migration.reconciliation).toEqual(cleanRun.reconciliation)
    const afterMigration = stormy.tally.counts()
    const faultsAfterMigration = stormy.dataverse.faultCounts()
    changeX2crm(stormy)
    const stormDelta = await delta(options, stormy.deps)
    expect(stormDelta.reconciliation).toEqual(cleanDelta.reconciliation)
    const compared = expectSameRows(snapshot(clean.dataverse), snapshot(stormy.dataverse), 'after the storm')

    // Every fault was answered by exactly one retry of its kind (a 429 that outlasted the client's retries by the
    // loader sending the rows again), and the runs' summaries keep the counts.
    const faults = stormy.dataverse.faultCounts()
    const retries = stormy.tally.counts()
    expect(retries).toEqual({
      throttled: (faults.throttle ?? 0) + stormy.dataverse.stats().throttled,
      unavailable: faults.unavailable ?? 0,
      serverError: 0,
      reset: faults.reset ?? 0,
      timeout: 0,
    })
    const runs = await stormy.ledger.runs()
    const summaryOf = (runId: string) =>
      runs.find((r) => r.runId === runId)?.summary?.['retries'] as RetryCounts
    expect(summaryOf(migration.runId)).toEqual(afterMigration)
    expect(summaryOf(stormDelta.runId).throttled).toBe(retries.throttled)
    expect(faultsAfterMigration.throttle).toBeGreaterThan(0)
    expect(faultsAfterMigration.reset).toBeGreaterThan(0)
    // The clean runs retried nothing.
    expect(clean.tally.counts()).toEqual({
      throttled: 0,
      unavailable: 0,
      serverError: 0,
      reset: 0,
      timeout: 0,
    })

    const requests = stormy.dataverse.stats().requests
    console.log(
      [
        `Fault storm: ${RECORDS} records (${ACCOUNTS} accounts, ${CONTACTS} contacts), then a delta of ${changes} changes, seed ${SEED}`,
        `Faults injected (${requests} Web API requests answered): ${JSON.stringify(faults)}`,
        `Retries counted (migration + delta): ${JSON.stringify(retries)}`,
        `Virtual time waited: ${((stormy.clock.ms - Date.parse('2026-12-03T09:00:00Z')) / 1000).toFixed(0)} s`,
        `Compared ${compared} rows (count, id and content hash per row) with the same runs without faults: equal, no duplicates`,
        `Run time: ${((Date.now() - started) / 1000).toFixed(0)} s`,
      ].join('\n'),
    )
  })
})
