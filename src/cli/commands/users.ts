import { DEFAULT_OBJECTS } from '../../mapping/default-objects.ts'
import { ownerQueueRefusal, reconcileOwners, type SystemUserRow } from '../../mapping/reconcile-users.ts'
import { describeOwners } from '../../report/owners-summary.ts'
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
      return reconcileOwners(users, systemUsers, counts, {
        ...decisions,
        ...(defaultOwner === undefined ? {} : { defaultOwner }),
      })
    },
  )
  for (const line of describeOwners(result)) process.stdout.write(`${line}\n`)
  const refusal = ownerQueueRefusal(result)
  if (refusal !== undefined) process.stderr.write(`${refusal}\n`)
  else process.stdout.write('Every owner is resolved.\n')
  return exitCodeForOwners(refusal)
}
