import { ConfigError } from '../errors.ts'
import { ownerQueueRefusal } from '../mapping/reconcile-users.ts'
import { targetIdFor } from '../mapping/target-id.ts'
import type { TransformContext } from '../mapping/types.ts'
import type { Emit } from './events.ts'
import { matchOwners } from './owners.ts'

/**
 * What a loading run (migrate, delta) transforms records with: deterministic target ids, and owners. Owners first:
 * every X2CRM user who owns records of a mapped object must have a Dataverse user (by hand, e-mail or name) or fall
 * to the default owner; otherwise the run does not start, and says who is left.
 */
export async function buildContext(
  options: Parameters<typeof matchOwners>[0] & { instance: string },
  deps: Parameters<typeof matchOwners>[1] & { emit: Emit },
): Promise<TransformContext> {
  const owners = await matchOwners(options, deps)
  const refusal = ownerQueueRefusal(owners)
  if (refusal !== undefined) throw new ConfigError([refusal])
  const byUsername = new Map(owners.matched.map((m) => [m.username, m.systemuserid]))
  deps.emit({
    type: 'owners.matched',
    matched: owners.matched.filter((m) => m.by !== 'default').length,
    unmatched: owners.matched.filter((m) => m.by === 'default').map((m) => m.username),
  })
  return {
    targetIdFor: (entity, sourceId) => targetIdFor(options.instance, entity, sourceId),
    ownerFor: (username) => byUsername.get(username),
    ownerBindFor: (assignee) => owners.binds?.[assignee],
    // The default owner takes Anyone's records only when users.yaml says it covers them.
    ...(owners.anyoneOwnerId !== undefined && { defaultOwnerId: owners.anyoneOwnerId }),
    // And the records of groups that neither users.yaml nor a team owns, when it covers groups.
    ...(owners.groupsOwnerId !== undefined && { groupsOwnerId: owners.groupsOwnerId }),
  }
}
