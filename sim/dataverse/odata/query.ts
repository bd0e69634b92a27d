import { DataverseFault, faults } from '../errors.ts'
import { readableProperties } from '../representation.ts'
import type { Table } from '../tables.ts'
import { compareValues, filterProperties, parseFilter, type FilterExpression } from './filter.ts'

export interface CollectionQuery {
  select?: string[]
  filter?: FilterExpression
  top?: number
  orderBy: { property: string; descending: boolean }[]
  count: boolean
  /** 1-based page from `$skiptoken` */
  page: number
}

/** Dataverse returns at most 5,000 rows per page and counts up to 5,000 (webapi.md §5.2). */
export const maxPageSize = 5000

const supported = new Set([
  '$select',
  '$filter',
  '$top',
  '$orderby',
  '$count',
  '$skiptoken',
  '$expand',
  '$apply',
])

export function parseSelect(table: Table, params: URLSearchParams): string[] | undefined {
  const raw = params.get('$select')
  if (raw === null) return undefined
  const names = raw.split(',').map((s) => s.trim())
  checkProperties(table, names)
  return names
}

export function parseCollectionQuery(table: Table, params: URLSearchParams): CollectionQuery {
  for (const key of params.keys()) {
    if (key.startsWith('$') && !supported.has(key)) {
      throw new DataverseFault(
        400,
        '0x80060888',
        `The query option '${key}' is not supported by the simulator.`,
      )
    }
  }
  const query: CollectionQuery = { select: parseSelect(table, params), orderBy: [], count: false, page: 1 }
  const filter = params.get('$filter')
  if (filter !== null) {
    query.filter = parseFilter(filter)
    checkProperties(table, filterProperties(query.filter))
  }
  const top = params.get('$top')
  if (top !== null) {
    if (!/^\d+$/.test(top)) throw faults.querySyntax(`Invalid value '${top}' for $top query option found.`)
    query.top = Number(top)
  }
  for (const part of (params.get('$orderby') ?? '').split(',').filter((s) => s.trim() !== '')) {
    const [property = '', direction = 'asc'] = part.trim().split(/\s+/)
    checkProperties(table, [property])
    query.orderBy.push({ property, descending: direction.toLowerCase() === 'desc' })
  }
  query.count = params.get('$count') === 'true'
  const skiptoken = params.get('$skiptoken')
  if (skiptoken !== null) query.page = pageFromSkiptoken(skiptoken)
  return query
}

function checkProperties(table: Table, names: string[]): void {
  const readable = readableProperties(table)
  for (const name of names) if (!readable.has(name)) throw faults.queryProperty(table.logicalName, name)
}

/** Dataverse skip tokens are paging cookies: `<cookie pagenumber="2" … />` (URL-encoded in the link). */
export function skiptokenFor(page: number): string {
  return `<cookie pagenumber="${page}" pagingcookie="" istracking="False" />`
}

function pageFromSkiptoken(token: string): number {
  const page = /pagenumber="(\d+)"/.exec(token)?.[1]
  if (page === undefined) throw faults.querySyntax(`The skip token '${token}' is not valid.`)
  return Number(page)
}

export function sortRows(
  rows: Record<string, unknown>[],
  orderBy: CollectionQuery['orderBy'],
): Record<string, unknown>[] {
  if (orderBy.length === 0) return rows
  return [...rows].sort((a, b) => {
    for (const { property, descending } of orderBy) {
      const left = a[property] ?? null
      const right = b[property] ?? null
      // nulls sort first ascending, as in SQL Server
      const order =
        left === null ? (right === null ? 0 : -1) : right === null ? 1 : (compareValues(left, right) ?? 0)
      if (order !== 0) return descending ? -order : order
    }
    return 0
  })
}
