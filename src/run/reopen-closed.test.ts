import { describe, expect, it } from 'vitest'
import type { Ledger } from '../ledger/ledger.ts'
import { servicesMap } from '../mapping/default-cases.ts'
import { accountsContactsMapping, CONTACT } from '../mapping/default-map.ts'
import { planLoad, type PlannedPhase } from '../plan/plan-load.ts'
import type { X2crmRecord } from '../source/x2crm/types.ts'
import type { DataverseBulkTarget } from '../target/dataverse/types.ts'
import {
  CLOSED_UNCHANGED,
  closedFilterOf,
  closedRowsGate,
  QUOTE_READ_ONLY,
  REOPEN,
  staysClosed,
} from './reopen-closed.ts'

describe('staysClosed', () => {
  it('keeps a closed row closed only when its record hashes as it did when it was loaded', () => {
    expect(staysClosed({ targetId: 'c-1', loadedHash: 'h1' }, 'h1')).toBe(true)
    expect(staysClosed({ targetId: 'c-1', loadedHash: 'h1' }, 'h2')).toBe(false)
    // No hash kept (a ledger from before hashes): counts as changed, so it is reopened and loaded as before.
    expect(staysClosed({ targetId: 'c-1' }, 'h1')).toBe(false)
  })
})

describe('closedRowsGate', () => {
  const mapping = accountsContactsMapping()
  const { phases } = planLoad({
    ...mapping,
    entities: [...mapping.entities, servicesMap({ entity: 'Contacts', table: CONTACT })],
  })
  const services = phases.find((p) => p.name === 'Services')
  // Cases 1 and 2 are closed rows of ours, case 3's row is closed but no run of ours wrote it; hashes kept for 1, 2.
  function setUp() {
    const updates: { targetId: string; values: Record<string, unknown> }[] = []
    const images: string[] = []
    const deps = {
      target: {
        async *query(_set: string, options: { filter?: string }) {
          if (options.filter === 'statecode ne 0' || options.filter === 'statecode eq 2 or statecode eq 3')
            for (const id of ['c-1', 'c-2', 'c-3']) yield { incidentid: id }
          else
            for (const id of ['c-1', 'c-2'])
              if (options.filter?.includes(id)) yield { incidentid: id, statecode: 1 }
        },
        update: async (_table: unknown, row: { targetId: string; values: Record<string, unknown> }) => {
          updates.push(row)
          return 'updated'
        },
      } as unknown as DataverseBulkTarget,
      ledger: {
        sourcesOf: async () =>
          new Map([
            ['c-1', ['Services:1']],
            ['c-2', ['Services:2']],
          ]),
        contentHashes: {
          async *hashes() {
            yield { id: 1, hash: 'same' }
            yield { id: 2, hash: 'before' }
          },
        },
        recordBeforeImages: async (_run: string, rows: { targetId: string }[]) => {
          images.push(...rows.map((r) => r.targetId))
        },
        intents: { find: async () => new Map(), record: async () => undefined },
      } as unknown as Pick<Ledger, 'sourcesOf' | 'contentHashes' | 'recordBeforeImages' | 'intents'>,
    }
    return { deps, updates, images }
  }
  const hashOf = (record: X2crmRecord) => (record['id'] === 1 ? 'same' : 'now')

  it('skips an unchanged closed row and reopens a changed one (its image kept first), leaving rows not ours', async () => {
    if (services === undefined) throw new Error('no Services phase')
    const { deps, updates, images } = setUp()
    const gate = await closedRowsGate(services, 'run-2', hashOf, deps)
    const stay = await gate?.settle([{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }])
    expect([...(stay ?? [])]).toEqual([['Services:1', CLOSED_UNCHANGED]])
    expect(updates).toEqual([{ targetId: 'c-2', values: REOPEN }])
    expect(images).toEqual(['c-2'])
    // Settled once: the same records again (a batch sent again) reopen nothing more.
    await gate?.settle([{ id: 2 }])
    expect(updates).toHaveLength(1)
  })

  it('never reopens a won or closed quote: unchanged it is skipped as such, changed it is skipped as read-only', async () => {
    if (services === undefined) throw new Error('no Services phase')
    // The same rows, as a phase whose map sets quote states (only that decides the rule).
    const quotes = {
      ...services,
      entityMap: { ...services.entityMap, caseClose: undefined, quoteStates: {} },
    } as unknown as PlannedPhase
    expect(closedFilterOf(quotes)).toBe('statecode eq 2 or statecode eq 3')
    const { deps, updates } = setUp()
    const gate = await closedRowsGate(quotes, 'run-2', hashOf, deps)
    const stay = await gate?.settle([{ id: 1 }, { id: 2 }, { id: 3 }])
    expect([...(stay ?? [])]).toEqual([
      ['Services:1', CLOSED_UNCHANGED],
      ['Services:2', QUOTE_READ_ONLY],
    ])
    expect(updates).toEqual([])
  })

  it('is undefined for a table that closes no rows', async () => {
    const contacts = phases.find((p) => p.name === 'Contacts')
    if (contacts === undefined) throw new Error('no Contacts phase')
    expect(await closedRowsGate(contacts, 'run-2', hashOf, setUp().deps)).toBeUndefined()
  })
})
