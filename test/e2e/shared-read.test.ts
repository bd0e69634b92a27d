import { describe, expect, it } from 'vitest'
import { createDataverseSimulator } from '../../sim/dataverse/index.ts'
import { generate } from '../../sim/seed/generate.ts'
import { createX2crmSimulator } from '../../sim/x2crm/index.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from '../../src/cli/demo-users.ts'
import { createSqliteLedger } from '../../src/ledger/sqlite.ts'
import type { Ledger } from '../../src/ledger/ledger.ts'
import { defaultMapping } from '../../src/mapping/default-map.ts'
import type { RunEvent } from '../../src/run/events.ts'
import { RunInterrupted } from '../../src/run/interrupted.ts'
import { migrate } from '../../src/run/migrate.ts'
import { validate } from '../../src/run/validate.ts'
import { createX2crmClient } from '../../src/source/x2crm/client.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../../src/target/dataverse/client.ts'
import type { DataverseBulkTarget, TableRef, TargetRow } from '../../src/target/dataverse/types.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'

// Small batches, so that each activity table loads in several and a stop lands in the middle of the Actions read.
const options = {
  instance: 'shared',
  mapping: defaultMapping(),
  batchSize: 5,
  defaultOwnerEmail: DEMO_DEFAULT_OWNER,
}

/** Both simulators on a generated timeline: 148 actions of every type, 2 of a type the map does not know. */
function setUp() {
  const generated = generate({ seed: 3, accounts: 30, contacts: 60, timeline: true })
  const x2crm = createX2crmSimulator({ data: generated.dataset })
  const dataverse = createDataverseSimulator({})
  dataverse.seed('systemuser', demoSystemUsers(generated.dataset.users))
  const settings = dataverse.settings()
  const fetch = fetchFor(dataverse.handle)
  const target = createDataverseClient({
    url: settings.url,
    fetch,
    getToken: createMsalTokenProvider({ ...settings, fetch }).getToken,
    sleep: async () => {},
  })
  const actionLists: string[] = []
  const x2crmFetch = fetchFor(x2crm.handle)
  const source = createX2crmClient({
    url: 'http://127.0.0.1',
    username: 'admin',
    apiKey: generated.dataset.apiKeys['admin'] ?? '',
    fetch: (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input))
      if (/\/Actions$/.test(url.pathname)) actionLists.push(url.search)
      return x2crmFetch(input, init)
    },
  })
  const actions = generated.dataset.records['Actions'] ?? []
  return { dataverse, target, source, actions, actionLists, ledger: createSqliteLedger(':memory:') }
}

/** Writes to `table` fail (the rows reach Dataverse first, as in a crash) once `after` of its rows were sent. */
function failingAfter(target: DataverseBulkTarget, table: string, after: number): DataverseBulkTarget {
  let sent = 0
  const write = async <T>(to: TableRef, rows: readonly TargetRow[], send: Promise<T>): Promise<T> => {
    const result = await send
    if (to.logicalName !== table) return result
    sent += rows.length
    if (sent > after) throw new Error('killed after the request left')
    return result
  }
  return {
    ...target,
    upsertMultiple: (to: TableRef, rows: readonly TargetRow[]) =>
      write(to, rows, target.upsertMultiple(to, rows)),
    batch: (to, rows, operation) => write(to, rows, target.batch(to, rows, operation)),
  }
}

/** Each action's first-pass outcomes in the run: every action exactly once, in one of the Actions tables. */
async function actionOutcomes(ledger: Ledger, runId: string): Promise<Map<string, string[]>> {
  const byKey = new Map<string, string[]>()
  for await (const o of ledger.outcomes(runId)) {
    if (!o.phase.startsWith('Actions→') || o.phase.endsWith('.links')) continue
    byKey.set(o.sourceKey, [...(byKey.get(o.sourceKey) ?? []), `${o.phase} ${o.status}`])
  }
  return byKey
}

describe('one read of Actions shared by its tables', () => {
  it('stopped part-way through the shared read, then resumed: every action once, in its table, nothing lost', async () => {
    const { dataverse, target, source, actions, ledger } = setUp()
    const controller = new AbortController()
    const emit = (e: RunEvent) => {
      if (e.type === 'batch.loaded' && e.phase === 'Actions→phonecall' && e.done >= 10) controller.abort()
    }
    const deps = { source, target, ledger, now: () => new Date() }
    const stopped = await migrate(options, { ...deps, emit, signal: controller.signal }).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(stopped).toBeInstanceOf(RunInterrupted)
    if (!(stopped instanceof RunInterrupted)) return
    const partial = stopped.counts.filter((c) => c.phase.startsWith('Actions→'))
    const recorded = partial.reduce((sum, c) => sum + c.created + c.quarantined + c.skipped, 0)
    expect(recorded).toBeGreaterThanOrEqual(10)
    expect(recorded).toBeLessThan(actions.length)

    // The phases stopped at different ids: the resumed read starts at the lowest, each phase past its own.
    const started: RunEvent[] = []
    const resumed = await migrate(options, { ...deps, emit: (e) => started.push(e) })
    expect(resumed.resumed).toBe(true)
    expect(resumed.runId).toBe(stopped.runId)
    expect(resumed.reconciliation.balanced).toBe(true)
    const resumeAt = started.flatMap((e) =>
      e.type === 'phase.started' && e.phase.startsWith('Actions→') && !e.phase.endsWith('.links')
        ? [e.resumeAfterId]
        : [],
    )
    expect(resumeAt).toHaveLength(6)
    expect(new Set(resumeAt).size).toBeGreaterThan(1)

    const outcomes = await actionOutcomes(ledger, resumed.runId)
    expect(outcomes.size).toBe(actions.length)
    for (const [key, list] of outcomes) expect(list, key).toHaveLength(1)
    const sources = resumed.reconciliation.phases
      .filter((p) => p.phase.startsWith('Actions→') && !p.phase.endsWith('.links'))
      .reduce((sum, p) => sum + p.source, 0)
    expect(sources).toBe(actions.length)
    // An action of a type the map does not know is counted and quarantined with the reason, never dropped.
    const unknown = actions.filter((a) => a['type'] === 'webactivity')
    expect(unknown.length).toBeGreaterThan(0)
    for (const a of unknown) {
      expect(outcomes.get(`Actions:${String(a['id'])}`)).toEqual(['Actions→task quarantined'])
    }
    const calls = actions.filter((a) => a['type'] === 'call').length
    const callPhase = resumed.reconciliation.phases.find((p) => p.phase === 'Actions→phonecall')
    expect(callPhase?.source).toBe(calls)
    expect(dataverse.rows('phonecall')).toHaveLength(callPhase?.created ?? -1)
  })

  it('a table that fails stops the shared read without hanging, and the resumed run loads the rest of every table', async () => {
    const { dataverse, target, source, actions, ledger, actionLists } = setUp()
    const deps = { source, ledger, emit: () => undefined, now: () => new Date() }
    await expect(
      migrate(options, { ...deps, target: failingAfter(target, 'phonecall', 10) }),
    ).rejects.toThrow(/killed after the request left/)
    const run = await ledger.unfinishedRun('migrate')
    expect(run).toBeDefined()

    const resumed = await migrate(options, { ...deps, target })
    expect(resumed.resumed).toBe(true)
    expect(resumed.reconciliation.balanced).toBe(true)
    const outcomes = await actionOutcomes(ledger, resumed.runId)
    expect(outcomes.size).toBe(actions.length)
    const calls = actions.filter((a) => a['type'] === 'call').length
    const callPhase = resumed.reconciliation.phases.find((p) => p.phase === 'Actions→phonecall')
    expect((callPhase?.created ?? 0) + (callPhase?.quarantined ?? 0)).toBe(calls)
    expect(dataverse.rows('phonecall').length).toBeGreaterThanOrEqual(callPhase?.created ?? 0)
    // Two runs, each reading the class once per pass it reached (the first stopped in the first pass).
    expect(actionLists).toHaveLength(3)
  })

  it('validate reads Actions once too, and counts every action in the phase migrate records it in', async () => {
    const { target, source, actions, actionLists } = setUp()
    const quarantined: string[] = []
    const result = await validate(options, {
      source,
      target,
      emit: () => undefined,
      now: () => new Date(),
      onQuarantined: (outcome) => quarantined.push(`${outcome.sourceKey} ${outcome.reason ?? ''}`),
    })
    expect(actionLists).toHaveLength(1)
    const phases = result.phases.filter((p) => p.phase.startsWith('Actions→'))
    expect(phases).toHaveLength(6)
    expect(phases.reduce((sum, p) => sum + p.source, 0)).toBe(actions.length)
    for (const p of phases) expect(p.wouldLoad + p.wouldQuarantine + p.wouldSkip, p.phase).toBe(p.source)
    // The actions no table takes: quarantined by the first table, as migrate does (validate left them out before).
    for (const a of actions.filter((a) => a['type'] === 'webactivity'))
      expect(quarantined).toContainEqual(
        expect.stringMatching(`^Actions:${String(a['id'])} unknown action type 'webactivity'`),
      )
  })
})
