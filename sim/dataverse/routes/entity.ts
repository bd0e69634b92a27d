import type { SimRequest } from '../../serve.ts'
import { faults, payloadFault } from '../errors.ts'
import { conditionHeader, preferenceApplied } from '../odata/prefer.ts'
import { contextColumns, expandEntity, parseExpand } from '../odata/expand.ts'
import { parseSelect } from '../odata/query.ts'
import { etagOf, toEntity } from '../representation.ts'
import type { StoredRow } from '../store.ts'
import type { Table } from '../tables.ts'
import { createRow, deleteParties, updateRow } from '../write/apply.ts'
import { deleteWithCascade } from '../write/cascade.ts'
import { readPayload } from '../write/payload.ts'
import {
  contextUrl,
  entityIdUrl,
  jsonResponse,
  noContent,
  representationOf,
  type ApiContext,
} from './context.ts'

export async function readJson(request: SimRequest, table: Table): Promise<unknown> {
  const text = await request.text()
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw payloadFault(table.entitySet, 'Invalid JSON. A token was not recognized in the JSON content.')
  }
}

/** Body for `Prefer: return=representation` (webapi.md §1.4, §2.3). */
function representation(
  context: ApiContext,
  table: Table,
  row: StoredRow,
  url: URL,
  status: number,
): Response {
  const select = parseSelect(table, url.searchParams)
  const body = {
    '@odata.context': contextUrl(context, table, select, true),
    ...toEntity(table, row, { select, ...representationOf(context) }),
  }
  return jsonResponse(status, body, {
    ...preferenceApplied(context.prefer, { representation: true }),
    etag: etagOf(row),
  })
}

/** POST {set}: 204 + OData-EntityId, or 201 + body (webapi.md §2.1). */
export async function createEntity(
  context: ApiContext,
  table: Table,
  request: SimRequest,
): Promise<Response> {
  context.count('Create')
  const changes = readPayload(await readJson(request, table), { ...context, table, mode: 'create' })
  // One transaction: a deep insert's related rows are not kept when the row itself fails.
  const row = await context.store.atomically(() => createRow(table, changes, context))
  if (context.prefer.returnRepresentation)
    return representation(context, table, row, new URL(request.url), 201)
  return noContent({ 'odata-entityid': entityIdUrl(context, table, row.id) })
}

/**
 * PATCH {set}(id): upsert; `If-Match: *` update-only (404 when missing), `If-None-Match: *`
 * create-only (412 when present), `If-Match: <etag>` optimistic concurrency (webapi.md §1.5, §2.3).
 */
export async function patchEntity(
  context: ApiContext,
  table: Table,
  id: string | undefined,
  request: SimRequest,
  keyValues?: ReadonlyMap<string, string | number>,
  keyText?: string,
): Promise<Response> {
  const ifMatch = conditionHeader(request, 'if-match')
  const ifNoneMatch = conditionHeader(request, 'if-none-match')
  context.count(ifMatch !== undefined ? 'Update' : ifNoneMatch === '*' ? 'Create' : 'Upsert')
  const existing = id === undefined ? undefined : context.store.get(table.logicalName, id)
  if (ifMatch !== undefined) {
    if (!existing) throw faults.notFound(table.logicalName, id ?? keyText ?? '')
    if (ifMatch !== '*' && ifMatch !== etagOf(existing)) throw faults.versionMismatch()
  }
  if (ifNoneMatch === '*' && existing) throw faults.alreadyExists()
  const body = await readJson(request, table)
  const changes = readPayload(body, { ...context, table, mode: existing ? 'update' : 'create' })
  if (keyValues) {
    // webapi.md §2.3: key values in the body are dropped when the row exists; for a new row,
    // body values win and the URL's fill the rest.
    for (const [name, value] of keyValues) {
      if (existing) delete changes.values[name]
      else if (!(name in changes.values)) changes.values[name] = value
    }
  }
  const row = existing
    ? updateRow(table, existing, changes, context)
    : createRow(table, changes, context, id === undefined ? {} : { id })
  if (context.prefer.returnRepresentation) {
    return representation(context, table, row, new URL(request.url), existing ? 200 : 201)
  }
  const entityId =
    keyValues && keyText !== undefined
      ? `${context.apiUrl}${table.entitySet}(${keyText})`
      : entityIdUrl(context, table, row.id)
  return noContent({ 'odata-entityid': entityId })
}

export function getEntity(context: ApiContext, table: Table, id: string, request: SimRequest): Response {
  context.count('Retrieve')
  const row = context.store.get(table.logicalName, id)
  if (!row) throw faults.notFound(table.logicalName, id)
  const etag = etagOf(row)
  if (conditionHeader(request, 'if-none-match') === etag)
    return new Response(null, { status: 304, headers: { etag } })
  const url = new URL(request.url)
  const select = parseSelect(table, url.searchParams)
  const expansions = parseExpand(table, context.catalog, url.searchParams)
  const shape = representationOf(context)
  const body = expandEntity(
    {
      '@odata.context': contextUrl(context, table, contextColumns(select, expansions), true),
      ...toEntity(table, row, { select, ...shape }),
    },
    row,
    expansions,
    { ...context, ...shape },
  )
  return jsonResponse(200, body, { etag, ...preferenceApplied(context.prefer) })
}

/**
 * DELETE {set}(id): 204, 404 when missing, 412 on a stale If-Match (webapi.md §2.4); related rows
 * follow their relationship's delete behaviour.
 */
export function deleteEntity(context: ApiContext, table: Table, id: string, request: SimRequest): Response {
  context.count('Delete')
  const row = context.store.get(table.logicalName, id)
  if (!row) throw faults.notFound(table.logicalName, id)
  const ifMatch = conditionHeader(request, 'if-match')
  if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== etagOf(row)) throw faults.versionMismatch()
  // Child rows go with it or lose their link, per relationship (write/cascade.ts); an activity's
  // parties go with it.
  deleteWithCascade(context, row)
  if (table.columns.some((column) => column.type === 'PartyList')) deleteParties(context.store, id)
  return noContent()
}
