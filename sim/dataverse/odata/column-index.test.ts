import { describe, expect, it } from 'vitest'
import { createStore, type StoredRow } from '../store.ts'
import { createCatalog, loadDefaultTables, type Table } from '../tables.ts'
import { createColumnIndex, filterLookups } from './column-index.ts'
import { evaluateFilter, parseFilter } from './filter.ts'
import { toEntity } from '../representation.ts'

const catalog = createCatalog(loadDefaultTables())
const account = catalog.byName('account') as Table

function row(id: string, values: Record<string, unknown>): StoredRow {
  return { table: 'account', id, values, lookups: {}, version: 1 }
}

/** What a table scan answers: every stored row the filter matches, in stored order. */
function scan(store: ReturnType<typeof createStore>, filter: string): string[] {
  const expression = parseFilter(filter)
  return store
    .list('account')
    .filter((r) => evaluateFilter(expression, toEntity(account, r)))
    .map((r) => r.id)
}

/** What the index answers: its candidate rows, then the filter on each (as queryCollection does). */
function indexed(index: ReturnType<typeof createColumnIndex>, filter: string): string[] {
  const expression = parseFilter(filter)
  const lookups = filterLookups(expression, account)
  if (!lookups) throw new Error(`no lookups for ${filter}`)
  return index
    .rows(account, lookups)
    .filter((r) => evaluateFilter(expression, toEntity(account, r)))
    .map((r) => r.id)
}

describe('filterLookups', () => {
  it('finds a text eq term in each or-branch, and none when a branch needs a scan', () => {
    const lookups = (text: string) => filterLookups(parseFilter(text), account)
    expect(lookups("(name eq 'A' and websiteurl eq 'a.com') or 'B' eq name")).toEqual([
      { column: 'name', value: 'A' },
      { column: 'name', value: 'B' },
    ])
    expect(lookups("name eq 'A' or numberofemployees eq 3")).toBeUndefined()
    expect(lookups("name ne 'A'")).toBeUndefined()
    expect(lookups("not (name eq 'A')")).toBeUndefined()
    // A date-like string compares as a date (filter.ts), which an index of text cannot answer.
    expect(lookups("name eq '2024-01-01'")).toBeUndefined()
    expect(lookups('_primarycontactid_value eq 5b1f6a43-0d36-4c1e-9a8e-3d2f6f0c0365')).toBeUndefined()
  })
})

describe('createColumnIndex', () => {
  it('answers as a scan does, case-insensitively and in stored order, through updates, deletes and rollbacks', async () => {
    const store = createStore()
    store.put(row('a1', { name: 'Acme', websiteurl: 'acme.com' }))
    store.put(row('a2', { name: 'Other' }))
    const index = createColumnIndex(store)
    const filter = "(name eq 'acme' and websiteurl eq 'ACME.com') or name eq 'Beta' or name eq 'other'"
    expect(indexed(index, filter)).toEqual(['a1', 'a2'])

    store.put(row('a3', { name: 'BETA' }))
    store.put(row('a0', { name: 'acme', websiteurl: 'acme.com' }))
    store.put(row('a2', { name: 'renamed' })) // keeps its place, leaves the 'other' entry
    store.put(row('a4', { name: null }))
    expect(indexed(index, filter)).toEqual(scan(store, filter))
    expect(indexed(index, filter)).toEqual(['a1', 'a3', 'a0'])

    store.delete('account', 'a1')
    store.put(row('a1', { name: 'Beta' })) // back at the end, as the table would meet it
    expect(indexed(index, filter)).toEqual(['a3', 'a0', 'a1'])

    await store.atomically(
      () => {
        store.put(row('a5', { name: 'Acme', websiteurl: 'acme.com' }))
        store.delete('account', 'a3')
        store.put(row('a0', { name: 'gone' }))
      },
      () => false,
    )
    expect(indexed(index, filter)).toEqual(scan(store, filter))
    expect(indexed(index, "name eq 'gone'")).toEqual([])
  })
})
