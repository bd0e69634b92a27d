import type { SimRequest } from '../../serve.ts'
import { DataverseFault, faults, payloadFault } from '../errors.ts'
import { isGuid } from '../guid.ts'
import { createRow } from '../write/apply.ts'
import { noContent, type ApiContext } from './context.ts'

/**
 * POST teams(<id>)/Microsoft.Dynamics.CRM.AddMembersTeam `{ "Members": [{ "systemuserid": "<id>" }, …] }`: each
 * user becomes a member (a teammembership row); a user already in the team is left as it is [U], an unknown user is
 * 404 and adds nobody. Only owner and access teams take members this way (Entra ID group teams follow the group) [D].
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/addmembersteam
 * https://learn.microsoft.com/power-apps/developer/data-platform/manage-teams
 */
export async function addMembersTeam(
  context: ApiContext,
  teamId: string,
  request: SimRequest,
): Promise<Response> {
  if (request.method !== 'POST') throw faults.methodNotAllowed(request.method)
  context.count('AddMembersTeam')
  let body: unknown
  try {
    body = JSON.parse((await request.text()) || '{}')
  } catch {
    throw payloadFault('AddMembersTeam', 'Invalid JSON. A token was not recognized in the JSON content.')
  }
  const team = context.store.get('team', teamId)
  if (!team) throw faults.notFound('team', teamId)
  if (team.values.teamtype === 2 || team.values.teamtype === 3) {
    throw new DataverseFault(
      400,
      '0x80040203',
      `The team ${teamId} is an Entra ID group team: its members follow the group and cannot be added.`,
    )
  }
  const members = (body as { Members?: unknown }).Members
  if (!Array.isArray(members)) throw payloadFault('AddMembersTeam', "The parameter 'Members' is missing.")
  const ids = members.map((m) => (m as { systemuserid?: unknown }).systemuserid)
  for (const id of ids) {
    if (!isGuid(id)) throw payloadFault('AddMembersTeam', `'${String(id)}' is not a systemuserid.`)
    if (!context.store.get('systemuser', id.toLowerCase()))
      throw faults.notFound('systemuser', id.toLowerCase())
  }
  const table = context.catalog.byName('teammembership')
  if (!table) throw faults.segmentNotFound('teammembership')
  await context.store.atomically(() => {
    for (const id of ids as string[]) {
      const userId = id.toLowerCase()
      const already = context.store
        .list('teammembership')
        .some((m) => m.values.teamid === teamId && m.values.systemuserid === userId)
      if (!already)
        createRow(table, { values: { teamid: teamId, systemuserid: userId }, lookups: {} }, context)
    }
  })
  return noContent()
}
