import { describe, expect, it } from 'vitest'
import type { SourceFix } from '../ledger/fix-store.ts'
import type { X2crmRecord, X2crmSource } from '../source/x2crm/types.ts'
import type { RunEvent } from './events.ts'
import { textOf, withFixes } from './with-fixes.ts'

function aSource(records: Record<string, X2crmRecord[]>): X2crmSource & { tags: () => Promise<string[]> } {
  return {
    async *records(entity) {
      yield* records[entity] ?? []
    },
    async record(entity, id) {
      return (records[entity] ?? []).find((r) => r['id'] === id)
    },
    count: async (entity) => (records[entity] ?? []).length,
    fields: async () => [],
    users: async () => [],
    tags: async () => ['#vip'],
  }
}

const aFix = (overrides: Partial<SourceFix>): SourceFix => ({
  entity: 'Accounts',
  id: 1,
  field: 'name',
  value: 'Acme',
  original: 'A'.repeat(200),
  fixedAt: '2025-03-15T09:00:00.000Z',
  fixedBy: 'ana',
  ...overrides,
})

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = []
  for await (const item of items) all.push(item)
  return all
}

describe('withFixes', () => {
  const records = {
    Accounts: [
      { id: 1, name: 'A'.repeat(200), employees: 5 },
      { id: 2, name: 'Other', employees: '7' },
    ],
    Contacts: [{ id: 1, lastName: 'Doe' }],
  }

  it('reads each fixed record with its fixed values, and every other record as it is', async () => {
    const source = withFixes(aSource(records), [
      aFix({}),
      aFix({ id: 2, field: 'employees', value: '8', original: '7' }),
    ])

    expect(await collect(source.records('Accounts'))).toEqual([
      { id: 1, name: 'Acme', employees: 5 },
      { id: 2, name: 'Other', employees: '8' },
    ])
    expect(await source.record('Accounts', 1)).toEqual({ id: 1, name: 'Acme', employees: 5 })
    // Same id, another class: untouched.
    expect(await collect(source.records('Contacts'))).toEqual([{ id: 1, lastName: 'Doe' }])
    expect(await source.record('Accounts', 99)).toBeUndefined()
  })

  it('reads the fixes again for each class it reads, so fixes stored after a read are seen', async () => {
    const stored: SourceFix[] = []
    let reads = 0
    const source = withFixes(aSource(records), {
      current: async () => {
        reads++
        return stored
      },
    })
    expect((await collect(source.records('Accounts')))[0]?.['name']).toBe('A'.repeat(200))
    stored.push(aFix({}))

    expect((await collect(source.records('Accounts')))[0]?.['name']).toBe('Acme')
    // By id, with the fixes of the last read.
    expect((await source.record('Accounts', 1))?.['name']).toBe('Acme')
    expect(reads).toBe(2)
  })

  it('keeps what else the source offers', async () => {
    const source = withFixes(aSource(records), [])
    expect(await source.tags()).toEqual(['#vip'])
    expect(await source.count('Accounts')).toBe(2)
  })

  it('applies a stale fix and says once that X2CRM changed since, unless X2CRM now holds the fixed value', async () => {
    const events: RunEvent[] = []
    const source = withFixes(
      aSource({
        Accounts: [
          { id: 1, name: 'Renamed in X2CRM' },
          { id: 2, name: 'Acme' },
        ],
      }),
      [aFix({}), aFix({ id: 2 })],
      (event) => events.push(event),
    )

    expect((await collect(source.records('Accounts'))).map((r) => r['name'])).toEqual(['Acme', 'Acme'])
    await source.record('Accounts', 1)

    expect(events).toEqual([
      {
        type: 'source.notice',
        kind: 'fix.stale',
        entity: 'Accounts',
        id: 1,
        message: expect.stringContaining(
          'Accounts:1 name changed in X2CRM since the fix of 2025-03-15 by ana (then "AAAA',
        ) as string,
      },
    ])
    const [stale] = events
    expect(stale?.type === 'source.notice' && stale.message).toContain('now "Renamed in X2CRM"')
  })

  it('compares numbers and numeric strings alike, and empty as null', async () => {
    const events: RunEvent[] = []
    const source = withFixes(
      aSource({ Accounts: [{ id: 1, employees: 7, website: null }] }),
      [
        aFix({ field: 'employees', value: '8', original: '7' }),
        aFix({ field: 'website', value: 'acme.example', original: null }),
      ],
      (event) => events.push(event),
    )
    expect(await source.record('Accounts', 1)).toEqual({ id: 1, employees: '8', website: 'acme.example' })
    expect(events).toEqual([])
    expect([textOf(undefined), textOf(0), textOf(false), textOf({ a: 1 })]).toEqual([
      null,
      '0',
      'false',
      '{"a":1}',
    ])
  })
})
