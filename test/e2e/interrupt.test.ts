import { describe, expect, it } from 'vitest'
import { DEMO_DEFAULT_OWNER } from '../../src/cli/demo-users.ts'
import type { Ledger } from '../../src/ledger/ledger.ts'
import { createSqliteLedger } from '../../src/ledger/sqlite.ts'
import { defaultMapping } from '../../src/mapping/default-map.ts'
import type { RunEvent } from '../../src/run/events.ts'
import { delta } from '../../src/run/delta.ts'
import { RunInterrupted } from '../../src/run/interrupted.ts'
import { migrate } from '../../src/run/migrate.ts'
import { rollback } from '../../src/run/rollback.ts'
import { rowsRunMayHaveWritten } from '../../src/run/rows-written.ts'
import type { DataverseBulkTarget, TableRef, TargetRow } from '../../src/target/dataverse/types.ts'
import { inProcessSimulators } from '../helpers/sims.ts'

const mapping = defaultMapping()
const options = { instance: 'int', mapping, batchSize: 20, defaultOwnerEmail: DEMO_DEFAULT_OWNER }
const TABLES = [
  { logicalName: 'account', entitySet: 'accounts', primaryId: 'accountid' },
  { logicalName: 'contact', entitySet: 'contacts', primaryId: 'contactid' },
] as const

function setUp() {
  const sims = inProcessSimulators({ seed: 3, accounts: 80, contacts: 200 })
  const ledger = createSqliteLedger(':memory:')
  const events: RunEvent[] = []
  return { ...sims, ledger, events }
}

/** Every row of the migrated tables now in the simulator, as `entitySet(id)`. */
function rowsInDataverse(dataverse: ReturnType<typeof setUp>['dataverse']): Set<string> {
  return new Set(
    TABLES.flatMap((t) =>
      dataverse.rows(t.logicalName).map((r) => `${t.entitySet}(${String(r[t.primaryId])})`),
    ),
  )
}

async function mayHaveWritten(ledger: Ledger, runId: string) {
  const rows = await rowsRunMayHaveWritten(ledger, runId)
  const created = new Set<string>()
  const updated = new Set<string>()
  for (const [entitySet, written] of rows) {
    for (const id of written.created) created.add(`${entitySet}(${id})`)
    for (const image of written.updated) updated.add(`${entitySet}(${image.targetId})`)
  }
  return { created, updated }
}

/**
 * A Dataverse whose bulk writes reach the server and then "crash" the process from the run's point of view: the first
 * write to `table` after `after` of its rows were sent is applied, then throws, so its rows are in Dataverse with no
 * outcome in the ledger.
 */
function crashingAfterSend(target: DataverseBulkTarget, table: string, after: number): DataverseBulkTarget {
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

describe('a migration stopped part-way', () => {
  it('on abort: starts no new batch, records what was in flight, stays resumable; what rollback leaves is among the rows it may have written', async () => {
    const { dataverse, source, target, ledger, events } = setUp()
    const controller = new AbortController()
    const emit = (e: RunEvent) => {
      events.push(e)
      if (e.type === 'batch.loaded' && e.phase === 'Contacts' && e.done >= 60) controller.abort()
    }
    const deps = { source, target, ledger, emit, now: () => new Date(), signal: controller.signal }
    const stopped = await migrate(options, deps).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(stopped).toBeInstanceOf(RunInterrupted)
    if (!(stopped instanceof RunInterrupted)) return
    expect(stopped.kind).toBe('migrate')
    const contacts = stopped.counts.find((c) => c.phase === 'Contacts')
    expect((contacts?.created ?? 0) + (contacts?.quarantined ?? 0)).toBeGreaterThanOrEqual(60)
    expect((contacts?.created ?? 0) + (contacts?.quarantined ?? 0)).toBeLessThan(200)
    expect(stopped.counts.some((c) => c.phase === 'Accounts.links')).toBe(false)
    expect((await ledger.run(stopped.runId))?.status).toBe('running')
    expect(events.some((e) => e.type === 'run.finished')).toBe(false)

    // Everything in Dataverse is known to the ledger: recorded, or (a batch the loader had begun and dropped when it
    // stopped) in the write intents.
    const inDataverse = rowsInDataverse(dataverse)
    const { created, updated } = await mayHaveWritten(ledger, stopped.runId)
    for (const row of inDataverse) expect(created.has(row) || updated.has(row)).toBe(true)
    const recorded = new Set<string>()
    for await (const o of ledger.outcomes(stopped.runId))
      if (o.status === 'created')
        recorded.add(`${o.phase === 'Accounts' ? 'accounts' : 'contacts'}(${o.targetId})`)
    for (const row of recorded) expect(inDataverse).toContain(row)
    expect(inDataverse.size - recorded.size).toBeLessThan(2 * options.batchSize)

    // Rollback reads the intents too: the rows of the dropped batch go with the recorded ones, and it checks out.
    const undone = await rollback(
      { mapping },
      { target, ledger, emit: () => undefined, now: () => new Date() },
    )
    expect(undone.deleted).toBeGreaterThanOrEqual(recorded.size)
    expect(undone.verified).toBe(true)
    expect(rowsInDataverse(dataverse).size).toBe(0)
  })

  it('killed after a request left: every row in Dataverse is among the rows the run may have written', async () => {
    const { dataverse, source, target, ledger } = setUp()
    const deps = { source, ledger, emit: () => undefined, now: () => new Date() }
    await expect(
      migrate(options, { ...deps, target: crashingAfterSend(target, 'account', 30) }),
    ).rejects.toThrow(/killed after the request left/)
    const run = await ledger.unfinishedRun('migrate')
    if (run === undefined) throw new Error('the run should be unfinished')

    const inDataverse = rowsInDataverse(dataverse)
    let outcomeRows = 0
    for await (const o of ledger.outcomes(run.runId)) if (o.status === 'created') outcomeRows++
    // The crash left rows the outcomes do not name: only the intents know them.
    expect(inDataverse.size).toBeGreaterThan(outcomeRows)
    const { created, updated } = await mayHaveWritten(ledger, run.runId)
    expect(updated).toEqual(new Set())
    for (const row of inDataverse) expect(created).toContain(row)
  })

  it('killed after a request left, then resumed: no row the run created is booked as updated or pre-existing', async () => {
    const { dataverse, source, target, ledger } = setUp()
    const deps = { source, ledger, emit: () => undefined, now: () => new Date() }
    // Killed in the Contacts phase, after 60 contacts were sent.
    await expect(
      migrate(options, { ...deps, target: crashingAfterSend(target, 'contact', 60) }),
    ).rejects.toThrow(/killed after the request left/)
    const orphans = rowsInDataverse(dataverse)
    const contactsLeft = dataverse.rows('contact').length
    expect(contactsLeft).toBeGreaterThan(60)
    expect(contactsLeft).toBeLessThan(199)
    let recorded = 0
    const crashed = await ledger.unfinishedRun('migrate')
    for await (const o of ledger.outcomes(crashed?.runId ?? '', 'Contacts'))
      if (o.status === 'created') recorded++
    expect(recorded).toBeLessThan(contactsLeft)

    const resumed = await migrate(options, { ...deps, target })
    expect(resumed.resumed).toBe(true)
    expect(resumed.reconciliation.balanced).toBe(true)
    for (const phase of resumed.reconciliation.phases.filter((p) => !p.phase.endsWith('.links')))
      expect(phase.updated).toBe(0)
    const images = []
    for await (const image of ledger.beforeImages(resumed.runId)) images.push(image)
    expect(images).toEqual([])
    const { created, updated } = await mayHaveWritten(ledger, resumed.runId)
    expect(updated).toEqual(new Set())
    const inDataverse = rowsInDataverse(dataverse)
    for (const row of inDataverse) expect(created).toContain(row)
    for (const row of orphans) expect(inDataverse).toContain(row)

    // The rollback as it is (from outcomes) now finds every row: the resumed run booked them all as created.
    const undone = await rollback(
      { mapping },
      { target, ledger, emit: () => undefined, now: () => new Date() },
    )
    expect(undone.verified).toBe(true)
    expect(rowsInDataverse(dataverse)).toEqual(new Set())
  })

  it('a delta aborted part-way records what was in flight, and the next delta loads exactly the rest', async () => {
    const { dataverse, source, target, ledger, x2crm, generated } = setUp()
    const deps = { source, target, ledger, emit: () => undefined, now: () => new Date() }
    await migrate(options, deps)
    for (const contact of generated.dataset.records['Contacts'] ?? [])
      x2crm.upsert('Contacts', { ...contact, title: `Cutover ${String(contact['id'])}` })

    const controller = new AbortController()
    const emit = (e: RunEvent) => {
      if (e.type === 'batch.loaded' && e.phase === 'Contacts' && e.done >= 40) controller.abort()
    }
    const stopped = await delta(options, { ...deps, emit, signal: controller.signal }).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(stopped).toBeInstanceOf(RunInterrupted)
    if (!(stopped instanceof RunInterrupted)) return
    expect(stopped.kind).toBe('delta')
    const cutover = () => dataverse.rows('contact').filter((c) => String(c['jobtitle']).startsWith('Cutover'))
    let recorded = 0
    for await (const o of ledger.outcomes(stopped.runId, 'Contacts')) if (o.status === 'updated') recorded++
    expect(recorded).toBeGreaterThan(0)
    expect(recorded).toBeLessThanOrEqual(cutover().length)
    expect(cutover().length).toBeLessThan(dataverse.rows('contact').length)
    // What the stop left unrecorded is in its write intents.
    const known = new Set<string>()
    for await (const intent of ledger.intents.all(stopped.runId)) known.add(intent.targetId)
    for (const row of cutover()) expect(known).toContain(String(row['contactid']))

    const rest = await delta(options, deps)
    expect(rest.reconciliation.balanced).toBe(true)
    expect(cutover()).toHaveLength(dataverse.rows('contact').length)
    expect((await ledger.run(stopped.runId))?.status).toBe('failed')
  })
})
