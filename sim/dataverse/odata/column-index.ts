import type { Store, StoredRow } from '../store.ts'
import { lookupTypes, type Table } from '../tables.ts'
import type { FilterExpression } from './filter.ts'

/** A text column's value to look up (`name eq 'Acme'`). */
export interface ColumnLookup {
  column: string
  value: string
}

/** Strings that start like a date compare as dates (filter.ts `compareValues`): no index answers for those. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}/

/**
 * The lookups that together find every row `filter` can match, or undefined when only a table scan can
 * tell: an `or` of terms each holding (in an `and`) a `column eq 'text'` on a plain column. The rows found
 * are a superset of the matches (the filter is still evaluated on each), so the answer does not change, only
 * the rows read to reach it: a query of 50 names no longer reads every account. Pure.
 * @example filterLookups(parseFilter("(name eq 'A' and websiteurl eq 'a.com') or name eq 'B'"), account)
 * // [{ column: 'name', value: 'A' }, { column: 'name', value: 'B' }]
 */
export function filterLookups(filter: FilterExpression, table: Table): ColumnLookup[] | undefined {
  if (filter.type === 'or') {
    const left = filterLookups(filter.left, table)
    const right = left && filterLookups(filter.right, table)
    return left && right && [...left, ...right]
  }
  if (filter.type === 'and') return filterLookups(filter.left, table) ?? filterLookups(filter.right, table)
  if (filter.type !== 'compare' || filter.op !== 'eq') return undefined
  const { left, right } = filter
  const [property, literal] =
    left.type === 'property' ? [left, right] : right.type === 'property' ? [right, left] : []
  if (property?.type !== 'property' || literal?.type !== 'literal') return undefined
  if (typeof literal.value !== 'string' || ISO_DATE.test(literal.value)) return undefined
  const column = table.columnsByName.get(property.name)
  if (!column || column.name === table.primaryId || column.type === 'PartyList') return undefined
  if (lookupTypes.has(column.type)) return undefined
  return [{ column: column.name, value: literal.value }]
}

/**
 * Rows by the lowercased text of a column (strings compare case-insensitively, as Dataverse's SQL collation
 * does), built for a table and column the first time a query asks, then kept in step with the store
 * (rollbacks included), as a database index would be.
 */
export interface ColumnIndex {
  /** The rows holding these values, in the order the table stores them (what a scan would meet first). */
  rows(table: Table, lookups: readonly ColumnLookup[]): StoredRow[]
}

interface TableIndex {
  /** insertion order of each row: where a scan of the table meets it */
  order: Map<string, number>
  next: number
  /** column → lowercased text → ids */
  columns: Map<string, Map<string, Set<string>>>
}

export function createColumnIndex(store: Store): ColumnIndex {
  const tables = new Map<string, TableIndex>()

  store.onChange((tableName, before, after) => {
    const index = tables.get(tableName)
    if (!index) return
    const row = after ?? before
    if (!row) return
    if (!after) index.order.delete(row.id)
    else if (!before) index.order.set(row.id, index.next++)
    for (const [column, byValue] of index.columns) {
      const old = textKey(before?.values[column])
      const now = textKey(after?.values[column])
      if (old === now) continue
      if (old !== undefined) remove(byValue, old, row.id)
      if (now !== undefined) add(byValue, now, row.id)
    }
  })

  const tableIndex = (table: string): TableIndex => {
    let index = tables.get(table)
    if (!index) {
      index = { order: new Map(), next: 0, columns: new Map() }
      for (const row of store.list(table)) index.order.set(row.id, index.next++)
      tables.set(table, index)
    }
    return index
  }

  const columnIndex = (index: TableIndex, table: string, column: string): Map<string, Set<string>> => {
    let byValue = index.columns.get(column)
    if (!byValue) {
      byValue = new Map()
      for (const row of store.list(table)) {
        const key = textKey(row.values[column])
        if (key !== undefined) add(byValue, key, row.id)
      }
      index.columns.set(column, byValue)
    }
    return byValue
  }

  return {
    rows(table, lookups) {
      const index = tableIndex(table.logicalName)
      const ids = new Set<string>()
      for (const { column, value } of lookups) {
        for (const id of columnIndex(index, table.logicalName, column).get(value.toLowerCase()) ?? [])
          ids.add(id)
      }
      const order = (id: string) => index.order.get(id) ?? 0
      return [...ids]
        .sort((a, b) => order(a) - order(b))
        .flatMap((id) => store.get(table.logicalName, id) ?? [])
    },
  }
}

function textKey(value: unknown): string | undefined {
  return typeof value === 'string' ? value.toLowerCase() : undefined
}

function add(byValue: Map<string, Set<string>>, key: string, id: string): void {
  let ids = byValue.get(key)
  if (!ids) byValue.set(key, (ids = new Set()))
  ids.add(id)
}

function remove(byValue: Map<string, Set<string>>, key: string, id: string): void {
  const ids = byValue.get(key)
  if (!ids) return
  ids.delete(id)
  if (ids.size === 0) byValue.delete(key)
}
