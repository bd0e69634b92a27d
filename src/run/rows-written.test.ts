import { describe, expect, it } from 'vitest'
import { createMemoryLedger } from '../ledger/memory.ts'
import { rowsRunMayHaveWritten } from './rows-written.ts'

const at = new Date('2026-01-01T00:00:00Z')

describe('rowsRunMayHaveWritten', () => {
  it('lists per table the rows the run meant to create, the before-images of those it changed, and the rest', async () => {
    const ledger = createMemoryLedger()
    const { runId } = await ledger.startRun('migrate', {}, at)
    const other = await ledger.startRun('migrate', {}, at)
    await ledger.recordBeforeImages(runId, [
      { phase: 'Accounts', entitySet: 'accounts', targetId: 'a2', values: { name: 'Before' } },
    ])
    await ledger.intents.record(runId, 'Accounts', [
      { entitySet: 'accounts', targetId: 'a1', existed: false },
      { entitySet: 'accounts', targetId: 'a2', existed: true },
    ])
    // A resumed attempt finds a1 (it created it) and the link pass patches a row an earlier run loaded.
    await ledger.intents.record(runId, 'Accounts', [{ entitySet: 'accounts', targetId: 'a1', existed: true }])
    await ledger.intents.record(runId, 'Accounts.links', [
      { entitySet: 'accounts', targetId: 'a1', existed: true },
      { entitySet: 'accounts', targetId: 'a9', existed: true },
    ])
    await ledger.intents.record(runId, 'Contacts', [
      { entitySet: 'contacts', targetId: 'c1', existed: false },
    ])
    await ledger.intents.record(other.runId, 'Contacts', [
      { entitySet: 'contacts', targetId: 'c2', existed: false },
    ])

    expect(await rowsRunMayHaveWritten(ledger, runId)).toEqual(
      new Map([
        [
          'accounts',
          {
            created: ['a1'],
            updated: [
              { phase: 'Accounts', entitySet: 'accounts', targetId: 'a2', values: { name: 'Before' } },
            ],
            unimaged: ['a9'],
          },
        ],
        ['contacts', { created: ['c1'], updated: [], unimaged: [] }],
      ]),
    )
  })

  it('never lists a row the run created as updated, even with an image an older attempt took of it', async () => {
    const ledger = createMemoryLedger()
    const { runId } = await ledger.startRun('migrate', {}, at)
    await ledger.intents.record(runId, 'Contacts', [
      { entitySet: 'contacts', targetId: 'c1', existed: false },
    ])
    await ledger.recordBeforeImages(runId, [
      { phase: 'Contacts', entitySet: 'contacts', targetId: 'c1', values: { lastname: 'Itself' } },
    ])
    expect((await rowsRunMayHaveWritten(ledger, runId)).get('contacts')).toEqual({
      created: ['c1'],
      updated: [],
      unimaged: [],
    })
  })

  it('reads the outcomes of a run recorded before intents existed when told which table each phase wrote', async () => {
    const ledger = createMemoryLedger()
    const { runId } = await ledger.startRun('migrate', {}, at)
    await ledger.recordBatch(
      runId,
      'Contacts',
      [
        { runId, phase: 'Contacts', sourceKey: 'Contacts:1', status: 'created', targetId: 'c1' },
        { runId, phase: 'Contacts', sourceKey: 'Contacts:2', status: 'updated', targetId: 'c2' },
        { runId, phase: 'Contacts', sourceKey: 'Contacts:3', status: 'quarantined', reason: 'bad' },
      ],
      { lastSourceId: 3 },
    )
    expect(await rowsRunMayHaveWritten(ledger, runId)).toEqual(new Map())
    const rows = await rowsRunMayHaveWritten(ledger, runId, {
      entitySetOf: (phase) => (phase === 'Contacts' ? 'contacts' : undefined),
    })
    expect(rows.get('contacts')).toEqual({ created: ['c1'], updated: [], unimaged: ['c2'] })
  })
})
