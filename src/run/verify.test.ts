import { describe, expect, it } from 'vitest'
import { createMemoryLedger } from '../ledger/memory.ts'
import { CONTACT } from '../mapping/default-map.ts'
import { targetIdFor } from '../mapping/target-id.ts'
import type { EntityMap } from '../mapping/types.ts'
import type { X2crmRecord } from '../source/x2crm/types.ts'
import type { RunEvent } from './events.ts'
import { MISMATCH_EXAMPLES, verify, type VerifyDeps } from './verify.ts'

const INSTANCE = 'unit'
const CONTACTS: EntityMap = {
  entity: 'Contacts',
  table: CONTACT,
  fields: [
    { source: 'firstName', target: 'firstname', transform: 'text' },
    { source: 'title', target: 'jobtitle', transform: 'text' },
  ],
}

const aContact = (id: number, extra: Partial<X2crmRecord> = {}): X2crmRecord => ({
  id,
  firstName: `First ${id}`,
  title: `Title ${id}`,
  ...extra,
})

/** A source of `records`, a target holding `rows` by contactid, a ledger that loaded `loaded` in a migrate run. */
async function setUp(records: X2crmRecord[], rows: Record<string, unknown>[], loaded: number[]) {
  const ledger = createMemoryLedger()
  const at = new Date('2026-11-26T10:00:00Z')
  const migrated = await ledger.startRun('migrate', { instance: INSTANCE }, at)
  await ledger.recordBatch(
    migrated.runId,
    'Contacts',
    loaded.map((id) => ({
      runId: migrated.runId,
      phase: 'Contacts',
      sourceKey: `Contacts:${id}`,
      status: 'created' as const,
      targetId: targetIdFor(INSTANCE, 'Contacts', id),
    })),
    { lastSourceId: Math.max(0, ...loaded) },
  )
  await ledger.finishRun(migrated.runId, 'succeeded', at, {})
  const events: RunEvent[] = []
  let clock = at.getTime() + 60_000
  const deps: VerifyDeps = {
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
        yield* rows.filter((r) => ids.has(String(r['contactid'])))
      },
    },
    ledger,
    emit: (event) => events.push(event),
    now: () => new Date((clock += 2000)),
  }
  return { ledger, deps, events, migrated }
}

const rowOf = (record: X2crmRecord, changes: Record<string, unknown> = {}) => ({
  contactid: targetIdFor(INSTANCE, 'Contacts', Number(record['id'])),
  firstname: record['firstName'],
  jobtitle: record['title'],
  ...changes,
})

describe('verify', () => {
  it('records its result as a verify run that names the run it checked, and emits progress with the total', async () => {
    const records = [aContact(1), aContact(2), aContact(3), aContact(4)]
    const [one, two, three] = records
    if (!one || !two || !three) throw new Error('no records')
    // 1 matches, 2 differs in jobtitle, 3 is gone from Dataverse, 4 was never migrated.
    const { ledger, deps, events, migrated } = await setUp(
      records,
      [rowOf(one), rowOf(two, { jobtitle: 'Edited by hand' })],
      [1, 2, 3],
    )
    const result = await verify({ instance: INSTANCE, mapping: { entities: [CONTACTS] } }, deps)

    expect(result).toMatchObject({ of: migrated.runId, ok: false, seconds: 2 })
    expect(result.entities).toEqual([
      {
        entity: 'Contacts',
        checked: 2,
        matched: 1,
        mismatched: 1,
        missing: 1,
        notMigrated: 1,
        quarantined: 0,
        quarantinedKeys: [],
        byColumn: { jobtitle: 1 },
        mismatches: [
          {
            sourceKey: 'Contacts:2',
            targetId: targetIdFor(INSTANCE, 'Contacts', 2),
            field: 'title',
            column: 'jobtitle',
            expected: 'Title 2',
            actual: 'Edited by hand',
          },
        ],
        missingKeys: ['Contacts:3'],
      },
    ])
    const run = await ledger.run(result.runId)
    expect(run).toMatchObject({
      kind: 'verify',
      status: 'succeeded',
      params: { all: true, of: migrated.runId },
    })
    const { runId: _, ...summary } = result
    expect(run?.summary).toEqual(summary)

    expect(events.map((e) => e.type)).toEqual([
      'run.started',
      'phase.started',
      'batch.loaded',
      'phase.finished',
    ])
    expect(events[1]).toMatchObject({ phase: 'Contacts', sourceCount: 4, counting: 'records to check' })
    expect(events[2]).toMatchObject({ phase: 'Contacts', done: 4, total: 4, lastSourceId: 4 })
  })

  it('with a sample, counts progress against the sample and says so in the run', async () => {
    const records = Array.from({ length: 120 }, (_, i) => aContact(i + 1))
    const { ledger, deps, events } = await setUp(
      records,
      records.map((r) => rowOf(r)),
      records.map((r) => Number(r['id'])),
    )
    const result = await verify(
      { instance: INSTANCE, mapping: { entities: [CONTACTS] }, sample: 70, random: () => 0.5 },
      deps,
    )
    expect(result.ok).toBe(true)
    expect(result.entities[0]).toMatchObject({ checked: 70, matched: 70 })
    expect(events.find((e) => e.type === 'phase.started')).toMatchObject({ sourceCount: 70 })
    const batches = events.filter((e) => e.type === 'batch.loaded')
    expect(batches.map((e) => e.type === 'batch.loaded' && [e.done, e.total])).toEqual([
      [50, 70],
      [70, 70],
    ])
    expect((await ledger.run(result.runId))?.params).toMatchObject({ all: false, sample: 70 })
  })

  it('keeps the first mismatches, the first of every column past them, and cuts long values', async () => {
    const count = MISMATCH_EXAMPLES + 10
    const records = Array.from({ length: count }, (_, i) => aContact(i + 1))
    const rows = records.map((r, i) =>
      rowOf(r, {
        jobtitle: 'x'.repeat(500),
        // Only the last record differs in its first name: its column still gets an example.
        ...(i === count - 1 && { firstname: 'Renamed' }),
      }),
    )
    const { ledger, deps } = await setUp(
      records,
      rows,
      records.map((r) => Number(r['id'])),
    )
    const result = await verify({ instance: INSTANCE, mapping: { entities: [CONTACTS] } }, deps)
    const [contacts] = result.entities
    expect(contacts?.byColumn).toEqual({ jobtitle: count, firstname: 1 })
    expect(contacts?.mismatches).toHaveLength(MISMATCH_EXAMPLES + 1)
    expect(contacts?.mismatches.at(-1)).toMatchObject({ column: 'firstname', actual: 'Renamed' })
    expect(String(contacts?.mismatches[0]?.actual)).toHaveLength(201)
    expect(JSON.stringify((await ledger.run(result.runId))?.summary).length).toBeLessThan(30_000)
  })

  it('closes the run as failed with the reason when it cannot finish', async () => {
    const { ledger, deps } = await setUp([aContact(1)], [], [1])
    const failing: VerifyDeps = {
      ...deps,
      target: {
        // eslint-disable-next-line require-yield
        query: async function* () {
          throw new Error('Dataverse is down')
        },
      },
    }
    await expect(verify({ instance: INSTANCE, mapping: { entities: [CONTACTS] } }, failing)).rejects.toThrow(
      'Dataverse is down',
    )
    const [newest] = await ledger.runs()
    expect(newest).toMatchObject({
      kind: 'verify',
      status: 'failed',
      summary: { error: 'Dataverse is down' },
    })
  })

  it('names no run when every migration of the instance is rolled back', async () => {
    const { ledger, deps, migrated } = await setUp([], [], [])
    const undo = await ledger.startRun('rollback', { of: migrated.runId }, new Date('2026-11-26T10:00:30Z'))
    await ledger.finishRun(undo.runId, 'succeeded', new Date('2026-11-26T10:00:31Z'), {})
    const result = await verify({ instance: INSTANCE, mapping: { entities: [CONTACTS] } }, deps)
    expect(result.of).toBeUndefined()
    expect((await ledger.run(result.runId))?.params['of']).toBeUndefined()
  })
})
