import type { SimRequest } from '../../serve.ts'
import { parseApply, runApply } from '../odata/aggregate.ts'
import { contextColumns, expandEntity, parseExpand } from '../odata/expand.ts'
import { filterLookups } from '../odata/column-index.ts'
import { evaluateFilter, type FilterExpression } from '../odata/filter.ts'
import { maxPageSize, parseCollectionQuery, skiptokenFor, sortRows } from '../odata/query.ts'
import { preferenceApplied } from '../odata/prefer.ts'
import { toEntity } from '../representation.ts'
import type { StoredRow } from '../store.ts'
import type { Table } from '../tables.ts'
import { contextUrl, jsonResponse, representationOf, type ApiContext } from './context.ts'

/**
 * GET {set}: $select, $expand (single-valued), $filter, $orderby, $top, $count, and paging with
 * `Prefer: odata.maxpagesize` → `@odata.nextLink` carrying a `$skiptoken` (webapi.md §2.8).
 */
export function queryCollection(context: ApiContext, table: Table, request: SimRequest): Response {
  context.count('RetrieveMultiple')
  const url = new URL(request.url)
  const query = parseCollectionQuery(table, url.searchParams)
  const apply = url.searchParams.get('$apply')
  if (apply !== null) return aggregateCollection(context, table, apply)
  const expansions = parseExpand(table, context.catalog, url.searchParams)
  const shape = representationOf(context)
  // A filter on primary keys only is answered from the key, as the database's index would: no table scan.
  const keys = query.filter ? primaryKeysOf(query.filter, table.primaryId) : undefined
  let stored =
    keys === undefined
      ? filteredRows(context, table, query.filter)
      : keys.flatMap((id) => context.store.get(table.logicalName, id) ?? [])
  // Without a filter or an order, `$top` takes the first rows as stored: only those need building.
  if (!query.filter && query.orderBy.length === 0 && query.top !== undefined && !query.count)
    stored = stored.slice(0, query.top)
  const storedById = new Map(stored.map((row) => [row.id, row]))
  let rows = stored.map((row) => toEntity(table, row, shape))
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
  const page = rows.slice(start, start + pageSize).map((row) => {
    const entity = project(row, table, query.select)
    const source = storedById.get(String(row[table.primaryId]))
    return source ? expandEntity(entity, source, expansions, { ...context, ...shape }) : entity
  })

  const body: Record<string, unknown> = {
    '@odata.context': contextUrl(context, table, contextColumns(query.select, expansions), false),
  }
  if (query.count) body['@odata.count'] = Math.min(matched, maxPageSize)
  // https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/count-rows
  if (shape.annotations?.('Microsoft.Dynamics.CRM.totalrecordcount'))
    body['@Microsoft.Dynamics.CRM.totalrecordcount'] = query.count ? Math.min(matched, maxPageSize) : -1
  if (shape.annotations?.('Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded'))
    body['@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded'] = query.count && matched > maxPageSize
  body.value = page
  if (start + pageSize < total) {
    const next = new URLSearchParams(url.searchParams)
    next.set('$skiptoken', skiptokenFor(query.page + 1))
    body['@odata.nextLink'] = `${context.apiUrl}${table.entitySet}?${next.toString()}`
  }
  const applied = context.prefer.maxPageSize === undefined ? {} : { maxPageSize: pageSize }
  return jsonResponse(200, body, preferenceApplied(context.prefer, applied))
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

/**
 * The rows a filter may match, in stored order: those its `column eq 'text'` terms find in the column index
 * (odata/column-index.ts), or the whole table.
 */
function filteredRows(context: ApiContext, table: Table, filter: FilterExpression | undefined): StoredRow[] {
  const lookups = filter && context.columns ? filterLookups(filter, table) : undefined
  return lookups && context.columns
    ? context.columns.rows(table, lookups)
    : context.store.list(table.logicalName)
}

/** The ids of `id eq <guid> or id eq <guid> …` (any nesting of `or`), or undefined for any other filter. */
function primaryKeysOf(filter: FilterExpression, primaryId: string): string[] | undefined {
  if (filter.type === 'or') {
    const left = primaryKeysOf(filter.left, primaryId)
    const right = left && primaryKeysOf(filter.right, primaryId)
    return left && right && [...new Set([...left, ...right])]
  }
  if (filter.type !== 'compare' || filter.op !== 'eq') return undefined
  const { left, right } = filter
  if (left.type !== 'property' || left.name !== primaryId || right.type !== 'literal') return undefined
  return typeof right.value === 'string' ? [right.value.toLowerCase()] : undefined
}

/**
 * GET {set}/$count: the number of rows (after `$filter`), up to 5,000, as `text/plain`.
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/count-rows
 */
export function countCollection(context: ApiContext, table: Table, request: SimRequest): Response {
  context.count('RetrieveMultiple')
  const query = parseCollectionQuery(table, new URL(request.url).searchParams)
  let rows = filteredRows(context, table, query.filter)
  if (query.filter) {
    const filter = query.filter
    rows = rows.filter((row) => evaluateFilter(filter, toEntity(table, row)))
  }
  return new Response(String(Math.min(rows.length, maxPageSize)), {
    status: 200,
    headers: { 'content-type': 'text/plain', 'odata-version': '4.0' },
  })
}

/** GET {set}?$apply=…: grouped and aggregated rows, not paged (odata/aggregate.ts). */
function aggregateCollection(context: ApiContext, table: Table, apply: string): Response {
  const transformations = parseApply(table, apply)
  const shape = representationOf(context)
  const stored = context.store.list(table.logicalName)
  const entities = stored.map((row) => toEntity(table, row))
  const value = runApply(table, stored, entities, transformations, shape)
  return jsonResponse(
    200,
    { '@odata.context': `${context.apiUrl}$metadata#${table.entitySet}`, value },
    preferenceApplied(context.prefer),
  )
}
