import { randomBytes } from 'node:crypto'

export interface AppUser {
  clientId: string
  clientSecret: string
  name: string
  /** the application user's systemuserid in the simulated environment */
  systemUserId: string
}

export interface IssuedToken {
  accessToken: string
  expiresInSeconds: number
}

export interface TokenStore {
  issue(user: AppUser): IssuedToken
  /** The app user a bearer token belongs to, or undefined when unknown or expired. */
  verify(accessToken: string): AppUser | undefined
  /** Makes every token issued so far invalid, as if they had all expired (fault injection). */
  expireAll(): void
}

/** Entra ID app-only tokens last about an hour; `expires_in` is usually 3599. */
export const tokenLifetimeSeconds = 3599

/** Opaque random bearer tokens bound to an app user; expiry follows the injected clock. */
export function createTokenStore(clock: () => number): TokenStore {
  const tokens = new Map<string, { user: AppUser; expiresAt: number }>()
  return {
    issue(user) {
      const accessToken = randomBytes(32).toString('base64url')
      tokens.set(accessToken, { user, expiresAt: clock() + tokenLifetimeSeconds * 1000 })
      return { accessToken, expiresInSeconds: tokenLifetimeSeconds }
    },
    verify(accessToken) {
      const entry = tokens.get(accessToken)
      if (!entry) return undefined
      if (clock() >= entry.expiresAt) {
        tokens.delete(accessToken)
        return undefined
      }
      return entry.user
    },
    expireAll: () => tokens.clear(),
  }
}
