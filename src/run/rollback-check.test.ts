import { describe, expect, it } from 'vitest'
import { idFilters, ownerOfRow } from './rollback-check.ts'
import { spanDecision } from './rollback-plan.ts'

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`

describe('idFilters', () => {
  it('names every id once, in order, each filter within the URL budget once encoded', () => {
    const ids = Array.from({ length: 1200 }, (_, n) => id(n))
    const filters = idFilters('accountid', ids, 6000)
    expect(filters.length).toBeGreaterThan(1)
    for (const f of filters) expect(encodeURIComponent(f).length).toBeLessThanOrEqual(6000)
    const named = filters.flatMap((f) => f.split(' or ').map((t) => t.replace('accountid eq ', '')))
    expect(named).toEqual(ids)
  })

  it('keeps a few hundred ids per query under the default budget, and none for no ids', () => {
    const filters = idFilters(
      'contactid',
      Array.from({ length: 1000 }, (_, n) => id(n)),
    )
    expect(filters.length).toBe(5) // ~230 ids a query
    expect(idFilters('contactid', [])).toEqual([])
  })
})

describe('ownerOfRow', () => {
  const row = id(1)
  it('a row a remaining run holds is left alone', () => {
    expect(
      ownerOfRow({ targetId: row, heldIds: [row.toUpperCase()], derivedIds: [row], knownToLedger: true }),
    ).toBe('held')
  })
  it('a row with the deterministic id of one of its records, or one the ledger knows, is ours: it should be gone', () => {
    expect(ownerOfRow({ targetId: row, heldIds: [], derivedIds: [id(2), row], knownToLedger: false })).toBe(
      'ours',
    )
    expect(ownerOfRow({ targetId: row, heldIds: [id(3)], derivedIds: [], knownToLedger: true })).toBe('ours')
  })
  it('a row carrying an X2CRM id that x2d365 did not write is someone else’s', () => {
    expect(ownerOfRow({ targetId: row, heldIds: [], derivedIds: [id(2)], knownToLedger: false })).toBe(
      'foreign',
    )
  })
})

describe('spanDecision', () => {
  it('one run goes ahead; several are announced without a terminal or with --yes, and asked about at a terminal', () => {
    expect(spanDecision({ runs: 1, interactive: true, yes: false })).toBe('proceed')
    expect(spanDecision({ runs: 3, interactive: false, yes: false })).toBe('announce')
    expect(spanDecision({ runs: 3, interactive: true, yes: true })).toBe('announce')
    expect(spanDecision({ runs: 3, interactive: true, yes: false })).toBe('ask')
  })
})
