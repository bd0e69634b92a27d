import { type ClosableFetch, createPooledFetch } from './pooled-fetch.ts'

export type { Fetch } from './fetch.ts'
export type { ClosableFetch } from './pooled-fetch.ts'

/**
 * A fetch that trusts `caPem` (e.g. the Dataverse simulator's self-signed certificate) besides Node's usual root
 * certificates. Certificate and host name verification stay on. Connections are kept alive between requests.
 * @param options.connections connections per origin, sized to the concurrency @default 52
 */
export function createTrustingFetch(caPem: string, options: { connections?: number } = {}): ClosableFetch {
  return createPooledFetch({ ca: caPem, ...options })
}
