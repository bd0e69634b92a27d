import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RecordOutcome, RunId } from './ledger.ts'
import { createSqliteLedger } from './sqlite.ts'

const at = new Date('2025-03-15T09:00:00Z')

function created(runId: RunId, phase: string, id: number): RecordOutcome {
  return { runId, phase, sourceKey: `${phase}:${id}`, status: 'created', targetId: `guid-${id}` }
}

async function count(items: AsyncIterable<unknown>): Promise<number> {
  let n = 0
  for await (const _ of items) n++
  return n
}

describe('createSqliteLedger on a file', () => {
  let dir: string
  let path: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'x2d365-ledger-'))
    path = join(dir, 'ledger.sqlite')
  })
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  it('keeps runs, outcomes and checkpoints after closing and reopening', async () => {
    const first = createSqliteLedger(path)
    const run = await first.startRun('migrate', { mappingHash: 'abc' }, at)
    await first.recordBatch(run.runId, 'Contacts', [created(run.runId, 'Contacts', 1)], { lastSourceId: 1 })
    await first.close()

    const reopened = createSqliteLedger(path)
    try {
      expect(await reopened.unfinishedRun('migrate')).toEqual(run)
      expect(await reopened.checkpoint(run.runId, 'Contacts')).toEqual({ lastSourceId: 1 })
      expect((await reopened.loaded(['Contacts:1'])).get('Contacts:1')?.targetId).toBe('guid-1')
    } finally {
      await reopened.close()
    }
  })

  it('uses WAL and records its schema version', async () => {
    await createSqliteLedger(path).close()

    const db = new Database(path, { readonly: true })
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
      expect(db.pragma('user_version', { simple: true })).toBe(9)
    } finally {
      db.close()
    }
  })

  it('upgrades a ledger of schema 5 in place: its runs stay, and it can keep fixes', async () => {
    const old = createSqliteLedger(path)
    const run = await old.startRun('migrate', {}, at)
    await old.close()
    const db = new Database(path)
    db.exec('DROP TABLE fixes; DROP INDEX outcomes_by_target; DROP TABLE write_intents')
    db.pragma('user_version = 5')
    db.close()

    const upgraded = createSqliteLedger(path)
    try {
      expect(await upgraded.run(run.runId)).toEqual(run)
      const fix = {
        entity: 'Accounts',
        id: 3,
        field: 'name',
        value: 'Acme',
        original: null,
        fixedAt: at.toISOString(),
        fixedBy: 'ana',
      }
      await upgraded.fixes.add([fix])
      expect(await upgraded.fixes.current()).toEqual([fix])
    } finally {
      await upgraded.close()
    }
  })

  it('upgrades a ledger of schema 6 in place: its outcomes stay, and sourcesOf finds them by target id', async () => {
    const old = createSqliteLedger(path)
    const run = await old.startRun('migrate', {}, at)
    await old.recordBatch(run.runId, 'Accounts', [created(run.runId, 'Accounts', 4)], { lastSourceId: 4 })
    await old.close()
    const db = new Database(path)
    db.exec('DROP INDEX outcomes_by_target; DROP TABLE write_intents')
    db.pragma('user_version = 6')
    db.close()

    const upgraded = createSqliteLedger(path)
    try {
      expect(await upgraded.sourcesOf(['guid-4'])).toEqual(new Map([['guid-4', ['Accounts:4']]]))
    } finally {
      await upgraded.close()
    }
    const reopened = new Database(path, { readonly: true })
    try {
      const plan = reopened
        .prepare("EXPLAIN QUERY PLAN SELECT source_key FROM outcomes WHERE target_id IN ('guid-4')")
        .all() as { detail: string }[]
      expect(plan.map((p) => p.detail).join()).toMatch(/outcomes_by_target/)
    } finally {
      reopened.close()
    }
  })

  it('upgrades a ledger of schema 7 in place: its runs stay, and it can record write intents', async () => {
    const old = createSqliteLedger(path)
    const run = await old.startRun('migrate', {}, at)
    await old.close()
    const db = new Database(path)
    db.exec('DROP TABLE write_intents')
    db.pragma('user_version = 7')
    db.close()

    const upgraded = createSqliteLedger(path)
    try {
      expect(await upgraded.run(run.runId)).toEqual(run)
      await upgraded.intents.record(run.runId, 'Accounts', [
        { entitySet: 'accounts', targetId: 'guid-1', existed: false },
      ])
      const found = await upgraded.intents.find(run.runId, 'accounts', ['guid-1'])
      expect(found.get('guid-1')?.existed).toBe(false)
    } finally {
      await upgraded.close()
    }
  })

  it('upgrades a ledger of schema 8 in place: its intents stay, without a source key, and new ones carry theirs', async () => {
    const old = createSqliteLedger(path)
    const run = await old.startRun('migrate', {}, at)
    await old.close()
    const db = new Database(path)
    db.exec('DROP TABLE write_intents')
    db.exec(`CREATE TABLE write_intents (
      run_id TEXT NOT NULL REFERENCES runs (run_id), phase TEXT NOT NULL, entity_set TEXT NOT NULL,
      target_id TEXT NOT NULL, existed INTEGER NOT NULL CHECK (existed IN (0, 1)),
      PRIMARY KEY (run_id, entity_set, target_id))`)
    db.prepare(`INSERT INTO write_intents VALUES (?, 'Accounts', 'accounts', 'guid-old', 1)`).run(run.runId)
    db.pragma('user_version = 8')
    db.close()

    const upgraded = createSqliteLedger(path)
    try {
      await upgraded.intents.record(run.runId, 'Accounts', [
        { entitySet: 'accounts', targetId: 'guid-new', existed: true, sourceKey: 'Accounts:7' },
      ])
      const found = await upgraded.intents.find(run.runId, 'accounts', ['guid-old', 'guid-new'])
      expect(found.get('guid-old')).toEqual({
        runId: run.runId,
        phase: 'Accounts',
        entitySet: 'accounts',
        targetId: 'guid-old',
        existed: true,
      })
      expect(found.get('guid-new')?.sourceKey).toBe('Accounts:7')
      const bySource = await upgraded.intents.findBySource(run.runId, 'accounts', [
        'Accounts:7',
        'Accounts:8',
      ])
      expect([...bySource.keys()]).toEqual(['Accounts:7'])
    } finally {
      await upgraded.close()
    }
  })

  it('refuses a ledger written by a newer x2d365', () => {
    const db = new Database(path)
    db.pragma('user_version = 99')
    db.close()

    expect(() => createSqliteLedger(path)).toThrow(/newer x2d365/)
  })

  it('rolls back the outcomes of a batch whose checkpoint cannot be written', async () => {
    const ledger = createSqliteLedger(path)
    try {
      const { runId } = await ledger.startRun('migrate', {}, at)
      await ledger.recordBatch(runId, 'Contacts', [created(runId, 'Contacts', 1)], { lastSourceId: 1 })

      // The outcomes are valid; only the checkpoint, written last in the transaction, is refused.
      const batch = [created(runId, 'Contacts', 2), created(runId, 'Contacts', 3)]
      await expect(ledger.recordBatch(runId, 'Contacts', batch, { lastSourceId: 2.5 })).rejects.toThrow(
        /CHECK constraint failed/,
      )

      expect(await count(ledger.outcomes(runId))).toBe(1)
      expect(await ledger.loaded(['Contacts:2', 'Contacts:3'])).toEqual(new Map())
      expect(await ledger.checkpoint(runId, 'Contacts')).toEqual({ lastSourceId: 1 })
    } finally {
      await ledger.close()
    }
  })

  it('records, looks up and streams 100,000 outcomes (timings: npm run bench)', async () => {
    const ledger = createSqliteLedger(path)
    try {
      const { runId } = await ledger.startRun('migrate', {}, at)
      for (let batch = 0; batch < 100; batch++) {
        const outcomes = Array.from({ length: 1000 }, (_, i) =>
          created(runId, 'Contacts', batch * 1000 + i + 1),
        )
        await ledger.recordBatch(runId, 'Contacts', outcomes, { lastSourceId: (batch + 1) * 1000 })
      }
      const keys = Array.from({ length: 1000 }, (_, i) => `Contacts:${i * 97 + 1}`)
      for (let i = 0; i < 20; i++) expect((await ledger.loaded(keys)).size).toBe(1000)
      expect(await count(ledger.outcomes(runId))).toBe(100_000)
    } finally {
      await ledger.close()
    }
  })
})
