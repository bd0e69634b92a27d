import { DEFAULT_OBJECTS } from '../../mapping/default-objects.ts'
import { ownerQueueRefusal, reconcileOwners, type SystemUserRow } from '../../mapping/reconcile-users.ts'
import { describeOwners } from '../../report/owners-summary.ts'
import { matchTeams, type TeamDecision, type TeamRow } from '../../mapping/match-teams.ts'
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
      // X2CRM groups and the Dataverse teams they can map to (matched by name, as migrate does).
      const teams: TeamRow[] = []
      for await (const row of target.query('teams', { select: ['teamid', 'name', 'teamtype'] }))
        teams.push(row as unknown as TeamRow)
      const groups = await readGroups(source).catch(() => [])
      const decisions: TeamDecision[] = matchTeams(groups, teams, {}, (id) =>
        targetIdFor(config.run.instance ?? '', 'Groups', id),
      )
      teamLines = describeTeams(decisions, teams)
      return reconcileOwners(users, systemUsers, counts, {
        ...decisions,
        ...(defaultOwner === undefined ? {} : { defaultOwner }),
      })
    },
  )
  for (const line of [...describeOwners(result), ...teamLines]) process.stdout.write(`${line}\n`)
  const refusal = ownerQueueRefusal(result)
  if (refusal !== undefined) process.stderr.write(`${refusal}\n`)
  else process.stdout.write('Every owner is resolved.\n')
  return exitCodeForOwners(refusal)
}
