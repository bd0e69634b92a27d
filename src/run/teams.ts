import { reconcileOwners, type OwnerDecisions, type SystemUserRow } from '../mapping/reconcile-users.ts'
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

/**
 * `schema apply`: the owner teams the map needs, before any record moves, when `settings.teams.create` says to make
 * them: each X2CRM group matched by name to an owner team (first), else created under its deterministic id (so a second
 * apply, and the run's own {@link withTeams}, find it by name and create nothing), with its members added where they
 * have Dataverse users (AddMembersTeam). The administrator of a created team is `users.defaultOwnerId`, else its first
 * member. `dryRun`: the decisions only, nothing written. Undefined when the map creates no teams or owns nothing.
 */
export async function applyOwnerTeams(
  options: { instance: string; mapping: Mapping; dryRun?: boolean },
  deps: { source: X2crmSource; target: DataverseBulkTarget },
  users: () => Promise<Pick<TransformContext, 'ownerFor' | 'defaultOwnerId'>>,
): Promise<TeamsReport | undefined> {
  const settings = options.mapping.settings?.teams
  const owns = options.mapping.entities.some((e) => e.fields.some((f) => f.transform === 'owner'))
  if (settings?.create !== true || !owns) return undefined
  const groups = await readGroups(deps.source)
  const report: TeamsReport = {
    decisions: [],
    created: 0,
    membersAdded: 0,
    membersLeft: [],
    membersRead: hasMembers(deps.source),
  }
  if (groups.length === 0) return report
  if (options.dryRun === true) {
    const teams = await readTeamRows(deps.target)
    const decisions = matchTeams(groups, teams, settings, (id) => targetIdFor(options.instance, 'Groups', id))
    return { ...report, decisions }
  }
  return prepareTeams(groups, options, deps, await users())
}

/**
 * The users {@link applyOwnerTeams} adds as members and names administrator: every X2CRM user matched to a Dataverse
 * user as a run matches owners (users.yaml, then e-mail, then name), whether or not they own records (a run matches
 * only owners: it would leave a member who owns nothing out of the team), and the default owner.
 */
export function teamUsers(
  options: { ownerDecisions?: OwnerDecisions; defaultOwnerEmail?: string },
  deps: { source: Pick<X2crmSource, 'users'>; target: Pick<DataverseBulkTarget, 'query'> },
): () => Promise<Pick<TransformContext, 'ownerFor' | 'defaultOwnerId'>> {
  return async () => {
    const users = await deps.source.users()
    const systemUsers: SystemUserRow[] = []
    for await (const row of deps.target.query('systemusers', {
      select: ['systemuserid', 'internalemailaddress', 'fullname', 'isdisabled'],
    }))
      systemUsers.push(row as unknown as SystemUserRow)
    const decisions = options.ownerDecisions ?? {}
    const defaultOwner = decisions.defaultOwner ?? options.defaultOwnerEmail
    // Each user counted as owning a record, so that every one of them is matched.
    const everyone = Object.fromEntries(users.map((u) => [u.username, 1]))
    const owners = reconcileOwners(users, systemUsers, everyone, {
      ...decisions,
      ...(defaultOwner !== undefined && { defaultOwner }),
    })
    const byUsername = new Map(
      owners.matched.filter((m) => m.by !== 'default').map((m) => [m.username, m.systemuserid]),
    )
    const administrator = owners.defaultOwnerId ?? owners.anyoneOwnerId
    return {
      ownerFor: (username) => byUsername.get(username),
      ...(administrator !== undefined && { defaultOwnerId: administrator }),
    }
  }
}

async function readTeamRows(target: Pick<DataverseBulkTarget, 'query'>): Promise<TeamRow[]> {
  const teams: TeamRow[] = []
  for await (const row of target.query(TEAM.entitySet, { select: ['teamid', 'name', 'teamtype'] }))
    teams.push({
      teamid: String(row['teamid']),
      name: typeof row['name'] === 'string' ? row['name'] : '',
      teamtype: Number(row['teamtype']),
    })
  return teams
}

async function prepareTeams(
  groups: readonly X2crmGroup[],
  options: { instance: string; mapping: Mapping },
  deps: { source: X2crmSource; target: DataverseBulkTarget },
  context: Pick<TransformContext, 'ownerFor' | 'defaultOwnerId'>,
): Promise<TeamsReport> {
  const teams = await readTeamRows(deps.target)
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
