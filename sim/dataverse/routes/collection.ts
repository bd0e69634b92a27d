import { evaluateFilter } from '../odata/filter.ts'
import { maxPageSize, parseCollectionQuery, skiptokenFor, sortRows } from '../odata/query.ts'
import { toEntity } from '../representation.ts'
import type { Table } from '../tables.ts'
import { contextUrl, jsonResponse, type ApiContext } from './context.ts'

/**
 * GET {set}: $select, $filter, $orderby, $top, $count, and paging with
 * `Prefer: odata.maxpagesize` → `@odata.nextLink` carrying a `$skiptoken` (webapi.md §2.8).
 */
export function queryCollection(context: ApiContext, table: Table, request: Request): Response {
  context.count('RetrieveMultiple')
  const url = new URL(request.url)
  const query = parseCollectionQuery(table, url.searchParams)
  const annotations = context.prefer.includeAnnotations
  let rows = context.store.list(table.logicalName).map((row) => toEntity(table, row, { annotations }))
  if (query.filter) {
    const filter = query.filter
    rows = rows.filter((row) => evaluateFilter(filter, row))
  }
  rows = sortRows(rows, query.orderBy)
  // OData: @odata.count counts every match, ignoring $top and paging.
  const matched = rows.length
  if (query.top !== undefined) rows = rows.slice(0, query.top)
  const total = rows.length
  const pageSize = Math.min(context.prefer.maxPageSize ?? maxPageSize, maxPageSize)
  const start = (query.page - 1) * pageSize
  const page = rows.slice(start, start + pageSize).map((row) => project(row, table, query.select))

  const body: Record<string, unknown> = { '@odata.context': contextUrl(context, table, query.select, false) }
  if (query.count) body['@odata.count'] = Math.min(matched, maxPageSize)
  body.value = page
  if (start + pageSize < total) {
    const next = new URLSearchParams(url.searchParams)
    next.set('$skiptoken', skiptokenFor(query.page + 1))
    body['@odata.nextLink'] = `${context.apiUrl}${table.entitySet}?${next.toString()}`
  }
  const headers: Record<string, string> = {}
  if (context.prefer.maxPageSize !== undefined)
    headers['preference-applied'] = `odata.maxpagesize=${pageSize}`
  return jsonResponse(200, body, headers)
}

function project(
  row: Record<string, unknown>,
  table: Table,
  select: string[] | undefined,
): Record<string, unknown> {
  if (!select) return row
  const keep = new Set([...select, table.primaryId, '@odata.etag'])
  return Object.fromEntries(Object.entries(row).filter(([key]) => keep.has(key.split('@')[0] || key)))
}
