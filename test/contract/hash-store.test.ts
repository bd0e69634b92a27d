import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createMemoryHashStore, type HashStore } from '../../src/ledger/hash-store.ts'
import type { Ledger } from '../../src/ledger/ledger.ts'
import { createMemoryLedger } from '../../src/ledger/memory.ts'
import { createSqliteLedger } from '../../src/ledger/sqlite.ts'
import { createThreadLedger } from '../../src/ledger/thread-ledger.ts'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { postgresAnswers, scratchPostgresLedger } from '../helpers/postgres.ts'

/** Each implementation, with what closes it afterwards. */
const implementations: [
  string,
  () =>
    | { store: HashStore; close: () => Promise<void> }
    | Promise<{ store: HashStore; close: () => Promise<void> }>,
][] = [
  ['memory', () => ({ store: createMemoryHashStore(), close: async () => {} })],
  ['memory ledger', () => ofLedger(createMemoryLedger())],
  ['sqlite ledger', () => ofLedger(createSqliteLedger(':memory:'))],
  [
    'sqlite ledger on its own thread',
    () => ofLedger(createThreadLedger(join(mkdtempSync(join(tmpdir(), 'x2d365-thread-')), 'ledger.sqlite'))),
  ],
]
if (await postgresAnswers()) {
  implementations.push(['postgres ledger', async () => ofLedger(await scratchPostgresLedger('stores'))])
}

function ofLedger(ledger: Ledger) {
  return { store: ledger.contentHashes, close: () => ledger.close() }
}

for (const [name, make] of implementations) {
  describe(`HashStore contract: ${name}`, () => {
    let store: HashStore
    let close: () => Promise<void>
    beforeEach(async () => {
      ;({ store, close } = await make())
    })
    afterEach(async () => {
      await close()
    })

    async function all(entity: string) {
      const out = []
      for await (const h of store.hashes(entity)) out.push(h)
      return out
    }

    it('keeps one hash per record, replaces it, streams them in id order per entity, and forgets removed ones', async () => {
      await store.save('Contacts', [
        { id: 20, hash: 'b' },
        { id: 3, hash: 'a' },
      ])
      await store.save('Accounts', [{ id: 3, hash: 'x' }])
      await store.save('Contacts', [{ id: 20, hash: 'b2' }])
      expect(await all('Contacts')).toEqual([
        { id: 3, hash: 'a' },
        { id: 20, hash: 'b2' },
      ])
      await store.remove('Contacts', [3])
      expect(await all('Contacts')).toEqual([{ id: 20, hash: 'b2' }])
      expect(await all('Accounts')).toEqual([{ id: 3, hash: 'x' }])
    })

    it('returns hashes ascending by id, replaced and removed as told, and none for a class it never saw', async () => {
      await store.save('Contacts', [
        { id: 3, hash: 'c' },
        { id: 1, hash: 'a' },
      ])
      await store.save('Contacts', [{ id: 3, hash: 'C' }])
      await store.remove('Contacts', [1])
      expect(await all('Contacts')).toEqual([{ id: 3, hash: 'C' }])
      expect(await all('Accounts')).toEqual([])
    })

    it('streams more hashes than one page', async () => {
      await store.save(
        'Actions',
        Array.from({ length: 2500 }, (_, i) => ({ id: 2500 - i, hash: `h${2500 - i}` })),
      )
      const ids = (await all('Actions')).map((h) => h.id)
      expect(ids).toHaveLength(2500)
      expect(ids[0]).toBe(1)
      expect(ids.at(-1)).toBe(2500)
    })
  })
}
