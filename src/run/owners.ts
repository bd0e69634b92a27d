import {
  reconcileOwners,
  type GroupOwner,
  type OwnerDecisions,
  type TeamRow,
  type OwnerReconciliation,
  type SystemUserRow,
} from '../mapping/reconcile-users.ts'
import { matchTeams } from '../mapping/match-teams.ts'
import { targetIdFor } from '../mapping/target-id.ts'
import type { Mapping } from '../mapping/types.ts'
import type { X2crmSource } from '../source/x2crm/types.ts'
import type { DataverseTarget } from '../target/dataverse/types.ts'

/**
 * Every X2CRM user who owns records of a mapped class, matched to a Dataverse user (by hand, e-mail or name) or to
 * the default owner; the rest are the queue. A group the map's settings.teams gives a team (matched by name, or to
 * create) is no queue: the run's team owns its records. Reads X2CRM's users, groups and per-owner counts and
 * Dataverse's systemusers and teams; decides nothing else: `migrate` refuses to start on a queue, `validate` reports it.
 */
export async function matchOwners(
  options: {
    mapping: Mapping
    ownerDecisions?: OwnerDecisions
    defaultOwnerEmail?: string
    instance?: string
  },
  deps: {
    source: Pick<X2crmSource, 'users' | 'count'> & Partial<Pick<X2crmSource, 'records'>>
    target: Pick<DataverseTarget, 'query'>
  },
): Promise<OwnerReconciliation> {
  const users = await deps.source.users()
  const systemUsers: SystemUserRow[] = []
  for await (const row of deps.target.query('systemusers', {
    select: ['systemuserid', 'internalemailaddress', 'fullname', 'isdisabled'],
  })) {
    systemUsers.push(row as unknown as SystemUserRow)
  }
  // Each class once, by the field its map takes the owner from (Media's `uploadedBy`): a split map (Contacts → lead
  // and contact) owns the same records twice.
  const owned = new Map<string, string>()
  for (const e of options.mapping.entities) {
    const field = e.fields.find((f) => f.transform === 'owner')
    if (field !== undefined && !owned.has(e.entity)) owned.set(e.entity, field.source)
  }
  const counts: Record<string, number> = {}
  for (const user of users) {
    for (const [entity, field] of owned) {
      counts[user.username] =
        (counts[user.username] ?? 0) + (await deps.source.count(entity, { [field]: user.username }))
    }
  }
  const decisions = options.ownerDecisions ?? {}
  const defaultOwner = decisions.defaultOwner ?? options.defaultOwnerEmail
  const groups = await groupOwners([...owned.keys()], deps.source)
  const teams = await readTeams(deps.target)
  return reconcileOwners(
    users,
    systemUsers,
    counts,
    { ...decisions, ...(defaultOwner === undefined ? {} : { defaultOwner }) },
    {
      groups,
      anyoneRecords: await countAssigned([...owned.keys()], 'Anyone', deps.source),
      teams,
      groupTeams: groupTeams(groups, teams, options),
    },
  )
}

/**
 * Group id → the team the run's `withTeams` (src/run/teams.ts) will give the group's records: the same matchTeams on
 * the same settings.teams; a group it leaves unresolved is not here.
 */
function groupTeams(
  groups: readonly GroupOwner[],
  teams: readonly TeamRow[],
  options: { mapping: Mapping; instance?: string },
): Record<string, { teamid: string; name: string }> {
  const decisions = matchTeams(
    groups.map((g) => ({ id: g.id, name: g.name, members: [] })),
    teams.map((t) => ({ teamid: t.teamid, name: t.name, teamtype: Number(t.teamtype) })),
    options.mapping.settings?.teams ?? {},
    (id) => targetIdFor(options.instance ?? '', 'Groups', id),
  )
  return Object.fromEntries(
    decisions.flatMap((d) =>
      d.status === 'unresolved' ? [] : [[String(d.groupId), { teamid: d.teamId, name: d.team }] as const],
    ),
  )
}

/** Records of `entities` assigned exactly to `assignedTo` (a username, a group id, `Anyone`), as the lists count them. */
async function countAssigned(
  entities: readonly string[],
  assignedTo: string,
  source: Pick<X2crmSource, 'count'>,
): Promise<number> {
  let total = 0
  for (const entity of entities) total += await source.count(entity, { assignedTo }).catch(() => 0)
  return total
}

/**
 * X2CRM groups that own records alone (assignedTo is the group's id), with how many. An X2CRM without a readable
 * Groups class has none.
 */
export async function groupOwners(
  entities: readonly string[],
  source: Pick<X2crmSource, 'count'> & Partial<Pick<X2crmSource, 'records'>>,
): Promise<GroupOwner[]> {
  const groups: GroupOwner[] = []
  if (source.records === undefined) return groups
  try {
    for await (const group of source.records('Groups')) {
      const id = Number(group['id'])
      if (!Number.isSafeInteger(id)) continue
      const name = typeof group['name'] === 'string' ? group['name'] : `group ${id}`
      groups.push({ id, name, records: await countAssigned(entities, String(id), source) })
    }
  } catch {
    return groups
  }
  return groups
}

/** The Dataverse teams an owner decision can name; none when the table cannot be read. */
export async function readTeams(target: Pick<DataverseTarget, 'query'>): Promise<TeamRow[]> {
  const teams: TeamRow[] = []
  try {
    for await (const row of target.query('teams', { select: ['teamid', 'name', 'teamtype'] })) {
      teams.push(row as unknown as TeamRow)
    }
  } catch {
    return []
  }
  return teams
}
