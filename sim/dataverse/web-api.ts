import { DataverseFault, faults } from './errors.ts'
import { isGuid } from './guid.ts'
import { runBulk, bulkMessages, type BulkCost, type BulkMessage } from './routes/bulk.ts'
import { queryCollection } from './routes/collection.ts'
import type { ApiContext } from './routes/context.ts'
import { createEntity, deleteEntity, getEntity, patchEntity } from './routes/entity.ts'
import { whoAmI } from './routes/who-am-i.ts'
import type { Table } from './tables.ts'

export const apiPath = '/api/data/v9.2/'

const segmentRe = /^([A-Za-z_][A-Za-z0-9_.]*)(?:\(([^)]*)\))?(?:\/(.+))?$/

/** Routes one authenticated Web API request; throws DataverseFault for Dataverse errors. */
export async function routeWebApi(context: ApiContext, request: Request, cost: BulkCost): Promise<Response> {
  const url = new URL(request.url)
  const resource = decodeURIComponent(url.pathname.slice(apiPath.length))
  const method = request.method
  if (resource === 'WhoAmI' || resource === 'WhoAmI()') {
    if (method !== 'GET') throw faults.methodNotAllowed(method)
    return whoAmI(context)
  }
  const match = segmentRe.exec(resource)
  const [, set = '', key, rest] = match ?? []
  const table = context.catalog.bySet(set)
  if (!match || !table) throw faults.segmentNotFound(match ? set : resource)

  if (key === undefined && rest === undefined) {
    if (method === 'GET') return queryCollection(context, table, request)
    if (method === 'POST') return createEntity(context, table, request)
    throw faults.methodNotAllowed(method)
  }
  if (key === undefined && rest !== undefined) {
    const message = rest.replace(/^Microsoft\.Dynamics\.CRM\./, '')
    if (method === 'POST' && rest.startsWith('Microsoft.Dynamics.CRM.') && bulkMessages.has(message)) {
      return runBulk(context, table, message as BulkMessage, request, cost)
    }
    throw faults.segmentNotFound(rest)
  }
  if (rest !== undefined) throw faults.segmentNotFound(rest)
  const id = recordKey(table, key ?? '')
  switch (method) {
    case 'GET':
      return getEntity(context, table, id, request)
    case 'PATCH':
      return patchEntity(context, table, id, request)
    case 'DELETE':
      return deleteEntity(context, table, id, request)
    default:
      throw faults.methodNotAllowed(method)
  }
}

/** `accounts(<guid>)` or `accounts(accountid=<guid>)`; alternate keys are not modelled (webapi.md §1.1). */
function recordKey(table: Table, key: string): string {
  const [name, value] = key.includes('=') ? key.split('=', 2) : [table.primaryId, key]
  if (name === table.primaryId && isGuid(value)) return value.toLowerCase()
  if (name !== table.primaryId && table.columnsByName.has(name ?? '')) {
    throw new DataverseFault(
      400,
      '0x80060888',
      `The key '${key}' is not a defined alternate key of '${table.logicalName}' in the simulator.`,
    )
  }
  throw faults.querySyntax('Bad Request - Error in query syntax.')
}
