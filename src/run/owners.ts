import {
  reconcileOwners,
  type GroupOwner,
  type OwnerDecisions,
  type TeamRow,
  type OwnerReconciliation,
  type SystemUserRow,
} from '../mapping/reconcile-users.ts'
import type { Mapping } from '../mapping/types.ts'
import type { X2crmSource } from '../source/x2crm/types.ts'
import type { DataverseTarget } from '../target/dataverse/types.ts'

/**
 * Every X2CRM user who owns records of a mapped class, matched to a Dataverse user (by hand, e-mail or name) or to
 * the default owner; the rest are the queue. Reads X2CRM's users and per-user counts and Dataverse's systemusers;
 * decides nothing else: `migrate` refuses to start on a queue, `validate` reports it.
 */
export async function matchOwners(
  options: { mapping: Mapping; ownerDecisions?: OwnerDecisions; defaultOwnerEmail?: string },
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
  return reconcileOwners(
    users,
    systemUsers,
    counts,
    { ...decisions, ...(defaultOwner === undefined ? {} : { defaultOwner }) },
    {
      groups: await groupOwners([...owned.keys()], deps.source),
      anyoneRecords: await countAssigned([...owned.keys()], 'Anyone', deps.source),
      teams: await readTeams(deps.target),
    },
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
