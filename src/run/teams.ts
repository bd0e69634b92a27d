import { matchTeams, type TeamDecision, type TeamRow, type X2crmGroup } from '../mapping/match-teams.ts'
import { targetIdFor } from '../mapping/target-id.ts'
import type { Mapping, TransformContext } from '../mapping/types.ts'
import type { X2crmSource } from '../source/x2crm/types.ts'
import type { DataverseBulkTarget, TableRef } from '../target/dataverse/types.ts'
import type { Emit } from './events.ts'

export const TEAM: TableRef = { logicalName: 'team', entitySet: 'teams', primaryId: 'teamid' }

/** Reads X2CRM group membership (`x2_group_to_user`): the database reader has it, API v2 does not (api.md §1.10). */
export interface GroupMemberReader {
  groupMembers(): AsyncIterable<{ groupId: number; username: string | null }>
}

/** What preparing the teams did: each group's decision, members added, what could not be done. */
export interface TeamsReport {
  decisions: TeamDecision[]
  created: number
  membersAdded: number
  /** Members that have no Dataverse user (X2CRM username), or that Dataverse refused, per team. */
  membersLeft: { team: string; username: string; reason: string }[]
  /** Whether membership could be read (only from the database). */
  membersRead: boolean
}

const hasMembers = (source: object): source is GroupMemberReader =>
  typeof (source as Partial<GroupMemberReader>).groupMembers === 'function'

/** X2CRM's groups with their members' usernames (none when the source cannot read membership). */
export async function readGroups(source: Pick<X2crmSource, 'records'>): Promise<X2crmGroup[]> {
  const members = new Map<number, string[]>()
  if (hasMembers(source)) {
    for await (const row of source.groupMembers()) {
      if (row.username === null || row.username === '') continue
      members.set(row.groupId, [...(members.get(row.groupId) ?? []), row.username])
    }
  }
  const groups: X2crmGroup[] = []
  for await (const record of source.records('Groups')) {
    const id = Number(record['id'])
    const name = typeof record['name'] === 'string' ? record['name'] : ''
    if (Number.isSafeInteger(id) && name.trim() !== '')
      groups.push({ id, name, members: members.get(id) ?? [] })
  }
  return groups
}

/**
 * Before the first phase, when the map owns records: each X2CRM group → its Dataverse owner team (matched by name,
 * or created when `settings.teams.create`), its members added (AddMembersTeam) where they have Dataverse users, and
 * the context's `teamFor` set so records assigned to a group are owned by its team. A group without a team leaves its
 * records to the users rule, as before (with a warning on each).
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/addmembersteam
 */
export async function withTeams(
  context: TransformContext,
  options: { instance: string; mapping: Mapping },
  deps: { source: X2crmSource; target: DataverseBulkTarget; emit: Emit },
): Promise<TransformContext> {
  const owns = options.mapping.entities.some((e) => e.fields.some((f) => f.transform === 'owner'))
  if (!owns) return context
  const groups = await readGroups(deps.source)
  if (groups.length === 0) return context
  const report = await prepareTeams(groups, options, deps, context)
  deps.emit({ type: 'teams.prepared', ...report })
  const byGroup = new Map(
    report.decisions.flatMap((d) =>
      d.status === 'unresolved' ? [] : [[String(d.groupId), d.teamId] as const],
    ),
  )
  return { ...context, teamFor: (groupId) => byGroup.get(groupId.trim()) }
}

async function prepareTeams(
  groups: readonly X2crmGroup[],
  options: { instance: string; mapping: Mapping },
  deps: { source: X2crmSource; target: DataverseBulkTarget },
  context: TransformContext,
): Promise<TeamsReport> {
  const teams: TeamRow[] = []
  for await (const row of deps.target.query(TEAM.entitySet, { select: ['teamid', 'name', 'teamtype'] }))
    teams.push({
      teamid: String(row['teamid']),
      name: typeof row['name'] === 'string' ? row['name'] : '',
      teamtype: Number(row['teamtype']),
    })
  const settings = options.mapping.settings?.teams ?? {}
  const decisions = matchTeams(groups, teams, settings, (id) => targetIdFor(options.instance, 'Groups', id))
  const report: TeamsReport = {
    decisions,
    created: 0,
    membersAdded: 0,
    membersLeft: [],
    membersRead: hasMembers(deps.source),
  }
  const businessUnit = decisions.some((d) => d.status === 'create')
    ? await rootBusinessUnit(deps.target)
    : undefined
  for (const decision of decisions) {
    if (decision.status === 'unresolved') continue
    const group = groups.find((g) => g.id === decision.groupId)
    const memberIds = (group?.members ?? []).flatMap((username) => {
      const id = context.ownerFor(username)
      if (id === undefined)
        report.membersLeft.push({ team: decision.team, username, reason: 'no Dataverse user' })
      return id === undefined ? [] : [id]
    })
    if (decision.status === 'create') {
      const administrator = context.defaultOwnerId ?? memberIds[0]
      if (businessUnit === undefined || administrator === undefined) {
        Object.assign(decision, {
          status: 'unresolved',
          reason: `cannot create the team "${decision.team}": ${businessUnit === undefined ? 'no root business unit found' : 'no administrator (set a default owner)'}`,
        })
        continue
      }
      await deps.target.upsert(TEAM, {
        targetId: decision.teamId,
        values: {
          name: decision.team,
          teamtype: 0,
          description: `X2CRM group ${decision.group} (id ${decision.groupId})`,
          'businessunitid@odata.bind': `/businessunits(${businessUnit})`,
          'administratorid@odata.bind': `/systemusers(${administrator})`,
        },
      })
      report.created++
    }
    // Entra ID group teams follow their group: members are not added to them.
    if (decision.status === 'matched' && decision.teamType !== 0) continue
    report.membersAdded += await addMembers(deps.target, decision.teamId, memberIds)
  }
  return report
}

async function rootBusinessUnit(target: DataverseBulkTarget): Promise<string | undefined> {
  for await (const row of target.query('businessunits', {
    select: ['businessunitid'],
    filter: '_parentbusinessunitid_value eq null',
    top: 1,
  }))
    return String(row['businessunitid'])
  return undefined
}

/** Adds the users not yet in the team; returns how many. */
async function addMembers(
  target: DataverseBulkTarget,
  teamId: string,
  userIds: readonly string[],
): Promise<number> {
  if (userIds.length === 0 || target.callBoundAction === undefined) return 0
  const present = new Set<string>()
  for await (const row of target.query('teammemberships', {
    select: ['systemuserid'],
    filter: `teamid eq ${teamId}`,
  }))
    present.add(String(row['systemuserid']).toLowerCase())
  const missing = [...new Set(userIds.map((id) => id.toLowerCase()))].filter((id) => !present.has(id))
  if (missing.length === 0) return 0
  await target.callBoundAction(TEAM, teamId, 'AddMembersTeam', {
    Members: missing.map((systemuserid) => ({
      '@odata.type': 'Microsoft.Dynamics.CRM.systemuser',
      systemuserid,
    })),
  })
  return missing.length
}
