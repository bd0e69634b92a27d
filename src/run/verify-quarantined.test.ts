import { describe, expect, it } from 'vitest'
import type { Ledger, OutcomeStatus } from '../ledger/ledger.ts'
import { createMemoryLedger } from '../ledger/memory.ts'
import { CONTACT } from '../mapping/default-map.ts'
import { targetIdFor } from '../mapping/target-id.ts'
import type { EntityMap } from '../mapping/types.ts'
import type { X2crmRecord } from '../source/x2crm/types.ts'
import { verify, type VerifyDeps } from './verify.ts'
import { readQuarantines } from './verify-quarantined.ts'

const INSTANCE = 'unit'
const CONTACTS: EntityMap = {
  entity: 'Contacts',
  table: CONTACT,
  fields: [{ source: 'title', target: 'jobtitle', transform: 'text' }],
}
const REFUSED = 'Dataverse rejected the row (400 0x80040203): jobtitle is required and cannot be null.'

let minute = 0
const nextMinute = () => new Date(Date.UTC(2026, 10, 26, 10, minute++))

/** A run of `kind` with these outcomes (phase Contacts), finished. */
async function aRun(
  ledger: Ledger,
  kind: string,
  outcomes: [id: number, status: OutcomeStatus, reason?: string][],
  params: Record<string, unknown> = { instance: INSTANCE },
): Promise<string> {
  const run = await ledger.startRun(kind, params, nextMinute())
  await ledger.recordBatch(
    run.runId,
    'Contacts',
    outcomes.map(([id, status, reason]) => ({
      runId: run.runId,
      phase: 'Contacts',
      sourceKey: `Contacts:${id}`,
      status,
      targetId: targetIdFor(INSTANCE, 'Contacts', id),
      ...(reason !== undefined && { reason }),
    })),
    { lastSourceId: Math.max(0, ...outcomes.map(([id]) => id)) },
  )
  await ledger.finishRun(run.runId, 'succeeded', nextMinute(), {})
  return run.runId
}

/** X2CRM holds `records`; Dataverse holds each one's row with `jobtitle` as `rows` says. */
function depsOf(ledger: Ledger, records: X2crmRecord[], rows: Record<number, string>): VerifyDeps {
  return {
    source: {
      records: async function* () {
        yield* records
      },
      count: async () => records.length,
    },
    target: {
      query: async function* (_entitySet, options) {
        const ids = new Set(
          [...(options?.filter ?? '').matchAll(/contactid eq ([0-9a-f-]+)/g)].map((m) => m[1]),
        )
        for (const [id, jobtitle] of Object.entries(rows)) {
          const contactid = targetIdFor(INSTANCE, 'Contacts', Number(id))
          if (ids.has(contactid)) yield { contactid, jobtitle }
        }
      },
    },
    ledger,
    emit: () => undefined,
    now: nextMinute,
  }
}

const contact = (id: number, title: string): X2crmRecord => ({ id, title })

describe('verify and quarantined records', () => {
  it('reports a loaded record whose newest outcome is a quarantine apart, with its reason, not as a mismatch', async () => {
    const ledger = createMemoryLedger()
    await aRun(ledger, 'migrate', [
      [1, 'created'],
      [2, 'created'],
    ])
    // The cutover changed both in X2CRM; Dataverse refused the delta's update of 2, so its row is the old one.
    await aRun(ledger, 'delta', [
      [1, 'updated'],
      [2, 'quarantined', REFUSED],
    ])
    const result = await verify(
      { instance: INSTANCE, mapping: { entities: [CONTACTS] } },
      depsOf(ledger, [contact(1, 'New'), contact(2, 'New')], { 1: 'New', 2: 'Old' }),
    )
    expect(result.ok).toBe(true)
    expect(result.entities[0]).toMatchObject({
      checked: 1,
      matched: 1,
      mismatched: 0,
      missing: 0,
      notMigrated: 0,
      quarantined: 1,
      quarantinedKeys: [{ sourceKey: 'Contacts:2', reason: REFUSED }],
      mismatches: [],
    })
    // The verify run's summary keeps them, for the report.
    expect((await ledger.run(result.runId))?.summary?.['entities']).toMatchObject([
      { quarantined: 1, quarantinedKeys: [{ sourceKey: 'Contacts:2' }] },
    ])
  })

  it('still reports a loaded record that differs as a mismatch, also when an older run had quarantined it', async () => {
    const ledger = createMemoryLedger()
    await aRun(ledger, 'migrate', [
      [1, 'created'],
      [2, 'quarantined', REFUSED],
    ])
    // A later delta loaded 2 at last: its quarantine is history, its row is compared.
    await aRun(ledger, 'delta', [[2, 'created']])
    const result = await verify(
      { instance: INSTANCE, mapping: { entities: [CONTACTS] } },
      depsOf(ledger, [contact(1, 'One'), contact(2, 'Two')], { 1: 'Edited by hand', 2: 'Edited too' }),
    )
    expect(result.ok).toBe(false)
    expect(result.entities[0]).toMatchObject({
      checked: 2,
      mismatched: 2,
      quarantined: 0,
      quarantinedKeys: [],
    })
  })

  it('compares the record again when the run that quarantined it was rolled back', async () => {
    const ledger = createMemoryLedger()
    await aRun(ledger, 'migrate', [[1, 'created']])
    const cutover = await aRun(ledger, 'delta', [[1, 'quarantined', REFUSED]])
    await aRun(ledger, 'rollback', [], { of: cutover })
    const result = await verify(
      { instance: INSTANCE, mapping: { entities: [CONTACTS] } },
      depsOf(ledger, [contact(1, 'New')], { 1: 'Old' }),
    )
    expect(result.entities[0]).toMatchObject({ checked: 1, mismatched: 1, quarantined: 0 })
  })

  it("leaves another instance's quarantines out", async () => {
    const ledger = createMemoryLedger()
    await aRun(ledger, 'migrate', [[1, 'created']])
    await aRun(ledger, 'delta', [[1, 'quarantined', REFUSED]], { instance: 'other' })
    const quarantines = await readQuarantines(ledger, INSTANCE)
    const [migrated] = (await ledger.runs()).filter((r) => r.kind === 'migrate')
    expect(quarantines.newestOf({ sourceKey: 'Contacts:1', runId: migrated?.runId ?? '' })).toBeUndefined()
  })

  it('counts a quarantine in the same run as the load as newest (a link or close step refused after pass 1)', async () => {
    const ledger = createMemoryLedger()
    const run = await ledger.startRun('migrate', { instance: INSTANCE }, nextMinute())
    const key = 'Contacts:1'
    const targetId = targetIdFor(INSTANCE, 'Contacts', 1)
    await ledger.recordBatch(
      run.runId,
      'Contacts',
      [{ runId: run.runId, phase: 'Contacts', sourceKey: key, status: 'created', targetId }],
      {
        lastSourceId: 1,
      },
    )
    await ledger.recordBatch(
      run.runId,
      'Contacts.links',
      [
        {
          runId: run.runId,
          phase: 'Contacts.links',
          sourceKey: key,
          status: 'quarantined',
          targetId,
          reason: REFUSED,
        },
      ],
      { lastSourceId: 1 },
    )
    const quarantines = await readQuarantines(ledger, INSTANCE)
    expect(quarantines.newestOf({ sourceKey: key, runId: run.runId })).toEqual({
      runId: run.runId,
      reason: REFUSED,
    })
  })
})
