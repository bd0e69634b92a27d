import type { SimRequest } from '../../serve.ts'
import { faults, payloadFault, textOf } from '../errors.ts'
import { isGuid } from '../guid.ts'
import { createRow } from '../write/apply.ts'
import { noContent, type ApiContext } from './context.ts'

/** A list's member table by its createdfromcode (1 account, 2 contact, 4 lead). */
const MEMBER_TABLES: Readonly<Record<number, string>> = { 1: 'account', 2: 'contact', 4: 'lead' }

/**
 * POST AddListMembersList `{ "List": { "listid": "<id>" }, "Members": [{ "@odata.type":
 * "Microsoft.Dynamics.CRM.contact", "contactid": "<id>" }, …] }`: an unbound action adding many members to a
 * marketing list at once; returns nothing [D].
 * https://learn.microsoft.com/en-us/previous-versions/dynamicscrm-2016/developers-guide/mt607641(v=crm.8)
 * Every member must be of the list's member type and exist; one that does not refuses the whole call (nothing is
 * added) [U]. A member already on the list is left as it is, as AddMemberList does [U].
 */
export async function addListMembersList(context: ApiContext, request: SimRequest): Promise<Response> {
  if (request.method !== 'POST') throw faults.methodNotAllowed(request.method)
  context.count('AddListMembersList')
  const text = await request.text()
  let body: unknown
  try {
    body = text === '' ? {} : JSON.parse(text)
  } catch {
    throw payloadFault('AddListMembersList', 'Invalid JSON. A token was not recognized in the JSON content.')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw payloadFault('AddListMembersList', 'The request body must be a JSON object.')
  const { List: listRef, Members: members } = body as Record<string, unknown>
  const listId =
    typeof listRef === 'object' && listRef !== null ? (listRef as Record<string, unknown>).listid : undefined
  if (!isGuid(listId))
    throw payloadFault('AddListMembersList', `The parameter 'List' must be a list entity with its listid.`)
  if (!Array.isArray(members) || members.length === 0)
    throw payloadFault(
      'AddListMembersList',
      `The parameter 'Members' must be a non-empty collection of entities.`,
    )
  const list = context.store.get('list', listId)
  if (!list) throw faults.notFound('list', listId)
  const memberTable = MEMBER_TABLES[Number(list.values.createdfromcode)]
  if (memberTable === undefined) throw faults.badRequest(`The list ${listId} has no valid createdfromcode.`)
  const ids = members.map((member: unknown) => {
    const item = (typeof member === 'object' && member !== null ? member : {}) as Record<string, unknown>
    const type = textOf(item['@odata.type']).replace(/^#?Microsoft\.Dynamics\.CRM\./, '')
    if (type !== memberTable)
      throw faults.badRequest(
        `The list ${listId} holds ${memberTable} members; a member of type '${type}' cannot be added.`,
      )
    const id = item[`${memberTable}id`]
    if (!isGuid(id))
      throw payloadFault(
        'AddListMembersList',
        `Cannot convert the literal '${textOf(id)}' to the expected type 'Edm.Guid'.`,
      )
    if (!context.store.get(memberTable, id)) throw faults.notFound(memberTable, id.toLowerCase())
    return id.toLowerCase()
  })
  const table = context.catalog.byName('listmember')
  if (!table) throw faults.segmentNotFound('listmember')
  await context.store.atomically(() => {
    const present = new Set(
      context.store
        .list('listmember')
        .filter((m) => m.lookups.listid?.id === list.id)
        .map((m) => m.lookups.entityid?.id),
    )
    for (const id of ids) {
      if (present.has(id)) continue
      present.add(id)
      createRow(
        table,
        {
          values: { entitytype: Number(list.values.createdfromcode) },
          lookups: { listid: { table: 'list', id: list.id }, entityid: { table: memberTable, id } },
        },
        context,
      )
    }
  })
  return noContent()
}
