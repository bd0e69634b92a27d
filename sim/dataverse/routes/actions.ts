import type { SimRequest } from '../../serve.ts'
import { DataverseFault, faults, payloadFault, textOf } from '../errors.ts'
import { isGuid } from '../guid.ts'
import type { Table } from '../tables.ts'
import { createRow, updateRow } from '../write/apply.ts'
import { readPayload } from '../write/payload.ts'
import { jsonResponse, noContent, type ApiContext } from './context.ts'

async function readObject(request: SimRequest, action: string): Promise<Record<string, unknown>> {
  const text = await request.text()
  let body: unknown
  try {
    body = text === '' ? {} : JSON.parse(text)
  } catch {
    throw payloadFault(action, 'Invalid JSON. A token was not recognized in the JSON content.')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw payloadFault(action, 'The request body must be a JSON object.')
  }
  return body as Record<string, unknown>
}

function tableOrFail(context: ApiContext, logicalName: string): Table {
  const table = context.catalog.byName(logicalName)
  if (!table) throw faults.segmentNotFound(logicalName)
  return table
}

export const unboundActions: ReadonlySet<string> = new Set(['WinOpportunity', 'LoseOpportunity'])

/**
 * WinOpportunity / LoseOpportunity (webapi.md §7.4): creates the opportunityclose activity from
 * `OpportunityClose` and closes the opportunity — Won is statecode 1 (Status default 3),
 * Lost statecode 2 (Status 4 Canceled or 5 Out-Sold) [D].
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/winopportunity
 */
export async function closeOpportunity(
  context: ApiContext,
  action: 'WinOpportunity' | 'LoseOpportunity',
  request: SimRequest,
): Promise<Response> {
  if (request.method !== 'POST') throw faults.methodNotAllowed(request.method)
  context.count(action)
  const body = await readObject(request, action)
  const opportunities = tableOrFail(context, 'opportunity')
  const closes = tableOrFail(context, 'opportunityclose')
  const won = action === 'WinOpportunity'
  const state = won ? 1 : 2
  const status = body.Status ?? (won ? 3 : 4)
  if (typeof status !== 'number' || !Number.isInteger(status)) {
    throw payloadFault(
      action,
      `Cannot convert the literal '${textOf(status)}' to the expected type 'Edm.Int32'.`,
    )
  }
  const close = body.OpportunityClose
  if (typeof close !== 'object' || close === null || Array.isArray(close)) {
    throw payloadFault(
      action,
      `The parameter 'OpportunityClose' of '${action}' is missing or is not an opportunityclose entity.`,
    )
  }
  const bind = (close as Record<string, unknown>)['opportunityid@odata.bind']
  if (bind === undefined) {
    throw faults.badRequest(
      `'OpportunityClose' must bind the opportunity: "opportunityid@odata.bind": "/opportunities(<id>)".`,
    )
  }
  const fields = Object.fromEntries(Object.entries(close).filter(([k]) => k !== '@odata.type'))
  await context.store.atomically(() => {
    const changes = readPayload(fields, { ...context, table: closes, mode: 'create' })
    const ref = changes.lookups.opportunityid
    const opportunity = ref ? context.store.get('opportunity', ref.id) : undefined
    if (!ref || !opportunity) throw faults.notFound('opportunity', ref?.id ?? '')
    if (opportunity.values.statecode !== 0) {
      // [U] exact text; a closed opportunity cannot be closed again.
      throw new DataverseFault(
        400,
        '0x80040203',
        `The opportunity with Id = ${opportunity.id} is already closed; reopen it (statecode 0) first.`,
      )
    }
    createRow(closes, changes, context)
    updateRow(
      opportunities,
      opportunity,
      { values: { statecode: state, statuscode: status }, lookups: {} },
      context,
    )
  })
  return noContent()
}

/**
 * POST lists(<id>)/Microsoft.Dynamics.CRM.AddMemberList `{ "EntityId": "<id>" }` (webapi.md §7.8):
 * the member's table follows the list's createdfromcode (1 account, 2 contact, 4 lead); returns
 * the listmember id. Adding a member twice returns the existing listmember [U].
 */
export async function addMemberList(
  context: ApiContext,
  listId: string,
  request: SimRequest,
): Promise<Response> {
  if (request.method !== 'POST') throw faults.methodNotAllowed(request.method)
  context.count('AddMemberList')
  const body = await readObject(request, 'AddMemberList')
  const list = context.store.get('list', listId)
  if (!list) throw faults.notFound('list', listId)
  const memberTable = ({ 1: 'account', 2: 'contact', 4: 'lead' } as Record<number, string>)[
    Number(list.values.createdfromcode)
  ]
  if (memberTable === undefined) throw faults.badRequest(`The list ${listId} has no valid createdfromcode.`)
  const entityId = body.EntityId
  if (!isGuid(entityId))
    throw payloadFault(
      'AddMemberList',
      `Cannot convert the literal '${textOf(entityId)}' to the expected type 'Edm.Guid'.`,
    )
  const member = context.store.get(memberTable, entityId)
  if (!member) throw faults.notFound(memberTable, entityId.toLowerCase())
  const members = tableOrFail(context, 'listmember')
  const existing = context.store
    .list('listmember')
    .find((m) => m.lookups.listid?.id === listId && m.lookups.entityid?.id === member.id)
  const row =
    existing ??
    createRow(
      members,
      {
        values: { entitytype: Number(list.values.createdfromcode) },
        lookups: { listid: { table: 'list', id: listId }, entityid: { table: memberTable, id: member.id } },
      },
      context,
    )
  return jsonResponse(200, {
    '@odata.context': `${context.apiUrl}$metadata#Microsoft.Dynamics.CRM.AddMemberListResponse`,
    id: row.id,
  })
}

/**
 * POST products(<id>)/Microsoft.Dynamics.CRM.PublishProductHierarchy (webapi.md §7.9): a Draft
 * or Under Revision product becomes Active (statecode 0, statuscode 1).
 */
export function publishProductHierarchy(
  context: ApiContext,
  productId: string,
  request: SimRequest,
): Response {
  if (request.method !== 'POST') throw faults.methodNotAllowed(request.method)
  context.count('PublishProductHierarchy')
  const products = tableOrFail(context, 'product')
  const product = context.store.get('product', productId)
  if (!product) throw faults.notFound('product', productId)
  if (product.values.statecode === 1) {
    throw new DataverseFault(
      400,
      '0x80040203',
      `The product with Id = ${productId} is retired and cannot be published.`,
    )
  }
  updateRow(products, product, { values: { statecode: 0, statuscode: 1 }, lookups: {} }, context)
  return noContent()
}

/**
 * POST lists(<id>)/Microsoft.Dynamics.CRM.RemoveMemberList `{ "EntityId": "<member record id>" }`: removes the
 * record from the list (its listmember row goes). A record not on the list is not an error [U].
 * https://learn.microsoft.com/dotnet/api/microsoft.crm.sdk.messages.removememberlistrequest ("This message is available
 * as a Web API action when the environment was configured to enable Dynamics 365 apps").
 */
export async function removeMemberList(
  context: ApiContext,
  listId: string,
  request: SimRequest,
): Promise<Response> {
  if (request.method !== 'POST') throw faults.methodNotAllowed(request.method)
  context.count('RemoveMemberList')
  const body = await readObject(request, 'RemoveMemberList')
  if (!context.store.get('list', listId)) throw faults.notFound('list', listId)
  const entityId = body.EntityId
  if (!isGuid(entityId))
    throw payloadFault(
      'RemoveMemberList',
      `Cannot convert the literal '${textOf(entityId)}' to the expected type 'Edm.Guid'.`,
    )
  for (const member of context.store.list('listmember'))
    if (member.lookups.listid?.id === listId && member.lookups.entityid?.id === entityId.toLowerCase())
      context.store.delete('listmember', member.id)
  return noContent()
}

export const boundActions: Record<string, string> = {
  AddMemberList: 'list',
  RemoveMemberList: 'list',
  PublishProductHierarchy: 'product',
}
