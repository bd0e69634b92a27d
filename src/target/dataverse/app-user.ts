import type { ConcurrencyOptions } from '../../http/concurrency.ts'
import type { Fetch } from '../../http/fetch.ts'
import {
  createLimitedFetch,
  createUserLimiter,
  type ThrottleInfo,
  type UserLimiter,
} from '../../http/user-limiter.ts'
import { createDataverseClient, type DataverseClientOptions } from './client.ts'
import type { DataverseBulkTarget } from './types.ts'

/** One application user: its own client (and token) and its own limiter. Service protection counts per user. */
export interface AppUserTarget {
  /** Shown in events, e.g. the app's client id. Never a secret. */
  name: string
  target: DataverseBulkTarget
  limiter: UserLimiter
}

export interface AppUserTargetOptions
  extends Omit<DataverseClientOptions, 'fetch' | 'getToken'>, Pick<ConcurrencyOptions, 'max' | 'cooldownMs'> {
  name: string
  /** A keep-alive pool shared by the users of a run (see createPooledFetch). */
  fetch: Fetch
  /** This user's tokens (createMsalTokenProvider with its own client id and credential). */
  getToken: DataverseClientOptions['getToken']
  /** Concurrency before the server's first `x-ms-dop-hint`. @default 1 */
  initialConcurrency?: number
  /** @default Date.now */
  now?: () => number
  onThrottle?: (info: ThrottleInfo) => void
}

/**
 * A Web API client whose every request passes its user's limiter: a 429 pauses all of the user's workers until
 * Retry-After has passed, and the limiter learns the degree of parallelism from `x-ms-dop-hint`.
 * @example
 * const fetch = createPooledFetch({ connections: 52 })
 * const users = apps.map((app) => createAppUserTarget({ name: app.clientId, url, fetch, getToken: createMsalTokenProvider({ ...app, fetch }).getToken }))
 * const loader = createLoader({ targets: users, table: ACCOUNT })
 */
export function createAppUserTarget(options: AppUserTargetOptions): AppUserTarget {
  const { name, fetch, initialConcurrency, max, cooldownMs, now, onThrottle, ...client } = options
  const limiter = createUserLimiter({
    user: name,
    initial: initialConcurrency,
    max,
    cooldownMs,
    now,
    sleep: options.sleep,
    onThrottle,
  })
  const target = createDataverseClient({ ...client, fetch: createLimitedFetch(fetch, limiter) })
  return { name, target, limiter }
}
