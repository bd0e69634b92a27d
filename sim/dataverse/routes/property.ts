import type { SimRequest } from '../../serve.ts'
import { DataverseFault, faults, payloadFault } from '../errors.ts'
import { conditionHeader } from '../odata/prefer.ts'
import { etagOf, propertyName } from '../representation.ts'
import type { StoredRow } from '../store.ts'
import { lookupTypes, type Table } from '../tables.ts'
import { updateRow } from '../write/apply.ts'
import { readPayload } from '../write/payload.ts'
import { jsonResponse, noContent, type ApiContext } from './context.ts'
import { readJson } from './entity.ts'

/**
 * `{set}(id)/{column}`: read (GET), set (PUT `{"value": …}`) or clear (DELETE) one column, with
 * the same validation as a PATCH and optimistic concurrency on `If-Match: <etag>` (412 when stale).
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/update-delete-entities-using-web-api#update-a-single-property-value
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/update-delete-entities-using-web-api#delete-a-single-property-value
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/retrieve-entity-using-web-api#retrieve-a-single-property-value
 */
export async function singleProperty(
  context: ApiContext,
  table: Table,
  id: string,
  name: string,
  request: SimRequest,
): Promise<Response> {
  const column = table.columns.find((c) => propertyName(c) === name)
  if (!column) throw faults.segmentNotFound(name)
  const row = existingRow(context, table, id)
  if (request.method === 'GET') {
    context.count('Retrieve')
    const value = lookupTypes.has(column.type)
      ? (row.lookups[column.name]?.id ?? null)
      : column.name === table.primaryId
        ? row.id
        : (row.values[column.name] ?? null)
    // OData: a null property value is 204 No Content.
    if (value === null) return noContent()
    return jsonResponse(200, {
      '@odata.context': `${context.apiUrl}$metadata#${table.entitySet}(${row.id})/${name}`,
      value,
    })
  }
  if (request.method !== 'PUT' && request.method !== 'DELETE') throw faults.methodNotAllowed(request.method)
  context.count('Update')
  checkIfMatch(request, row)
  // A lookup is changed through its navigation property's $ref, never through `_x_value`.
  if (lookupTypes.has(column.type)) throw faults.lookupWrittenDirectly(table.entitySet)
  let value: unknown = null
  if (request.method === 'PUT') {
    const body = await readJson(request, table)
    if (typeof body !== 'object' || body === null || !('value' in body)) {
      throw payloadFault(table.entitySet, 'A single property value must be sent as {"value": …}.')
    }
    value = body.value
  }
  const changes = readPayload({ [column.name]: value }, { ...context, table, mode: 'update' })
  updateRow(table, row, changes, context)
  return noContent()
}

/**
 * `{set}(id)/{nav}/$ref`: PUT `{"@odata.id": "<set>(<id>)"}` points a single-valued navigation
 * property at another row; DELETE clears it. Same checks as `<nav>@odata.bind` in a PATCH.
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/associate-disassociate-entities-using-web-api#using-single-valued-navigation-properties
 */
export async function navigationRef(
  context: ApiContext,
  table: Table,
  id: string,
  nav: string,
  request: SimRequest,
): Promise<Response> {
  if (!table.navs.has(nav)) throw faults.segmentNotFound(nav)
  if (request.method !== 'PUT' && request.method !== 'DELETE') {
    // POST …/$ref adds to a collection-valued navigation property, which these are not.
    throw faults.methodNotAllowed(request.method)
  }
  const row = existingRow(context, table, id)
  context.count(request.method === 'PUT' ? 'Associate' : 'Disassociate')
  checkIfMatch(request, row)
  let target: unknown = null
  if (request.method === 'PUT') {
    const body = await readJson(request, table)
    target = (body as { '@odata.id'?: unknown } | null)?.['@odata.id']
    if (typeof target !== 'string') {
      throw payloadFault(table.entitySet, 'The body of a PUT …/$ref must be {"@odata.id": "<set>(<id>)"}.')
    }
  }
  const changes = readPayload({ [`${nav}@odata.bind`]: target }, { ...context, table, mode: 'update' })
  if (Object.keys(changes.lookups).length === 0) {
    // the navigation property's lookup is read-only (or create-only): nothing would change
    throw new DataverseFault(
      400,
      '0x80040203',
      `The navigation property '${nav}' of '${table.logicalName}' cannot be changed.`,
    )
  }
  updateRow(table, row, changes, context)
  return noContent()
}

function existingRow(context: ApiContext, table: Table, id: string): StoredRow {
  const row = context.store.get(table.logicalName, id)
  if (!row) throw faults.notFound(table.logicalName, id)
  return row
}

/** `If-Match: <etag>` on a single-property write: 412 when the row changed since (webapi.md §1.5). */
function checkIfMatch(request: SimRequest, row: StoredRow): void {
  const ifMatch = conditionHeader(request, 'if-match')
  if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== etagOf(row)) throw faults.versionMismatch()
}
