import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createMemoryIntentStore, type IntentStore } from '../../src/ledger/intent-store.ts'
import type { Ledger } from '../../src/ledger/ledger.ts'
import { createMemoryLedger } from '../../src/ledger/memory.ts'
import { createSqliteLedger } from '../../src/ledger/sqlite.ts'
import { createThreadLedger } from '../../src/ledger/thread-ledger.ts'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { postgresAnswers, scratchPostgresLedger } from '../helpers/postgres.ts'

const at = new Date('2026-01-01T00:00:00Z')

/** Each implementation, with a run to record against and what closes it afterwards. */
const implementations: [
  string,
  () => Promise<{
    store: IntentStore
    runs: () => Promise<string>
    ledger?: Ledger
    close: () => Promise<void>
  }>,
][] = [
  [
    'memory',
    async () => {
      let n = 0
      return { store: createMemoryIntentStore(), runs: async () => `run-${++n}`, close: async () => {} }
    },
  ],
  ['memory ledger', async () => ofLedger(createMemoryLedger())],
  ['sqlite ledger', async () => ofLedger(createSqliteLedger(':memory:'))],
  [
    'sqlite ledger on its own thread',
    async () =>
      ofLedger(createThreadLedger(join(mkdtempSync(join(tmpdir(), 'x2d365-thread-')), 'ledger.sqlite'))),
  ],
]
if (await postgresAnswers()) {
  implementations.push(['postgres ledger', async () => ofLedger(await scratchPostgresLedger('intents'))])
}

function ofLedger(ledger: Ledger) {
  return {
    store: ledger.intents,
    ledger,
    runs: async () => (await ledger.startRun('migrate', {}, at)).runId,
    close: () => ledger.close(),
  }
}

async function all(store: IntentStore, runId: string) {
  const out = []
  for await (const intent of store.all(runId)) out.push(intent)
  return out
}

for (const [name, make] of implementations) {
  describe(`IntentStore contract: ${name}`, () => {
    let store: IntentStore
    let newRun: () => Promise<string>
    let ledger: Ledger | undefined
    let close: () => Promise<void>
    beforeEach(async () => {
      ;({ store, runs: newRun, ledger, close } = await make())
    })
    afterEach(async () => {
      await close()
    })

    it('keeps the first intent per row: a later attempt that finds the row it created does not make it pre-existing', async () => {
      const runId = await newRun()
      await store.record(runId, 'Accounts', [
        { entitySet: 'accounts', targetId: 'a1', existed: false },
        { entitySet: 'accounts', targetId: 'a2', existed: true },
      ])
      await store.record(runId, 'Accounts', [
        { entitySet: 'accounts', targetId: 'a1', existed: true },
        { entitySet: 'accounts', targetId: 'a3', existed: false },
      ])
      await store.record(runId, 'Accounts.links', [{ entitySet: 'accounts', targetId: 'a2', existed: false }])
      expect(await all(store, runId)).toEqual([
        { runId, phase: 'Accounts', entitySet: 'accounts', targetId: 'a1', existed: false },
        { runId, phase: 'Accounts', entitySet: 'accounts', targetId: 'a2', existed: true },
        { runId, phase: 'Accounts', entitySet: 'accounts', targetId: 'a3', existed: false },
      ])
    })

    it('keeps runs and entity sets apart, and finds a run’s intents for some rows of one entity set', async () => {
      const [one, two] = [await newRun(), await newRun()]
      await store.record(one, 'Accounts', [{ entitySet: 'accounts', targetId: 'x', existed: false }])
      await store.record(one, 'Contacts', [{ entitySet: 'contacts', targetId: 'x', existed: true }])
      await store.record(two, 'Accounts', [{ entitySet: 'accounts', targetId: 'x', existed: true }])

      const found = await store.find(one, 'accounts', ['x', 'y', 'x'])
      expect([...found]).toEqual([
        ['x', { runId: one, phase: 'Accounts', entitySet: 'accounts', targetId: 'x', existed: false }],
      ])
      expect((await store.find(one, 'contacts', ['x'])).get('x')?.existed).toBe(true)
      expect((await store.find(two, 'accounts', ['x'])).get('x')?.existed).toBe(true)
      expect(await store.find(two, 'contacts', ['x'])).toEqual(new Map())
      expect(await all(store, 'no-such-run')).toEqual([])
    })

    it('finds a run’s first intent for a source record by its key, in one entity set', async () => {
      const [one, two] = [await newRun(), await newRun()]
      await store.record(one, 'Accounts', [
        { entitySet: 'accounts', targetId: 'matched-row', existed: true, sourceKey: 'Accounts:1' },
        { entitySet: 'accounts', targetId: 'own-row', existed: false, sourceKey: 'Accounts:2' },
        { entitySet: 'accounts', targetId: 'no-key', existed: false },
      ])
      await store.record(one, 'Accounts', [
        { entitySet: 'accounts', targetId: 'later-row', existed: false, sourceKey: 'Accounts:1' },
      ])
      await store.record(two, 'Accounts', [
        { entitySet: 'accounts', targetId: 'other-run', existed: true, sourceKey: 'Accounts:3' },
      ])
      const found = await store.findBySource(one, 'accounts', ['Accounts:1', 'Accounts:2', 'Accounts:3'])
      expect([...found]).toEqual([
        [
          'Accounts:1',
          {
            runId: one,
            phase: 'Accounts',
            entitySet: 'accounts',
            targetId: 'matched-row',
            existed: true,
            sourceKey: 'Accounts:1',
          },
        ],
        [
          'Accounts:2',
          {
            runId: one,
            phase: 'Accounts',
            entitySet: 'accounts',
            targetId: 'own-row',
            existed: false,
            sourceKey: 'Accounts:2',
          },
        ],
      ])
      expect(await store.findBySource(one, 'contacts', ['Accounts:1'])).toEqual(new Map())
      expect((await store.find(one, 'accounts', ['no-key'])).get('no-key')).not.toHaveProperty('sourceKey')
    })

    it('streams and finds more intents than one page, in the order they were recorded', async () => {
      const runId = await newRun()
      const ids = Array.from({ length: 2500 }, (_, i) => `id-${2500 - i}`)
      await store.record(
        runId,
        'Contacts',
        ids.map((targetId, i) => ({ entitySet: 'contacts', targetId, existed: i % 2 === 0 })),
      )
      const streamed = await all(store, runId)
      expect(streamed.map((i) => i.targetId)).toEqual(ids)
      expect(streamed.filter((i) => i.existed)).toHaveLength(1250)
      expect((await store.find(runId, 'contacts', ids)).size).toBe(2500)
    })

    if (name !== 'memory') {
      it('refuses intents of a run the ledger does not have, and keeps none of them', async () => {
        await expect(
          store.record('no-such-run', 'Accounts', [{ entitySet: 'accounts', targetId: 'a', existed: false }]),
        ).rejects.toThrow(/no such run/)
        expect(await all(store, 'no-such-run')).toEqual([])
        expect(ledger).toBeDefined()
      })
    }
  })
}
