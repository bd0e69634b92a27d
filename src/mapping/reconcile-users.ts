import type { X2crmUser } from '../source/x2crm/types.ts'
import { normalizeName } from './similarity.ts'

/** A Dataverse user as `systemusers` returns it. */
export interface SystemUserRow {
  systemuserid: string
  internalemailaddress: string | null
  fullname?: string | null
  isdisabled?: boolean | null
}

/** What the person running the migration decided about owners (users.yaml). */
export interface OwnerDecisions {
  /** X2CRM username → e-mail of the Dataverse user who takes over (matched case-insensitively). */
  byHand?: Readonly<Record<string, string>>
  /** E-mail of the Dataverse user who owns what no one else can. */
  defaultOwner?: string
  /** Inactive X2CRM users: matched like the others (`match`, the default) or their records go to the default owner. */
  inactive?: 'match' | 'default'
  /**
   * X2CRM username or group → the name of a Dataverse team (`map review` writes it). Kept and shown; a run does not
   * assign records to teams yet, so such an owner still needs byHand or the default owner to migrate.
   */
  teams?: Readonly<Record<string, string>>
}

export interface OwnerMatch {
  username: string
  systemuserid: string
  by: 'hand' | 'email' | 'name' | 'default'
  /** Records this X2CRM user owns. */
  records: number
}

export interface QueuedOwner {
  username: string
  fullName: string
  email: string | null
  active: boolean
  records: number
  /** Why no Dataverse user was found, in words. */
  reason: string
}

export interface OwnerReconciliation {
  matched: OwnerMatch[]
  /** Owners of records with no Dataverse user: `migrate` will not start while this is not empty. */
  queue: QueuedOwner[]
  /** Problems with the decisions themselves (an e-mail no Dataverse user has, a disabled user). */
  problems: string[]
  /** The default owner's `systemuserid`, when users.yaml or the config names an enabled Dataverse user. */
  defaultOwnerId?: string
}

/**
 * Matches every X2CRM user who owns records to a Dataverse user: by hand first, then by e-mail (case-insensitive),
 * then by full name (only when exactly one enabled user has it). A disabled Dataverse user (`isdisabled`) is never a
 * match: not by e-mail, not by name, and named by hand or as the default owner it is a problem to fix. What is left goes to the default owner when one is
 * set, otherwise into the queue with its record count, largest first. Owners in `recordCounts` that are not X2CRM
 * users any more (deleted users) are queued too. Users who own nothing are left out. Pure.
 */
export function reconcileOwners(
  users: readonly X2crmUser[],
  systemUsers: readonly SystemUserRow[],
  recordCounts: Readonly<Record<string, number>>,
  decisions: OwnerDecisions = {},
): OwnerReconciliation {
  const enabled = systemUsers.filter((u) => u.isdisabled !== true)
  const byEmail = new Map<string, SystemUserRow>()
  for (const user of enabled) {
    const email = user.internalemailaddress?.trim().toLowerCase()
    if (email && !byEmail.has(email)) byEmail.set(email, user)
  }
  const disabled = new Map(
    systemUsers
      .filter((u) => u.isdisabled === true)
      .map((u) => [u.internalemailaddress?.trim().toLowerCase() ?? '', u] as const),
  )
  const byName = new Map<string, SystemUserRow[]>()
  for (const user of enabled) {
    const name = normalizeName(user.fullname ?? '')
    if (name !== '') byName.set(name, [...(byName.get(name) ?? []), user])
  }
  const problems: string[] = []
  const lookup = (email: string, path: string): SystemUserRow | undefined => {
    const key = email.trim().toLowerCase()
    const found = byEmail.get(key)
    if (found !== undefined) return found
    problems.push(
      disabled.has(key)
        ? `${path}: the Dataverse user ${email} is disabled and cannot own records; name an enabled user`
        : `${path}: no Dataverse user has the e-mail ${email}`,
    )
    return undefined
  }
  const defaultOwner =
    decisions.defaultOwner === undefined ? undefined : lookup(decisions.defaultOwner, 'defaultOwner')

  const matched: OwnerMatch[] = []
  const queue: QueuedOwner[] = []
  const known = new Map(users.map((u) => [u.username, u]))
  const owners = new Set([...users.map((u) => u.username), ...Object.keys(recordCounts)])
  for (const username of owners) {
    const records = recordCounts[username] ?? 0
    const user = known.get(username)
    const hand = decisions.byHand?.[username]
    if (hand !== undefined) {
      const found = lookup(hand, `byHand.${username}`)
      if (found !== undefined) {
        matched.push({ username, systemuserid: found.systemuserid, by: 'hand', records })
        continue
      }
    }
    if (records === 0) continue
    const active = user === undefined ? false : user.status === 1
    let reason: string
    if (user === undefined) {
      reason = 'owns records but is no X2CRM user any more (deleted)'
    } else if (!active && decisions.inactive === 'default') {
      reason = 'inactive in X2CRM; their records go to the default owner'
    } else {
      const email = user.emailAddress?.trim().toLowerCase()
      const sameEmail = email ? byEmail.get(email) : undefined
      if (sameEmail !== undefined) {
        matched.push({ username, systemuserid: sameEmail.systemuserid, by: 'email', records })
        continue
      }
      const named = byName.get(normalizeName(`${user.firstName ?? ''}${user.lastName ?? ''}`)) ?? []
      if (named.length === 1 && named[0] !== undefined) {
        matched.push({ username, systemuserid: named[0].systemuserid, by: 'name', records })
        continue
      }
      reason =
        named.length > 1
          ? `${named.length} Dataverse users are called ${user.firstName ?? ''} ${user.lastName ?? ''}`.trimEnd()
          : `no Dataverse user has the e-mail ${user.emailAddress ?? '(none)'} or the same name`
    }
    if (defaultOwner !== undefined) {
      matched.push({ username, systemuserid: defaultOwner.systemuserid, by: 'default', records })
      continue
    }
    queue.push({
      username,
      fullName: user === undefined ? username : `${user.firstName ?? ''} ${user.lastName ?? ''}`.trim(),
      email: user?.emailAddress ?? null,
      active,
      records,
      reason,
    })
  }
  queue.sort((a, b) => b.records - a.records || a.username.localeCompare(b.username))
  return { matched, queue, problems, ...(defaultOwner && { defaultOwnerId: defaultOwner.systemuserid }) }
}

/** Why `migrate` must not start, or undefined when every owner is resolved. */
export function ownerQueueRefusal(reconciliation: OwnerReconciliation): string | undefined {
  if (reconciliation.problems.length > 0) {
    return `users.yaml has problems:\n- ${reconciliation.problems.join('\n- ')}`
  }
  if (reconciliation.queue.length === 0) return undefined
  const records = reconciliation.queue.reduce((sum, q) => sum + q.records, 0)
  return (
    `${reconciliation.queue.length} X2CRM owner${reconciliation.queue.length > 1 ? 's' : ''} of ${records} records ` +
    `have no Dataverse user: ${reconciliation.queue.map((q) => `${q.username} (${q.records})`).join(', ')}. ` +
    'Map each under byHand in users.yaml, or set defaultOwner, then run `x2d365 users` again.'
  )
}
