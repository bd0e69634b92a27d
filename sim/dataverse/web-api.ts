import type { SimRequest } from '../serve.ts'
import { DataverseFault, faults } from './errors.ts'
import { isGuid } from './guid.ts'
import { runBulk, bulkMessages, type BulkCost, type BulkMessage } from './routes/bulk.ts'
import { countCollection, queryCollection } from './routes/collection.ts'
import type { ApiContext } from './routes/context.ts'
import { createEntity, deleteEntity, getEntity, patchEntity } from './routes/entity.ts'
import { isMetadataResource, routeMetadata } from './metadata/routes.ts'
import { resolveAlternateKey } from './metadata/schema.ts'
import {
  addMemberList,
  removeMemberList,
  boundActions,
  closeOpportunity,
  publishProductHierarchy,
  unboundActions,
} from './routes/actions.ts'
import { closeIncident } from './routes/close-incident.ts'
import { addListMembersList } from './routes/list-members.ts'
import { navigationRef, singleProperty } from './routes/property.ts'
import { retrieveTotalRecordCount } from './routes/record-count.ts'
import { bulkDelete } from './routes/bulk-delete.ts'
import { whoAmI } from './routes/who-am-i.ts'
import { closeQuote, quoteActions } from './routes/quote-actions.ts'
import { addMembersTeam } from './routes/team-actions.ts'
import type { Table } from './tables.ts'

export const apiPath = '/api/data/v9.2/'

const segmentRe = /^([A-Za-z_][A-Za-z0-9_.]*)(?:\(([^)]*)\))?(?:\/(.+))?$/

/** Routes one authenticated Web API request; throws DataverseFault for Dataverse errors. */
export async function routeWebApi(
  context: ApiContext,
  request: SimRequest,
  cost: BulkCost,
): Promise<Response> {
  const url = new URL(request.url)
  const resource = decodeURIComponent(url.pathname.slice(apiPath.length))
  const method = request.method
  if (resource === 'WhoAmI' || resource === 'WhoAmI()') {
    if (method !== 'GET') throw faults.methodNotAllowed(method)
    return whoAmI(context)
  }
  if (isMetadataResource(resource)) return routeMetadata(context, request, resource)
  if (resource === 'BulkDelete') return bulkDelete(context, request, context.bulkDeleteJobs ?? [])
  if (resource.startsWith('RetrieveTotalRecordCount('))
    return retrieveTotalRecordCount(
      context,
      request,
      resource,
      context.recordCounts ?? new Map<string, { takenAt: number; count: number }>(),
    )
  if (resource === 'CloseIncident') return closeIncident(context, request)
  if (resource === 'AddListMembersList') return addListMembersList(context, request)
  if (unboundActions.has(resource)) {
    return closeOpportunity(context, resource as 'WinOpportunity' | 'LoseOpportunity', request)
  }
  if (quoteActions.has(resource)) return closeQuote(context, resource as 'WinQuote' | 'CloseQuote', request)
  const match = segmentRe.exec(resource)
  const [, set = '', key, rest] = match ?? []
  const table = context.catalog.bySet(set)
  if (!match || !table) throw faults.segmentNotFound(match ? set : resource)

  if (table.logicalName === 'organization') checkOrganizationWrite(context, method, key, rest)
  if (key === undefined && rest === undefined) {
    if (method === 'GET') return queryCollection(context, table, request)
    if (method === 'POST') return createEntity(context, table, request)
    throw faults.methodNotAllowed(method)
  }
  if (key === undefined && rest !== undefined) {
    if (rest === '$count') {
      if (method !== 'GET') throw faults.methodNotAllowed(method)
      return countCollection(context, table, request)
    }
    const message = rest.replace(/^Microsoft\.Dynamics\.CRM\./, '')
    if (method === 'POST' && rest.startsWith('Microsoft.Dynamics.CRM.') && bulkMessages.has(message)) {
      return runBulk(context, table, message as BulkMessage, request, cost)
    }
    throw faults.segmentNotFound(rest)
  }
  if (rest !== undefined) {
    const id = recordKey(context, table, key ?? '').id
    if (id === undefined) throw keyNotFound(table)
    const action = rest.replace(/^Microsoft\.Dynamics\.CRM\./, '')
    if (action === 'AddMembersTeam' && table.logicalName === 'team')
      return addMembersTeam(context, id, request)
    if (rest.startsWith('Microsoft.Dynamics.CRM.') && boundActions[action] === table.logicalName) {
      if (action === 'AddMemberList') return addMemberList(context, id, request)
      if (action === 'RemoveMemberList') return removeMemberList(context, id, request)
      return publishProductHierarchy(context, id, request)
    }
    const ref = /^([A-Za-z_][A-Za-z0-9_]*)\/\$ref$/.exec(rest)?.[1]
    if (ref !== undefined) return navigationRef(context, table, id, ref, request)
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(rest)) return singleProperty(context, table, id, rest, request)
    throw faults.segmentNotFound(rest)
  }
  const { id, keyValues } = recordKey(context, table, key ?? '')
  switch (method) {
    case 'GET':
      if (id === undefined) throw keyNotFound(table)
      return getEntity(context, table, id, request)
    case 'PATCH':
      return patchEntity(context, table, id, request, keyValues, key)
    case 'DELETE':
      if (id === undefined) throw keyNotFound(table)
      return deleteEntity(context, table, id, request)
    default:
      throw faults.methodNotAllowed(method)
  }
}

/**
 * The organization row exists once per environment: it can be read and updated, never created or
 * deleted ([C] the platform's "method does not support entities of type" error).
 */
function checkOrganizationWrite(
  context: ApiContext,
  method: string,
  key: string | undefined,
  rest: string | undefined,
): void {
  if (method === 'POST' && key === undefined && rest === undefined)
    throw faults.messageNotSupported('Create', 'organization')
  if (method === 'DELETE' && rest === undefined) throw faults.messageNotSupported('Delete', 'organization')
  if (method === 'PATCH' && key !== undefined && !context.store.get('organization', key))
    throw faults.notFound('organization', key)
}

/** [C] the message for an alternate-key address that matches no row. */
function keyNotFound(table: Table): DataverseFault {
  return new DataverseFault(
    404,
    '0x80040217',
    `A record with the specified key values does not exist in ${table.logicalName} entity`,
  )
}

/**
 * `accounts(<guid>)`, `accounts(accountid=<guid>)` or an alternate key
 * `contacts(new_legacyid='C-1')` (webapi.md §1.1, §2.3). For an alternate key that matches no
 * row, `id` is undefined and `keyValues` holds the values to copy into a row an upsert creates.
 */
function recordKey(
  context: ApiContext,
  table: Table,
  key: string,
): { id: string | undefined; keyValues?: Map<string, string | number> } {
  const [name, value] = key.includes('=') ? key.split('=', 2) : [table.primaryId, key]
  if (name === table.primaryId && isGuid(value)) return { id: value.toLowerCase() }
  if (name !== table.primaryId && key.includes('=') && context.keys) {
    const resolved = resolveAlternateKey(table, key, context.keys, context.clock())
    return { id: resolved.id, keyValues: resolved.values }
  }
  if (name !== table.primaryId && table.columnsByName.has(name ?? '')) {
    throw new DataverseFault(
      400,
      '0x80060888',
      `The key in the request URI is not valid for resource 'Microsoft.Dynamics.CRM.${table.logicalName}'. Ensure that the names and number of key properties match the declared or alternate key properties for the resource 'Microsoft.Dynamics.CRM.${table.logicalName}'.`,
    )
  }
  throw faults.querySyntax('Bad Request - Error in query syntax.')
}
