import {
  ConfidentialClientApplication,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node'
import { ConfigError, MigrationError, redactUrl, urlForMessage } from '../../errors.ts'
import type { Fetch } from '../../http/fetch.ts'
import { describeNetworkFailure } from '../../http/network-failure.ts'

/** A certificate registered on the app: its SHA-256 thumbprint (hex) and its PEM private key. */
export interface ClientCertificate {
  thumbprintSha256: string
  privateKey: string
  /** The PEM certificate chain, sent as `x5c` for subject-name/issuer authentication. */
  x5c?: string
}

/** How the app proves who it is: a client secret, or a certificate (recommended for production). */
export type ClientCredential =
  | { clientSecret: string; clientCertificate?: undefined }
  | { clientCertificate: ClientCertificate; clientSecret?: undefined }

export type MsalTokenProviderOptions = ClientCredential & {
  /** e.g. `https://login.microsoftonline.com/<tenant id>`, or the simulator's token authority. */
  authority: string
  clientId: string
  /** e.g. `https://contoso.crm.dynamics.com/.default` */
  scope: string
  /** Every request MSAL makes goes through it: the trusting fetch for the simulator, a handler adapter in tests. */
  fetch: Fetch
}

export interface TokenProvider {
  /** A bearer token from MSAL's cache, or a new one when it is missing, near expiry, or `forceRefresh` is set. */
  getToken: (options?: { forceRefresh?: boolean }) => Promise<string>
}

/** How long before MSAL's refresh time (or the expiry) a held token is asked for again: MSAL's own margin. */
const RENEW_BEFORE_MS = 5 * 60_000

/**
 * Client-credentials tokens from Microsoft Entra ID (or anything that speaks its protocol) through MSAL, which caches
 * and refreshes them (webapi.md §1.2). The authority's host is a known authority, so MSAL asks no Microsoft endpoint
 * for instance discovery; it reads `{authority}/v2.0/.well-known/openid-configuration` and posts to its token endpoint.
 *
 * With a certificate, MSAL signs a client assertion (PS256, `x5t#S256` header) instead of sending a secret. Neither
 * the client secret nor the private key ever reaches a message: errors are rewritten with them scrubbed.
 */
export function createMsalTokenProvider(options: MsalTokenProviderOptions): TokenProvider {
  let authorityHost: string
  try {
    authorityHost = new URL(options.authority).host
  } catch {
    throw new ConfigError([`dataverse authority: "${redactUrl(options.authority)}" is not a URL`])
  }
  const credential =
    options.clientCertificate === undefined
      ? { clientSecret: options.clientSecret }
      : { clientCertificate: checkedCertificate(options.clientCertificate) }
  const secrets = [options.clientSecret ?? '', options.clientCertificate?.privateKey ?? '']
  // MSAL reports a request that never got an answer as its own error (`endpoints_resolution_error`,
  // `network_error`) and drops the cause; the network module keeps the last one so the message can name it.
  const unanswered = { count: 0, last: undefined as { url: string; error: unknown } | undefined }
  const application = new ConfidentialClientApplication({
    auth: {
      clientId: options.clientId,
      ...credential,
      authority: options.authority,
      knownAuthorities: [authorityHost],
    },
    system: {
      networkClient: createFetchNetworkModule(options.fetch, (url, error) => {
        unanswered.count++
        unanswered.last = { url, error }
      }),
    },
  })

  // The last token and when to ask MSAL again: MSAL's own cache lookup (URL parsing, cache keys, a promise chain)
  // on every request cost ≈ 4 % of migrate's CPU (docs/performance.md, Session 5). Asked again 5 minutes before
  // MSAL's refresh time or the expiry, as MSAL renews; a forced refresh (after a 401) always asks.
  let held: { token: string; renewAt: number } | undefined
  return {
    async getToken({ forceRefresh = false } = {}) {
      if (!forceRefresh && held !== undefined && Date.now() < held.renewAt) return held.token
      held = undefined
      let token: string | undefined
      const unansweredBefore = unanswered.count
      try {
        const result = await application.acquireTokenByClientCredential({
          scopes: [options.scope],
          skipCache: forceRefresh,
        })
        token = result?.accessToken
        const renewal = result?.refreshOn ?? result?.expiresOn
        if (token && renewal) held = { token, renewAt: renewal.getTime() - RENEW_BEFORE_MS }
      } catch (error) {
        const last = unanswered.last
        if (unanswered.count > unansweredBefore && last !== undefined) {
          // Not a credentials problem: the authority never answered.
          const failure = describeNetworkFailure(last.error, {
            server: 'the token endpoint (target.dataverse.authority)',
            url: last.url,
          })
          throw new MigrationError(
            `Could not get a Dataverse token for client ${options.clientId}: ${urlForMessage(last.url)} ` +
              `got no answer: ${failure?.sentence ?? scrub(messageOf(last.error), secrets)}.`,
            { cause: last.error },
          )
        }
        const detail = scrub(error instanceof Error ? error.message : String(error), secrets)
        throw new MigrationError(
          `Could not get a Dataverse token for client ${options.clientId} from ${redactUrl(options.authority)}: ` +
            `${detail}. Check the tenant (authority), client id, ` +
            `${options.clientCertificate === undefined ? 'client secret' : 'certificate (thumbprint and private key)'} and scope.`,
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
export function createFetchNetworkModule(
  fetch: Fetch,
  onUnanswered: (url: string, error: unknown) => void = () => undefined,
): INetworkModule {
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
      onUnanswered(url, error)
      const reason =
        error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : ''
      throw new Error(`${method} ${urlForMessage(url)} failed: ${reason || 'network error'}`, {
        cause: error,
      })
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

function messageOf(error: unknown): string {
  return error instanceof Error
    ? error.cause instanceof Error
      ? error.cause.message
      : error.message
    : String(error)
}

function scrub(text: string, secrets: readonly string[]): string {
  return secrets.reduce(
    (result, secret) => (secret === '' ? result : result.split(secret).join('[redacted]')),
    text,
  )
}

function checkedCertificate(certificate: ClientCertificate): ClientCertificate {
  const thumbprint = certificate.thumbprintSha256.replace(/[\s:]/g, '')
  const issues: string[] = []
  if (!/^[0-9a-f]{64}$/i.test(thumbprint)) {
    issues.push(
      'dataverse clientCertificate.thumbprintSha256: expected the 64 hex digits of the SHA-256 thumbprint',
    )
  }
  if (!certificate.privateKey.includes('PRIVATE KEY-----')) {
    issues.push(
      'dataverse clientCertificate.privateKey: expected a PEM private key (-----BEGIN PRIVATE KEY-----)',
    )
  }
  if (issues.length > 0) throw new ConfigError(issues)
  return { ...certificate, thumbprintSha256: thumbprint }
}
