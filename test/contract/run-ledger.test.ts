import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Ledger, OutcomeStatus, RecordOutcome, RunId, RunLedger } from '../../src/ledger/ledger.ts'
import { createMemoryLedger } from '../../src/ledger/memory.ts'
import { createSqliteLedger } from '../../src/ledger/sqlite.ts'
import { createThreadLedger } from '../../src/ledger/thread-ledger.ts'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { postgresAnswers, scratchPostgresLedger } from '../helpers/postgres.ts'

// The run ledger of each ledger; its hash and fix stores have their own suites (hash-store, fix-store).
const implementations: [string, () => Ledger | Promise<Ledger>][] = [
  ['memory', createMemoryLedger],
  ['sqlite', () => createSqliteLedger(':memory:')],
  // The SQLite ledger on its own thread (migrate's and delta's), on a file.
  [
    'sqlite on its own thread',
    () => createThreadLedger(join(mkdtempSync(join(tmpdir(), 'x2d365-thread-')), 'ledger.sqlite')),
  ],
]
// The PostgreSQL ledger of distributed runs, in a schema of its own per test, when a server answers.
if (await postgresAnswers()) implementations.push(['postgres', () => scratchPostgresLedger('run_ledger')])

const at = (minute: number) => new Date(Date.UTC(2025, 2, 15, 9, minute))

function anOutcome(runId: RunId, overrides: Partial<RecordOutcome> & { sourceKey: string }): RecordOutcome {
  const status = overrides.status ?? 'created'
  return {
    runId,
    phase: 'Contacts',
    status,
    ...((status === 'created' || status === 'updated') && { targetId: `target-of-${overrides.sourceKey}` }),
    ...overrides,
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = []
  for await (const item of items) all.push(item)
  return all
}

for (const [name, make] of implementations) {
  describe(`RunLedger contract: ${name}`, () => {
    let ledger: RunLedger
    let full: Ledger
    let close: () => Promise<void>
    beforeEach(async () => {
      const made = await make()
      ledger = made
      full = made
      close = () => made.close()
    })
    afterEach(async () => {
      await close()
    })

    describe('runs', () => {
      it('starts a run as running, with its kind, start time and params', async () => {
        const run = await ledger.startRun('migrate', { mappingHash: 'abc', phases: ['Accounts'] }, at(0))

        expect(run.runId).toMatch(/\S/)
        expect(run).toEqual({
          runId: run.runId,
          kind: 'migrate',
          status: 'running',
          startedAt: '2025-03-15T09:00:00.000Z',
          params: { mappingHash: 'abc', phases: ['Accounts'] },
        })
        expect(await ledger.run(run.runId)).toEqual(run)
      })

      it('gives each run its own id', async () => {
        const a = await ledger.startRun('migrate', {}, at(0))
        const b = await ledger.startRun('migrate', {}, at(0))

        expect(a.runId).not.toBe(b.runId)
      })

      it('finishes a run with its status and time', async () => {
        const run = await ledger.startRun('migrate', {}, at(0))

        await ledger.finishRun(run.runId, 'failed', at(5))

        expect(await ledger.run(run.runId)).toEqual({
          ...run,
          status: 'failed',
          finishedAt: '2025-03-15T09:05:00.000Z',
        })
      })

      it('keeps the summary a finished run leaves for its reports', async () => {
        const run = await ledger.startRun('migrate', {}, at(0))
        const summary = {
          reconciliation: { balanced: true, phases: [{ phase: 'Accounts', source: 3 }] },
          seconds: 1.5,
        }

        await ledger.finishRun(run.runId, 'succeeded', at(5), summary)

        expect((await ledger.run(run.runId))?.summary).toEqual(summary)
        expect((await ledger.runs())[0]?.summary).toEqual(summary)
      })

      it('refuses to finish a run it does not know', async () => {
        await expect(ledger.finishRun('no-such-run', 'succeeded', at(0))).rejects.toThrow(/no such run/)
      })

      it('answers undefined for an unknown run', async () => {
        expect(await ledger.run('no-such-run')).toBeUndefined()
      })

      it('lists runs newest first, by start time and then by the order they were started', async () => {
        const early = await ledger.startRun('migrate', {}, at(1))
        const late = await ledger.startRun('delta', {}, at(9))
        const sameTimeFirst = await ledger.startRun('migrate', {}, at(5))
        const sameTimeSecond = await ledger.startRun('migrate', {}, at(5))

        const ids = (await ledger.runs()).map((r) => r.runId)

        expect(ids).toEqual([late.runId, sameTimeSecond.runId, sameTimeFirst.runId, early.runId])
      })

      it('finds the newest unfinished run of a kind, which a killed process left running', async () => {
        const older = await ledger.startRun('migrate', {}, at(1))
        const newer = await ledger.startRun('migrate', { attempt: 2 }, at(2))
        await ledger.startRun('delta', {}, at(3))

        expect((await ledger.unfinishedRun('migrate'))?.runId).toBe(newer.runId)

        await ledger.finishRun(newer.runId, 'succeeded', at(4))
        expect((await ledger.unfinishedRun('migrate'))?.runId).toBe(older.runId)

        await ledger.finishRun(older.runId, 'failed', at(5))
        expect(await ledger.unfinishedRun('migrate')).toBeUndefined()
        expect(await ledger.unfinishedRun('rollback')).toBeUndefined()
      })
    })

    describe('recordBatch and outcomes', () => {
      it('keeps every field of an outcome', async () => {
        const { runId } = await ledger.startRun('migrate', {}, at(0))
        const batch: RecordOutcome[] = [
          { runId, phase: 'Contacts', sourceKey: 'Contacts:1', status: 'created', targetId: 't1' },
          {
            runId,
            phase: 'Contacts',
            sourceKey: 'Contacts:2',
            status: 'updated',
            targetId: 't2',
            warnings: ['email: "x@@y" is not a valid e-mail address; left empty', 'company: not linked'],
          },
          {
            runId,
            phase: 'Contacts',
            sourceKey: 'Contacts:3',
            status: 'quarantined',
            reason: 'lastname: too long',
          },
          {
            runId,
            phase: 'Contacts',
            sourceKey: 'Contacts:4',
            status: 'skipped',
            reason: 'deleted in X2CRM',
          },
        ]

        await ledger.recordBatch(runId, 'Contacts', batch, { lastSourceId: 4 })

        expect(await collect(ledger.outcomes(runId))).toEqual(batch)
      })

      it('drops an empty warning list rather than storing it', async () => {
        const { runId } = await ledger.startRun('migrate', {}, at(0))

        await ledger.recordBatch(
          runId,
          'Contacts',
          [anOutcome(runId, { sourceKey: 'Contacts:1', warnings: [] })],
          {
            lastSourceId: 1,
          },
        )

        const [stored] = await collect(ledger.outcomes(runId))
        expect(stored).not.toHaveProperty('warnings')
      })

      it('replaces an earlier outcome of the same run, phase and key, and lists it in the order written', async () => {
        const { runId } = await ledger.startRun('migrate', {}, at(0))
        await ledger.recordBatch(
          runId,
          'Contacts',
          [
            anOutcome(runId, { sourceKey: 'Contacts:1', status: 'quarantined', reason: 'HTTP 503' }),
            anOutcome(runId, { sourceKey: 'Contacts:2' }),
          ],
          { lastSourceId: 2 },
        )

        await ledger.recordBatch(runId, 'Contacts', [anOutcome(runId, { sourceKey: 'Contacts:1' })], {
          lastSourceId: 2,
        })

        const outcomes = await collect(ledger.outcomes(runId))
        expect(outcomes.map((o) => [o.sourceKey, o.status])).toEqual([
          ['Contacts:2', 'created'],
          ['Contacts:1', 'created'],
        ])
        expect(outcomes[1]).not.toHaveProperty('reason')
      })

      it('keeps outcomes of the same key in different phases and runs apart', async () => {
        const first = await ledger.startRun('migrate', {}, at(0))
        const second = await ledger.startRun('migrate', {}, at(1))
        await ledger.recordBatch(
          first.runId,
          'Accounts',
          [anOutcome(first.runId, { phase: 'Accounts', sourceKey: 'Accounts:1' })],
          { lastSourceId: 1 },
        )
        await ledger.recordBatch(
          first.runId,
          'Accounts.links',
          [anOutcome(first.runId, { phase: 'Accounts.links', sourceKey: 'Accounts:1', status: 'updated' })],
          { lastSourceId: 1 },
        )
        await ledger.recordBatch(
          second.runId,
          'Accounts',
          [
            anOutcome(second.runId, {
              phase: 'Accounts',
              sourceKey: 'Accounts:1',
              status: 'skipped',
              reason: 'unchanged',
            }),
          ],
          { lastSourceId: 1 },
        )

        expect((await collect(ledger.outcomes(first.runId))).map((o) => [o.phase, o.status])).toEqual([
          ['Accounts', 'created'],
          ['Accounts.links', 'updated'],
        ])
        expect((await collect(ledger.outcomes(first.runId, 'Accounts.links'))).map((o) => o.status)).toEqual([
          'updated',
        ])
        expect((await collect(ledger.outcomes(second.runId))).map((o) => o.status)).toEqual(['skipped'])
      })

      it('streams a run of more outcomes than one page, in order', async () => {
        const { runId } = await ledger.startRun('migrate', {}, at(0))
        for (let batch = 0; batch < 3; batch++) {
          const outcomes = Array.from({ length: 1000 }, (_, i) =>
            anOutcome(runId, { sourceKey: `Contacts:${batch * 1000 + i + 1}` }),
          )
          await ledger.recordBatch(runId, 'Contacts', outcomes, { lastSourceId: (batch + 1) * 1000 })
        }
        await ledger.recordBatch(
          runId,
          'Actions',
          [anOutcome(runId, { phase: 'Actions', sourceKey: 'Actions:1' })],
          {
            lastSourceId: 1,
          },
        )

        const keys = (await collect(ledger.outcomes(runId, 'Contacts'))).map((o) => o.sourceKey)

        expect(keys).toHaveLength(3000)
        expect(keys[0]).toBe('Contacts:1')
        expect(keys[2999]).toBe('Contacts:3000')
        expect(await collect(ledger.outcomes(runId))).toHaveLength(3001)
      })

      it('lets the caller write while it reads the outcomes', async () => {
        const { runId } = await ledger.startRun('rollback', {}, at(0))
        const outcomes = Array.from({ length: 1500 }, (_, i) =>
          anOutcome(runId, { sourceKey: `Contacts:${i + 1}` }),
        )
        await ledger.recordBatch(runId, 'Contacts', outcomes, { lastSourceId: 1500 })
        const other = await ledger.startRun('rollback', {}, at(1))

        let read = 0
        for await (const outcome of ledger.outcomes(runId)) {
          await ledger.recordBatch(
            other.runId,
            'Contacts',
            [{ ...outcome, runId: other.runId, status: 'skipped' }],
            {
              lastSourceId: ++read,
            },
          )
        }

        expect(read).toBe(1500)
        expect((await ledger.counts(other.runId))[0]?.skipped).toBe(1500)
      })

      it('yields nothing for an unknown run or phase', async () => {
        const { runId } = await ledger.startRun('migrate', {}, at(0))

        expect(await collect(ledger.outcomes('no-such-run'))).toEqual([])
        expect(await collect(ledger.outcomes(runId, 'Nothing'))).toEqual([])
      })

      it('refuses an outcome recorded under another run or phase', async () => {
        const { runId } = await ledger.startRun('migrate', {}, at(0))

        await expect(
          ledger.recordBatch(runId, 'Accounts', [anOutcome(runId, { sourceKey: 'Contacts:1' })], {
            lastSourceId: 1,
          }),
        ).rejects.toThrow(/phase Contacts/)
      })

      it('refuses a batch for a run it does not know', async () => {
        await expect(
          ledger.recordBatch(
            'no-such-run',
            'Contacts',
            [anOutcome('no-such-run', { sourceKey: 'Contacts:1' })],
            {
              lastSourceId: 1,
            },
          ),
        ).rejects.toThrow(/nothing of the batch was kept/)
      })

      it('keeps nothing of a batch it refuses: not the valid outcomes before the bad one, not the checkpoint', async () => {
        const { runId } = await ledger.startRun('migrate', {}, at(0))
        await ledger.recordBatch(runId, 'Contacts', [anOutcome(runId, { sourceKey: 'Contacts:1' })], {
          lastSourceId: 1,
        })

        const bad = [
          anOutcome(runId, { sourceKey: 'Contacts:2' }),
          anOutcome(runId, { sourceKey: 'Contacts:1', status: 'quarantined', reason: 'replaced?' }),
          anOutcome(runId, { sourceKey: 'Contacts:3', status: 'lost' as OutcomeStatus }),
        ]
        await expect(ledger.recordBatch(runId, 'Contacts', bad, { lastSourceId: 3 })).rejects.toThrow(
          /nothing of the batch was kept/,
        )

        expect(await collect(ledger.outcomes(runId))).toEqual([anOutcome(runId, { sourceKey: 'Contacts:1' })])
        expect(await ledger.checkpoint(runId, 'Contacts')).toEqual({ lastSourceId: 1 })
      })

      it('keeps the hashes of a batch with its outcomes, in its transaction: none of a refused batch', async () => {
        const { runId } = await full.startRun('migrate', {}, at(0))
        await full.recordBatch(
          runId,
          'Contacts',
          [anOutcome(runId, { sourceKey: 'Contacts:1' })],
          { lastSourceId: 1 },
          { entity: 'Contacts', hashes: [{ id: 1, hash: 'h1' }] },
        )
        const bad = [anOutcome(runId, { sourceKey: 'Contacts:2', status: 'lost' as OutcomeStatus })]
        await expect(
          full.recordBatch(
            runId,
            'Contacts',
            bad,
            { lastSourceId: 2 },
            { entity: 'Contacts', hashes: [{ id: 2, hash: 'h2' }] },
          ),
        ).rejects.toThrow(/nothing of the batch was kept/)
        expect(await collect(full.contentHashes.hashes('Contacts'))).toEqual([{ id: 1, hash: 'h1' }])
      })

      it('refuses a created outcome without a target id', async () => {
        const { runId } = await ledger.startRun('migrate', {}, at(0))
        const created: RecordOutcome = {
          runId,
          phase: 'Contacts',
          sourceKey: 'Contacts:1',
          status: 'created',
        }

        await expect(ledger.recordBatch(runId, 'Contacts', [created], { lastSourceId: 1 })).rejects.toThrow()
        expect(await ledger.checkpoint(runId, 'Contacts')).toBeUndefined()
      })
    })

    describe('checkpoints', () => {
      it('has none before the first batch of a phase', async () => {
        const { runId } = await ledger.startRun('migrate', {}, at(0))

        expect(await ledger.checkpoint(runId, 'Contacts')).toBeUndefined()
        expect(await ledger.checkpoint('no-such-run', 'Contacts')).toBeUndefined()
      })

      it('keeps the last checkpoint of each phase of each run', async () => {
        const a = await ledger.startRun('migrate', {}, at(0))
        const b = await ledger.startRun('migrate', {}, at(1))
        await ledger.recordBatch(a.runId, 'Contacts', [], { lastSourceId: 100 })
        await ledger.recordBatch(a.runId, 'Contacts', [], { lastSourceId: 200 })
        await ledger.recordBatch(a.runId, 'Accounts', [], { lastSourceId: 7 })
        await ledger.recordBatch(b.runId, 'Contacts', [], { lastSourceId: 5 })

        expect(await ledger.checkpoint(a.runId, 'Contacts')).toEqual({ lastSourceId: 200 })
        expect(await ledger.checkpoint(a.runId, 'Accounts')).toEqual({ lastSourceId: 7 })
        expect(await ledger.checkpoint(b.runId, 'Contacts')).toEqual({ lastSourceId: 5 })
      })

      it('refuses a checkpoint that is not an integer', async () => {
        const { runId } = await ledger.startRun('migrate', {}, at(0))

        await expect(ledger.recordBatch(runId, 'Contacts', [], { lastSourceId: 1.5 })).rejects.toThrow()
        expect(await ledger.checkpoint(runId, 'Contacts')).toBeUndefined()
      })
    })

    describe('counts', () => {
      it('counts the current outcomes per phase and status, phases in the order they began', async () => {
        const { runId } = await ledger.startRun('migrate', {}, at(0))
        await ledger.recordBatch(
          runId,
          'Accounts',
          [
            anOutcome(runId, { phase: 'Accounts', sourceKey: 'Accounts:1' }),
            anOutcome(runId, {
              phase: 'Accounts',
              sourceKey: 'Accounts:2',
              status: 'quarantined',
              reason: 'x',
            }),
          ],
          { lastSourceId: 2 },
        )
        await ledger.recordBatch(
          runId,
          'Contacts',
          [
            anOutcome(runId, { sourceKey: 'Contacts:1' }),
            anOutcome(runId, { sourceKey: 'Contacts:2', status: 'updated' }),
            anOutcome(runId, { sourceKey: 'Contacts:3', status: 'skipped', reason: 'y' }),
          ],
          { lastSourceId: 3 },
        )
        // The retry of the quarantined account loaded it: it counts once, as created.
        await ledger.recordBatch(
          runId,
          'Accounts',
          [anOutcome(runId, { phase: 'Accounts', sourceKey: 'Accounts:2' })],
          {
            lastSourceId: 2,
          },
        )

        expect(await ledger.counts(runId)).toEqual([
          { phase: 'Accounts', created: 2, updated: 0, quarantined: 0, skipped: 0, deleted: 0, restored: 0 },
          { phase: 'Contacts', created: 1, updated: 1, quarantined: 0, skipped: 1, deleted: 0, restored: 0 },
        ])
      })

      it('lists phases in the order of their first outcome, not by name', async () => {
        const { runId } = await ledger.startRun('migrate', {}, at(0))
        await ledger.recordBatch(runId, 'Contacts', [anOutcome(runId, { sourceKey: 'Contacts:1' })], {
          lastSourceId: 1,
        })
        await ledger.recordBatch(
          runId,
          'Accounts',
          [anOutcome(runId, { phase: 'Accounts', sourceKey: 'Accounts:1', status: 'skipped', reason: 'x' })],
          { lastSourceId: 1 },
        )

        expect((await ledger.counts(runId)).map((c) => [c.phase, c.created, c.skipped])).toEqual([
          ['Contacts', 1, 0],
          ['Accounts', 0, 1],
        ])
      })

      it('is empty for a run without outcomes', async () => {
        const { runId } = await ledger.startRun('migrate', {}, at(0))

        expect(await ledger.counts(runId)).toEqual([])
        expect(await ledger.counts('no-such-run')).toEqual([])
      })
    })

    describe('loaded', () => {
      it('forgets a record a rollback deleted, and knows it again once a later run loads it', async () => {
        const migrated = await ledger.startRun('migrate', {}, at(0))
        await ledger.recordBatch(
          migrated.runId,
          'Accounts',
          [
            anOutcome(migrated.runId, { phase: 'Accounts', sourceKey: 'Accounts:1', targetId: 'g1' }),
            anOutcome(migrated.runId, {
              phase: 'Accounts',
              sourceKey: 'Accounts:2',
              status: 'updated',
              targetId: 'g2',
            }),
          ],
          { lastSourceId: 2 },
        )
        const rolledBack = await ledger.startRun('rollback', { of: migrated.runId }, at(1))
        await ledger.recordBatch(
          rolledBack.runId,
          'Accounts',
          [
            anOutcome(rolledBack.runId, {
              phase: 'Accounts',
              sourceKey: 'Accounts:1',
              status: 'deleted',
              targetId: 'g1',
            }),
            anOutcome(rolledBack.runId, {
              phase: 'Accounts',
              sourceKey: 'Accounts:2',
              status: 'restored',
              targetId: 'g2',
            }),
          ],
          { lastSourceId: 2 },
        )

        expect([...(await ledger.loaded(['Accounts:1', 'Accounts:2'])).keys()]).toEqual(['Accounts:2'])
        expect(await ledger.counts(rolledBack.runId)).toEqual([
          { phase: 'Accounts', created: 0, updated: 0, quarantined: 0, skipped: 0, deleted: 1, restored: 1 },
        ])

        const again = await ledger.startRun('migrate', {}, at(2))
        await ledger.recordBatch(
          again.runId,
          'Accounts',
          [anOutcome(again.runId, { phase: 'Accounts', sourceKey: 'Accounts:1', targetId: 'g1' })],
          { lastSourceId: 1 },
        )
        expect((await ledger.loaded(['Accounts:1'])).get('Accounts:1')?.runId).toBe(again.runId)
      })

      it('refuses a deleted or restored outcome without a target id', async () => {
        const { runId } = await ledger.startRun('rollback', {}, at(0))
        await expect(
          ledger.recordBatch(
            runId,
            'Accounts',
            [
              anOutcome(runId, {
                phase: 'Accounts',
                sourceKey: 'Accounts:1',
                status: 'deleted',
                targetId: undefined,
              }),
            ],
            { lastSourceId: 1 },
          ),
        ).rejects.toThrow()
      })

      it('answers only for records some run created or updated', async () => {
        const { runId } = await ledger.startRun('migrate', {}, at(0))
        await ledger.recordBatch(
          runId,
          'Contacts',
          [
            anOutcome(runId, { sourceKey: 'Contacts:1', targetId: 'guid-1' }),
            anOutcome(runId, { sourceKey: 'Contacts:2', status: 'updated', targetId: 'guid-2' }),
            anOutcome(runId, { sourceKey: 'Contacts:3', status: 'quarantined', reason: 'bad' }),
            anOutcome(runId, { sourceKey: 'Contacts:4', status: 'skipped', reason: 'gone' }),
          ],
          { lastSourceId: 4 },
        )

        const loaded = await ledger.loaded([
          'Contacts:1',
          'Contacts:2',
          'Contacts:3',
          'Contacts:4',
          'Contacts:5',
        ])

        expect(loaded).toEqual(
          new Map([
            ['Contacts:1', { sourceKey: 'Contacts:1', targetId: 'guid-1', runId, phase: 'Contacts' }],
            ['Contacts:2', { sourceKey: 'Contacts:2', targetId: 'guid-2', runId, phase: 'Contacts' }],
          ]),
        )
      })

      it('keeps a record loaded when a later run quarantines it', async () => {
        const first = await ledger.startRun('migrate', {}, at(0))
        await ledger.recordBatch(
          first.runId,
          'Accounts',
          [anOutcome(first.runId, { phase: 'Accounts', sourceKey: 'Accounts:1', targetId: 'guid-1' })],
          {
            lastSourceId: 1,
          },
        )
        const second = await ledger.startRun('delta', {}, at(1))
        await ledger.recordBatch(
          second.runId,
          'Accounts',
          [
            anOutcome(second.runId, {
              phase: 'Accounts',
              sourceKey: 'Accounts:1',
              status: 'quarantined',
              reason: 'name too long',
            }),
          ],
          { lastSourceId: 1 },
        )

        expect((await ledger.loaded(['Accounts:1'])).get('Accounts:1')).toEqual({
          sourceKey: 'Accounts:1',
          targetId: 'guid-1',
          runId: first.runId,
          phase: 'Accounts',
        })
      })

      it('answers with the newest created or updated outcome of each record', async () => {
        const first = await ledger.startRun('migrate', {}, at(0))
        const second = await ledger.startRun('migrate', {}, at(1))
        await ledger.recordBatch(
          first.runId,
          'Accounts',
          [anOutcome(first.runId, { phase: 'Accounts', sourceKey: 'Accounts:1', targetId: 'old' })],
          {
            lastSourceId: 1,
          },
        )
        await ledger.recordBatch(
          second.runId,
          'Accounts',
          [
            anOutcome(second.runId, {
              phase: 'Accounts',
              sourceKey: 'Accounts:1',
              status: 'updated',
              targetId: 'matched',
            }),
          ],
          { lastSourceId: 1 },
        )

        expect((await ledger.loaded(['Accounts:1'])).get('Accounts:1')).toEqual({
          sourceKey: 'Accounts:1',
          targetId: 'matched',
          runId: second.runId,
          phase: 'Accounts',
        })
      })

      it('falls back to an earlier run when the newer outcome is replaced by a quarantine', async () => {
        const first = await ledger.startRun('migrate', {}, at(0))
        const second = await ledger.startRun('migrate', {}, at(1))
        const record = (runId: RunId, status: OutcomeStatus, targetId?: string) =>
          ledger.recordBatch(
            runId,
            'Accounts',
            [
              anOutcome(runId, {
                phase: 'Accounts',
                sourceKey: 'Accounts:1',
                status,
                ...(targetId && { targetId }),
                ...(status === 'quarantined' && { reason: 'r' }),
              }),
            ],
            { lastSourceId: 1 },
          )
        await record(first.runId, 'created', 'first')
        await record(second.runId, 'updated', 'second')
        await record(second.runId, 'quarantined')

        expect((await ledger.loaded(['Accounts:1'])).get('Accounts:1')?.targetId).toBe('first')
      })

      it('answers a thousand keys and more, including duplicates', async () => {
        const { runId } = await ledger.startRun('migrate', {}, at(0))
        const outcomes = Array.from({ length: 2500 }, (_, i) =>
          anOutcome(runId, { sourceKey: `Contacts:${i + 1}` }),
        )
        await ledger.recordBatch(runId, 'Contacts', outcomes, { lastSourceId: 2500 })

        const keys = Array.from({ length: 2600 }, (_, i) => `Contacts:${(i % 2601) + 1}`)
        keys.push('Contacts:1')
        const loaded = await ledger.loaded(keys)

        expect(loaded.size).toBe(2500)
        expect(loaded.get('Contacts:2500')?.targetId).toBe('target-of-Contacts:2500')
        expect(loaded.has('Contacts:2501')).toBe(false)
      })

      it('answers an empty map for no keys', async () => {
        expect(await ledger.loaded([])).toEqual(new Map())
      })
    })

    describe('sourcesOf', () => {
      it('names the source records that wrote each row, in any run or phase, and only rows some outcome names', async () => {
        const migrated = await ledger.startRun('migrate', {}, at(0))
        await ledger.recordBatch(
          migrated.runId,
          'Accounts',
          [
            anOutcome(migrated.runId, { phase: 'Accounts', sourceKey: 'Accounts:1', targetId: 'g1' }),
            anOutcome(migrated.runId, {
              phase: 'Accounts',
              sourceKey: 'Accounts:2',
              status: 'updated',
              targetId: 'matched',
            }),
            anOutcome(migrated.runId, {
              phase: 'Accounts',
              sourceKey: 'Accounts:3',
              status: 'quarantined',
              targetId: 'refused',
              reason: 'bad',
            }),
          ],
          { lastSourceId: 3 },
        )
        const rolledBack = await ledger.startRun('rollback', { of: migrated.runId }, at(1))
        await ledger.recordBatch(
          rolledBack.runId,
          'Accounts',
          [
            anOutcome(rolledBack.runId, {
              phase: 'Accounts',
              sourceKey: 'Accounts:1',
              status: 'deleted',
              targetId: 'g1',
            }),
          ],
          { lastSourceId: 1 },
        )
        // A lead and a contact of one X2CRM record share its deterministic id; another record matched the same row.
        const delta = await ledger.startRun('delta', {}, at(2))
        await ledger.recordBatch(
          delta.runId,
          'Contacts→lead',
          [anOutcome(delta.runId, { phase: 'Contacts→lead', sourceKey: 'Contacts:9', targetId: 'matched' })],
          { lastSourceId: 9 },
        )

        const sources = await ledger.sourcesOf(['g1', 'matched', 'refused', 'unknown', 'g1'])

        expect(sources).toEqual(
          new Map([
            ['g1', ['Accounts:1']],
            ['matched', ['Accounts:2', 'Contacts:9']],
          ]),
        )
      })

      it('forgets a row whose only outcome a later batch of the same run replaced with a quarantine', async () => {
        const { runId } = await ledger.startRun('migrate', {}, at(0))
        await ledger.recordBatch(
          runId,
          'Accounts',
          [
            anOutcome(runId, {
              phase: 'Accounts',
              sourceKey: 'Accounts:1',
              status: 'updated',
              targetId: 'm',
            }),
          ],
          { lastSourceId: 1 },
        )
        await ledger.recordBatch(
          runId,
          'Accounts',
          [
            anOutcome(runId, {
              phase: 'Accounts',
              sourceKey: 'Accounts:1',
              status: 'quarantined',
              reason: 'r',
            }),
          ],
          { lastSourceId: 1 },
        )

        expect(await ledger.sourcesOf(['m'])).toEqual(new Map())
      })

      it('answers a thousand ids and more, and an empty map for none', async () => {
        const { runId } = await ledger.startRun('migrate', {}, at(0))
        const outcomes = Array.from({ length: 1500 }, (_, i) =>
          anOutcome(runId, { sourceKey: `Contacts:${i + 1}` }),
        )
        await ledger.recordBatch(runId, 'Contacts', outcomes, { lastSourceId: 1500 })

        const ids = Array.from({ length: 1600 }, (_, i) => `target-of-Contacts:${i + 1}`)
        const sources = await ledger.sourcesOf(ids)

        expect(sources.size).toBe(1500)
        expect(sources.get('target-of-Contacts:1500')).toEqual(['Contacts:1500'])
        expect(await ledger.sourcesOf([])).toEqual(new Map())
      })
    })

    describe('before-images', () => {
      const image = (targetId: string, name: string) => ({
        phase: 'Accounts',
        entitySet: 'accounts',
        targetId,
        values: { name, _parentaccountid_value: null },
      })

      it('keeps the first image of a row per run, in the order taken', async () => {
        const { runId } = await ledger.startRun('migrate', {}, at(0))
        await ledger.recordBeforeImages(runId, [image('a-1', 'Before'), image('a-2', 'Other')])
        await ledger.recordBeforeImages(runId, [image('a-1', 'After the first write')])

        const images = []
        for await (const i of ledger.beforeImages(runId)) images.push(i)
        expect(images).toEqual([image('a-1', 'Before'), image('a-2', 'Other')])
      })

      it('keeps images per run and refuses an unknown run', async () => {
        const first = await ledger.startRun('migrate', {}, at(0))
        const second = await ledger.startRun('migrate', {}, at(1))
        await ledger.recordBeforeImages(first.runId, [image('a-1', 'One')])
        await ledger.recordBeforeImages(second.runId, [image('a-1', 'Two')])
        const ofSecond = []
        for await (const i of ledger.beforeImages(second.runId)) ofSecond.push(i.values['name'])
        expect(ofSecond).toEqual(['Two'])
        await expect(ledger.recordBeforeImages('no-such-run', [image('x', 'y')])).rejects.toThrow(
          /no such run/,
        )
      })
    })
  })
}
