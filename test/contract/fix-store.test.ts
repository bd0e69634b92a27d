import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createMemoryFixStore, type FixStore, type SourceFix } from '../../src/ledger/fix-store.ts'
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
    | { store: FixStore; close: () => Promise<void> }
    | Promise<{ store: FixStore; close: () => Promise<void> }>,
][] = [
  ['memory', () => ({ store: createMemoryFixStore(), close: async () => {} })],
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
  return { store: ledger.fixes, close: () => ledger.close() }
}

const fix = (overrides: Partial<SourceFix> & { id: number }): SourceFix => ({
  entity: 'Contacts',
  field: 'lastName',
  value: 'Short',
  original: 'A very long name',
  fixedAt: '2025-03-15T09:00:00.000Z',
  fixedBy: 'ana',
  ...overrides,
})

for (const [name, make] of implementations) {
  describe(`FixStore contract: ${name}`, () => {
    let store: FixStore
    let close: () => Promise<void>
    beforeEach(async () => {
      ;({ store, close } = await make())
    })
    afterEach(async () => {
      await close()
    })

    it('has none before the first is stored', async () => {
      expect(await store.current()).toEqual([])
    })

    it('keeps every field of a fix, and an empty original as null', async () => {
      const stored = [fix({ id: 7 }), fix({ id: 8, field: 'email', value: 'a@b.example', original: null })]
      await store.add(stored)
      expect(await store.current()).toEqual(stored)
    })

    it('answers the newest fix of each field of each record, by class, id and field', async () => {
      await store.add([
        fix({ id: 20, value: 'first' }),
        fix({ id: 3, field: 'title', value: 'CEO' }),
        fix({ entity: 'Accounts', id: 20, field: 'name', value: 'Acme' }),
      ])
      await store.add([fix({ id: 20, value: 'second', fixedBy: 'bo', fixedAt: '2025-03-16T10:00:00.000Z' })])
      await store.add([fix({ id: 3, field: 'firstName', value: 'Al' })])

      const current = await store.current()
      expect(current.map((f) => [f.entity, f.id, f.field, f.value])).toEqual([
        ['Accounts', 20, 'name', 'Acme'],
        ['Contacts', 3, 'firstName', 'Al'],
        ['Contacts', 3, 'title', 'CEO'],
        ['Contacts', 20, 'lastName', 'second'],
      ])
      expect(current[3]).toMatchObject({ fixedBy: 'bo', fixedAt: '2025-03-16T10:00:00.000Z' })
    })

    it('stores all of a call or none of it', async () => {
      await expect(store.add([fix({ id: 1 }), fix({ id: 1.5, field: 'title' })])).rejects.toThrow(
        /none was kept/,
      )
      expect(await store.current()).toEqual([])
    })
  })
}
