import type { X2crmUser } from '../source/x2crm/types.ts'
import { normalizeName } from './similarity.ts'

/** A Dataverse user as `systemusers` returns it. */
export interface SystemUserRow {
  systemuserid: string
  internalemailaddress: string | null
  fullname?: string | null
  isdisabled?: boolean | null
}

/** A Dataverse team as `teams` returns it: an owner a decision can name (`team: Sales`). */
export interface TeamRow {
  teamid: string
  name: string
  /** 0 owner, 1 access, 2 and 3 Entra ID group teams (as `teams` returns it when selected). */
  teamtype?: number
}

/** An X2CRM group that owns records on its own (assignedTo is only group ids), with how many. */
export interface GroupOwner {
  id: number
  name: string
  records: number
}

/**
 * What the default owner takes without a line of its own in users.yaml: records assigned to `Anyone`, inactive X2CRM
 * users, active users with no Dataverse user, owners that are no X2CRM user any more, and X2CRM groups.
 */
export const OWNER_COVERS = ['anyone', 'inactive', 'unmatched', 'deleted', 'groups'] as const
export type OwnerCover = (typeof OWNER_COVERS)[number]

/**
 * Who takes an owner's records: a Dataverse user by e-mail (`ann@contoso.com` or `{ user: … }`), a team by name, or
 * the default owner (`default`).
 */
export type OwnerChoice = string | { user: string } | { team: string }

/** What the person running the migration decided about owners (users.yaml). */
export interface OwnerDecisions {
  /** X2CRM username → e-mail of the Dataverse user who takes over (matched case-insensitively), a team, or default. */
  byHand?: Readonly<Record<string, OwnerChoice>>
  /** X2CRM group id → who takes the records assigned only to that group (an e-mail, a team, or default). */
  groups?: Readonly<Record<string, OwnerChoice>>
  /** E-mail of the Dataverse user who owns what no one else can. */
  defaultOwner?: string
  /**
   * What the default owner takes (see {@link OWNER_COVERS}); everything else needs a decision of its own. Absent (the
   * older `defaultOwner: <email>`, or `run.defaultOwnerEmail`): all of it, as before.
   */
  covers?: readonly OwnerCover[]
  /** Inactive X2CRM users: matched like the others (`match`) or their records go to the default owner. */
  inactive?: 'match' | 'default'
  /**
   * X2CRM username or group → the name of a Dataverse team (`map review` writes it). Kept and shown; a run does not
   * assign records to teams yet, so such an owner still needs byHand or the default owner to migrate.
   */
  teams?: Readonly<Record<string, string>>
}

/** One owner of X2CRM records and who takes them, with how many records: what `x2d365 users` lists. */
export interface OwnerDecisionRow {
  /** A username, `group <id>` or `Anyone`. */
  owner: string
  kind: 'user' | 'group' | 'anyone'
  /** An inactive X2CRM user, or one that is no X2CRM user any more. */
  inactive: boolean
  records: number
  /** Who takes them; `undecided` owners hold `migrate` back. */
  takenBy:
    | { type: 'user'; systemuserid: string; email: string | null }
    | { type: 'team'; teamid: string; name: string }
    | { type: 'applicationUser' }
    | { type: 'undecided' }
  /** How: `hand` (users.yaml), `email` or `name` (matched), `default` (the default owner covers it). */
  by: 'hand' | 'email' | 'name' | 'default' | 'none'
}

export interface OwnerMatch {
  username: string
  /** The Dataverse user who takes the records (a team decision is in `binds` and `decisions` only). */
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
  /** Who takes records assigned to `Anyone`: the default owner when it covers `anyone`. */
  anyoneOwnerId?: string
  /**
   * Who takes records assigned to groups alone that neither users.yaml (`groups`) nor a team (settings.teams) decides:
   * the default owner when it covers `groups`. Not in `binds`: a group's team comes first.
   */
  groupsOwnerId?: string
  /** Every owner with records and who takes them, largest first: what `users` lists. */
  decisions?: OwnerDecisionRow[]
  /**
   * Username or group id → the owner's `@odata.bind` path (`/systemusers(…)`, `/teams(…)`), for the transform. A
   * group is here only when users.yaml decides it (`groups.<id>`).
   */
  binds?: Readonly<Record<string, string>>
}

/** Owners beyond the X2CRM users: groups that own records on their own, records assigned to Anyone, the teams. */
export interface OwnerExtras {
  groups?: readonly GroupOwner[]
  anyoneRecords?: number
  teams?: readonly TeamRow[]
  /**
   * X2CRM group id → the Dataverse owner team mapping.yaml's settings.teams gives it (matched by name, or created by
   * the run): such a group needs no decision in users.yaml, the run gives its records to the team.
   */
  groupTeams?: Readonly<Record<string, { teamid: string; name: string }>>
}

/**
 * Matches every X2CRM user who owns records to a Dataverse user: by hand first, then by e-mail (case-insensitive),
 * then by full name (only when exactly one enabled user has it). A disabled Dataverse user (`isdisabled`) is never a
 * match: not by e-mail, not by name, and named by hand or as the default owner it is a problem to fix. What is left
 * goes to the default owner when it covers it (`covers`; the older forms cover everything), otherwise into the queue
 * with its record count, largest first. With `covers` written, an inactive X2CRM user needs a decision of their own
 * (byHand, `inactive: match`, or a default owner covering `inactive`), and so does each group that owns records
 * (`groups`, a team settings.teams gives it (`extras.groupTeams`), or a default covering `groups`). Owners in `recordCounts` that are not X2CRM users any more (deleted
 * users) are queued too. Users who own nothing are left out. Pure.
 */
export function reconcileOwners(
  users: readonly X2crmUser[],
  systemUsers: readonly SystemUserRow[],
  recordCounts: Readonly<Record<string, number>>,
  decisions: OwnerDecisions = {},
  extras: OwnerExtras = {},
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
  const teamNamed = (name: string, path: string): TeamRow | undefined => {
    const found = (extras.teams ?? []).filter(
      (t) => t.name.trim().toLowerCase() === name.trim().toLowerCase(),
    )
    if (found.length === 1) return found[0]
    problems.push(
      found.length === 0
        ? `${path}: no Dataverse team is called ${JSON.stringify(name)} (\`x2d365 users\` lists the teams)`
        : `${path}: ${found.length} Dataverse teams are called ${JSON.stringify(name)}; rename one`,
    )
    return undefined
  }
  const defaultOwner =
    decisions.defaultOwner === undefined ? undefined : lookup(decisions.defaultOwner, 'defaultOwner')
  const covers = new Set<OwnerCover>(decisions.covers ?? OWNER_COVERS)
  const strict = decisions.covers !== undefined
  const covered = (what: OwnerCover) => (covers.has(what) ? defaultOwner : undefined)
  const userTaker = (u: SystemUserRow) =>
    ({ type: 'user', systemuserid: u.systemuserid, email: u.internalemailaddress }) as const

  const matched: OwnerMatch[] = []
  const queue: QueuedOwner[] = []
  const rows: OwnerDecisionRow[] = []
  const binds: Record<string, string> = {}
  /** A decision written in users.yaml (`byHand.x`, `groups.3`) → who takes the records, or undefined on a problem. */
  const choose = (choice: OwnerChoice, path: string): OwnerDecisionRow['takenBy'] | undefined => {
    if (choice === 'default') {
      if (defaultOwner !== undefined) return userTaker(defaultOwner)
      if (decisions.defaultOwner === undefined)
        problems.push(`${path}: says default, but users.yaml names no defaultOwner`)
      return undefined
    }
    if (typeof choice === 'string' || 'user' in choice) {
      const found = lookup(typeof choice === 'string' ? choice : choice.user, path)
      return found === undefined ? undefined : userTaker(found)
    }
    const team = teamNamed(choice.team, path)
    return team === undefined ? undefined : { type: 'team', teamid: team.teamid, name: team.name }
  }
  const take = (row: OwnerDecisionRow, key: string) => {
    rows.push(row)
    if (row.takenBy.type === 'user') {
      binds[key] = `/systemusers(${row.takenBy.systemuserid})`
      if (row.kind === 'user' && row.by !== 'none') {
        matched.push({
          username: key,
          systemuserid: row.takenBy.systemuserid,
          by: row.by,
          records: row.records,
        })
      }
    } else if (row.takenBy.type === 'team') {
      binds[key] = `/teams(${row.takenBy.teamid})`
    }
  }

  const known = new Map(users.map((u) => [u.username, u]))
  const owners = new Set([...users.map((u) => u.username), ...Object.keys(recordCounts)])
  for (const username of owners) {
    const records = recordCounts[username] ?? 0
    const user = known.get(username)
    const active = user === undefined ? false : user.status === 1
    const row = (takenBy: OwnerDecisionRow['takenBy'], by: OwnerDecisionRow['by']): OwnerDecisionRow => ({
      owner: username,
      kind: 'user',
      inactive: !active,
      records,
      takenBy,
      by,
    })
    const hand = decisions.byHand?.[username]
    if (hand !== undefined) {
      const takenBy = choose(hand, `byHand.${username}`)
      if (takenBy !== undefined) {
        take(row(takenBy, hand === 'default' ? 'default' : 'hand'), username)
        continue
      }
    }
    if (records === 0) continue
    let reason: string
    let cover: OwnerCover
    if (user === undefined) {
      reason = 'owns records but is no X2CRM user any more (deleted)'
      cover = 'deleted'
    } else if (!active && decisions.inactive === 'default') {
      reason = 'inactive in X2CRM; their records go to the default owner'
      cover = 'inactive'
    } else if (!active && strict && decisions.inactive !== 'match') {
      reason =
        `inactive in X2CRM: decide who takes their records (byHand.${username}: <e-mail> | { team: <name> } | ` +
        'default, or `inactive: match`, or a defaultOwner covering inactive)'
      cover = 'inactive'
    } else {
      cover = active ? 'unmatched' : 'inactive'
      const email = user.emailAddress?.trim().toLowerCase()
      const sameEmail = email ? byEmail.get(email) : undefined
      if (sameEmail !== undefined) {
        take(row(userTaker(sameEmail), 'email'), username)
        continue
      }
      const named = byName.get(normalizeName(`${user.firstName ?? ''}${user.lastName ?? ''}`)) ?? []
      if (named.length === 1 && named[0] !== undefined) {
        take(row(userTaker(named[0]), 'name'), username)
        continue
      }
      reason =
        named.length > 1
          ? `${named.length} Dataverse users are called ${user.firstName ?? ''} ${user.lastName ?? ''}`.trimEnd()
          : `no Dataverse user has the e-mail ${user.emailAddress ?? '(none)'} or the same name`
    }
    const fallback = covered(cover)
    if (fallback !== undefined) {
      take(row(userTaker(fallback), 'default'), username)
      continue
    }
    rows.push(row({ type: 'undecided' }, 'none'))
    queue.push({
      username,
      fullName: user === undefined ? username : `${user.firstName ?? ''} ${user.lastName ?? ''}`.trim(),
      email: user?.emailAddress ?? null,
      active,
      records,
      reason,
    })
  }
  for (const group of extras.groups ?? []) {
    if (group.records === 0) continue
    const key = String(group.id)
    const label = `group ${group.id} (${group.name})`
    const row = (takenBy: OwnerDecisionRow['takenBy'], by: OwnerDecisionRow['by']): OwnerDecisionRow => ({
      owner: `group ${group.id}`,
      kind: 'group',
      inactive: false,
      records: group.records,
      takenBy,
      by,
    })
    const written = decisions.groups?.[key]
    const takenBy = written === undefined ? undefined : choose(written, `groups.${key}`)
    if (written !== undefined && takenBy !== undefined) {
      take(row(takenBy, written === 'default' ? 'default' : 'hand'), key)
      continue
    }
    // users.yaml first, then the group's team (the run's `teamFor`), then the default owner: neither is in `binds`.
    const team = extras.groupTeams?.[key]
    if (written === undefined && team !== undefined) {
      rows.push(row({ type: 'team', teamid: team.teamid, name: team.name }, 'name'))
      continue
    }
    const fallback = covered('groups')
    if (fallback !== undefined) {
      rows.push(row(userTaker(fallback), 'default'))
      continue
    }
    if (written !== undefined) continue
    rows.push(row({ type: 'undecided' }, 'none'))
    queue.push({
      username: label,
      fullName: group.name,
      email: null,
      active: true,
      records: group.records,
      reason: `an X2CRM group owns these records alone: decide who takes them (groups.${key}: { team: <name> } | { user: <e-mail> } | default, or a defaultOwner covering groups)`,
    })
  }
  const anyoneOwner = covered('anyone')
  const groupsOwner = covered('groups')
  if ((extras.anyoneRecords ?? 0) > 0) {
    rows.push({
      owner: 'Anyone',
      kind: 'anyone',
      inactive: false,
      records: extras.anyoneRecords ?? 0,
      takenBy: anyoneOwner === undefined ? { type: 'applicationUser' } : userTaker(anyoneOwner),
      by: anyoneOwner === undefined ? 'none' : 'default',
    })
  }
  queue.sort((a, b) => b.records - a.records || a.username.localeCompare(b.username))
  rows.sort((a, b) => b.records - a.records || a.owner.localeCompare(b.owner))
  return {
    matched,
    queue,
    problems,
    ...(defaultOwner && { defaultOwnerId: defaultOwner.systemuserid }),
    ...(anyoneOwner && { anyoneOwnerId: anyoneOwner.systemuserid }),
    ...(groupsOwner && { groupsOwnerId: groupsOwner.systemuserid }),
    decisions: rows,
    binds,
  }
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
    `have no owner decided: ${reconciliation.queue.map((q) => `${q.username} (${q.records})`).join(', ')}. ` +
    'Decide each in users.yaml (byHand for users, groups for groups: an e-mail, { team: <name> } or default), or ' +
    'let defaultOwner cover them (defaultOwner: { email: <e-mail>, covers: [anyone, inactive, unmatched, deleted, groups] }), ' +
    'then run `x2d365 users` again.'
  )
}
