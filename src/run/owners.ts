import type { X2crmUser } from '../source/x2crm/types.ts'

export interface SystemUser {
  systemuserid: string
  internalemailaddress: string | null
  fullname?: string | null
  isdisabled?: boolean | null
}

export interface OwnerMatch {
  /** X2CRM username → systemuserid */
  byUsername: Map<string, string>
  /** Usernames with no Dataverse user (and no default owner to fall back on). */
  unmatched: string[]
  /** Usernames that fell back to the default owner. */
  defaulted: string[]
}

/**
 * Matches X2CRM users to Dataverse systemusers by e-mail, case-insensitively; an unmatched user goes to the
 * default owner when one is given. Pure.
 */
export function matchOwners(
  users: readonly X2crmUser[],
  systemUsers: readonly SystemUser[],
  defaultOwnerId?: string,
): OwnerMatch {
  const byEmail = new Map<string, string>()
  for (const su of systemUsers) {
    const email = su.internalemailaddress?.trim().toLowerCase()
    if (email && !byEmail.has(email)) byEmail.set(email, su.systemuserid)
  }
  const byUsername = new Map<string, string>()
  const unmatched: string[] = []
  const defaulted: string[] = []
  for (const user of users) {
    const match = user.emailAddress ? byEmail.get(user.emailAddress.trim().toLowerCase()) : undefined
    if (match) byUsername.set(user.username, match)
    else if (defaultOwnerId) {
      byUsername.set(user.username, defaultOwnerId)
      defaulted.push(user.username)
    } else unmatched.push(user.username)
  }
  return { byUsername, unmatched, defaulted }
}
