import {
  ConfidentialClientApplication,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node'
import { ConfigError, MigrationError, redactUrl } from '../../errors.ts'
import type { Fetch } from '../../http/fetch.ts'

export interface MsalTokenProviderOptions {
  /** e.g. `https://login.microsoftonline.com/<tenant id>`, or the simulator's token authority. */
  authority: string
  clientId: string
  clientSecret: string
  /** e.g. `https://contoso.crm.dynamics.com/.default` */
  scope: string
  /** Every request MSAL makes goes through it: the trusting fetch for the simulator, a handler adapter in tests. */
  fetch: Fetch
}

export interface TokenProvider {
  /** A bearer token from MSAL's cache, or a new one when it is missing, near expiry, or `forceRefresh` is set. */
  getToken: (options?: { forceRefresh?: boolean }) => Promise<string>
}

/**
 * Client-credentials tokens from Microsoft Entra ID (or anything that speaks its protocol) through MSAL, which caches
 * and refreshes them (webapi.md §1.2). The authority's host is a known authority, so MSAL asks no Microsoft endpoint
 * for instance discovery; it reads `{authority}/v2.0/.well-known/openid-configuration` and posts to its token endpoint.
 *
 * The client secret never reaches a message: errors are rewritten with it scrubbed.
 */
export function createMsalTokenProvider(options: MsalTokenProviderOptions): TokenProvider {
  let authorityHost: string
  try {
    authorityHost = new URL(options.authority).host
  } catch {
    throw new ConfigError([`dataverse authority: "${redactUrl(options.authority)}" is not a URL`])
  }
  const application = new ConfidentialClientApplication({
    auth: {
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      authority: options.authority,
      knownAuthorities: [authorityHost],
    },
    system: { networkClient: createFetchNetworkModule(options.fetch) },
  })

  return {
    async getToken({ forceRefresh = false } = {}) {
      let token: string | undefined
      try {
        const result = await application.acquireTokenByClientCredential({
          scopes: [options.scope],
          skipCache: forceRefresh,
        })
        token = result?.accessToken
      } catch (error) {
        const detail = scrub(error instanceof Error ? error.message : String(error), options.clientSecret)
        throw new MigrationError(
          `Could not get a Dataverse token for client ${options.clientId} from ${redactUrl(options.authority)}: ` +
            `${detail}. Check the tenant (authority), client id, client secret and scope.`,
        )
      }
      if (token === undefined || token === '') {
        throw new MigrationError(
          `The token endpoint of ${redactUrl(options.authority)} returned no access token`,
        )
      }
      return token
    },
  }
}

/**
 * MSAL's network contract over a fetch: `{ headers, body, status }` with the body parsed as JSON, for any status
 * (MSAL reads error responses itself). Errors say what failed but never carry the request body, which holds the
 * client secret.
 */
export function createFetchNetworkModule(fetch: Fetch): INetworkModule {
  async function send<T>(
    method: 'GET' | 'POST',
    url: string,
    options: NetworkRequestOptions | undefined,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    const init: RequestInit = { method, headers: { ...options?.headers } }
    if (method === 'POST') init.body = options?.body ?? ''
    if (timeout !== undefined && timeout > 0) init.signal = AbortSignal.timeout(timeout)
    let response: Response
    try {
      response = await fetch(url, init)
    } catch (error) {
      const reason =
        error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : ''
      throw new Error(`${method} ${redactUrl(url)} failed: ${reason || 'network error'}`)
    }
    const text = await response.text()
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      throw new Error(`${method} ${redactUrl(url)} answered ${response.status} with a body that is not JSON`)
    }
    const headers: Record<string, string> = {}
    response.headers.forEach((value, key) => {
      headers[key] = value
    })
    // MSAL validates the parsed body itself; this is the type its contract names.
    return { headers, body: body as T, status: response.status }
  }
  return {
    sendGetRequestAsync: (url, options, timeout) => send('GET', url, options, timeout),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  }
}

function scrub(text: string, secret: string): string {
  return secret === '' ? text : text.split(secret).join('[redacted]')
}
