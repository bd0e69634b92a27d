import { DEFAULT_OBJECTS } from '../../mapping/default-objects.ts'
import { ownerQueueRefusal, reconcileOwners, type SystemUserRow } from '../../mapping/reconcile-users.ts'
import { groupOwners, readTeams } from '../../run/owners.ts'
import { describeOwnerDecisions, describeOwners, describeOwnerTargets } from '../../report/owners-summary.ts'
import { matchTeams, type TeamRow } from '../../mapping/match-teams.ts'
import { targetIdFor } from '../../mapping/target-id.ts'
import { describeTeams } from '../../report/teams-summary.ts'
import { readGroups } from '../../run/teams.ts'
import { connect } from '../connect.ts'
import { exitCodeForOwners } from '../exit-codes.ts'
import { readConfig, readOwnerDecisions } from '../inputs.ts'
import { silent, withSession } from '../session.ts'

export interface UsersCommandOptions {
  config: string
  users: string
}

/** Matches X2CRM users to Dataverse users and prints the match and the owners still to resolve. */
export async function usersCommand(options: UsersCommandOptions): Promise<number> {
  const config = readConfig(options.config)
  const decisions = readOwnerDecisions(options.users)
  const defaultOwner = decisions.defaultOwner ?? config.run.defaultOwnerEmail
  let teamLines: string[] = []
  const result = await withSession(
    silent,
    (emit) => connect(config, emit),
    async ({ source, target }) => {
      const users = await source.users()
      const counts: Record<string, number> = {}
      for (const user of users) {
        for (const { entity } of DEFAULT_OBJECTS) {
          const n = await source.count(entity, { assignedTo: user.username }).catch(() => 0)
          counts[user.username] = (counts[user.username] ?? 0) + n
        }
      }
      const systemUsers: SystemUserRow[] = []
      for await (const row of target.query('systemusers', {
        select: ['systemuserid', 'internalemailaddress', 'fullname', 'isdisabled'],
      })) {
        systemUsers.push(row as unknown as SystemUserRow)
      }
      const entities = DEFAULT_OBJECTS.map((o) => o.entity)
      const teams = await readTeams(target)
      let anyoneRecords = 0
      for (const entity of entities) {
        anyoneRecords += await source.count(entity, { assignedTo: 'Anyone' }).catch(() => 0)
      }
      // X2CRM groups and the Dataverse teams they can map to (matched by name, as migrate does).
      const groups = await readGroups(source).catch(() => [])
      const teamDecisions = matchTeams(groups, teams as unknown as TeamRow[], {}, (id) =>
        targetIdFor(config.run.instance ?? '', 'Groups', id),
      )
      teamLines = describeTeams(teamDecisions, teams as unknown as TeamRow[])
      const owners = reconcileOwners(
        users,
        systemUsers,
        counts,
        { ...decisions, ...(defaultOwner === undefined ? {} : { defaultOwner }) },
        {
          groups: await groupOwners(entities, source),
          anyoneRecords,
          teams,
          // A group with a team of its name needs no decision: migrate gives its records to that team.
          groupTeams: Object.fromEntries(
            teamDecisions.flatMap((d) =>
              d.status === 'matched' ? [[String(d.groupId), { teamid: d.teamId, name: d.team }]] : [],
            ),
          ),
        },
      )
      return { owners, systemUsers, teams }
    },
  )
  for (const line of describeOwners(result.owners)) process.stdout.write(`${line}\n`)
  for (const line of describeOwnerDecisions(result.owners)) process.stdout.write(`${line}\n`)
  for (const line of describeOwnerTargets(result.systemUsers, result.teams)) process.stdout.write(`${line}\n`)
  for (const line of teamLines) process.stdout.write(`${line}\n`)
  const refusal = ownerQueueRefusal(result.owners)
  if (refusal !== undefined) process.stderr.write(`${refusal}\n`)
  else process.stdout.write('Every owner is resolved.\n')
  return exitCodeForOwners(refusal)
}
