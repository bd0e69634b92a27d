/**
 * What went wrong on the way to a server, told from the error fetch (undici) or Node threw: the codes sit on the
 * error's `cause` (fetch's `TypeError: fetch failed`), sometimes inside an AggregateError (one per address tried).
 * A pure reading of the error: it names the cause so that nobody checks credentials for a DNS or TLS problem.
 */
export interface NetworkFailure {
  kind: 'refused' | 'dns' | 'tls' | 'timeout' | 'closed'
  /** The code it was told from, e.g. `ECONNREFUSED`, `DEPTH_ZERO_SELF_SIGNED_CERT`. */
  code: string
  /** Retrying cannot help: a name that does not resolve, a certificate that is not trusted. */
  permanent: boolean
  /** One sentence that names the cause and what to check, without the request's URL. */
  sentence: string
}

export interface NetworkFailureContext {
  /** Who was called, for the sentence: `X2CRM`, `Dataverse`, `the token endpoint`. @default 'the server' */
  server?: string
  /** The request's URL: the host when the error does not name it. */
  url?: string
}

/** What a TLS error code means, said plainly. Node's codes: https://nodejs.org/api/tls.html (OpenSSL's verify codes). */
const TLS_PROBLEMS: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'it is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its chain ends in a self-signed certificate nobody here trusts',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'it was issued by an unknown certificate authority',
  UNABLE_TO_GET_ISSUER_CERT: 'it was issued by an unknown certificate authority',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'it was issued by an unknown certificate authority',
  ERR_TLS_CERT_ALTNAME_INVALID: 'it was made for another host name',
  CERT_HAS_EXPIRED: 'it has expired',
  CERT_NOT_YET_VALID: 'it is not valid yet',
  CERT_REVOKED: 'it was revoked',
  CERT_SIGNATURE_FAILURE: 'its signature does not verify',
}

const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
])
const CLOSED_CODES = new Set([
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'UND_ERR_SOCKET',
  'EHOSTUNREACH',
  'ENETUNREACH',
])

/** The network failure inside `error` (its causes and aggregated errors, a few levels deep), or undefined. */
export function describeNetworkFailure(
  error: unknown,
  context: NetworkFailureContext = {},
): NetworkFailure | undefined {
  const server = context.server ?? 'the server'
  const seen = new Set<unknown>()
  const queue: unknown[] = [error]
  while (queue.length > 0 && seen.size < 20) {
    const current = queue.shift()
    if (current === null || typeof current !== 'object' || seen.has(current)) continue
    seen.add(current)
    const found = classify(current, server, context.url)
    if (found !== undefined) return found
    const { cause, errors } = current as ErrorFields
    queue.push(cause)
    if (Array.isArray(errors)) queue.push(...(errors as unknown[]))
  }
  return undefined
}

interface ErrorFields {
  name?: unknown
  code?: unknown
  cause?: unknown
  errors?: unknown
  address?: unknown
  port?: unknown
  hostname?: unknown
  host?: unknown
  reason?: unknown
}

function classify(error: ErrorFields, server: string, url: string | undefined): NetworkFailure | undefined {
  const code =
    typeof error.code === 'string' ? error.code : error.name === 'TimeoutError' ? 'TimeoutError' : ''
  if (code === '') return undefined
  const host = hostOf(url) ?? stringOf(error.hostname) ?? stringOf(error.host) ?? 'the server'
  if (code === 'ECONNREFUSED') {
    const address = stringOf(error.address)
    const port = typeof error.port === 'number' ? error.port : undefined
    const where =
      address !== undefined && port !== undefined ? `${address}:${port}` : (hostOf(url, true) ?? host)
    return {
      kind: 'refused',
      code,
      permanent: false,
      sentence: `the connection to ${where} was refused (ECONNREFUSED): is ${server} running and reachable at that address and port?`,
    }
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    const name = stringOf(error.hostname) ?? host
    return {
      kind: 'dns',
      code,
      // EAI_AGAIN is the resolver failing for now; ENOTFOUND is the name not existing.
      permanent: code !== 'EAI_AGAIN',
      sentence:
        `the host name ${name} could not be resolved (DNS ${code}): check the URL of ${server} in the ` +
        'configuration, and this machine’s network and DNS',
    }
  }
  const problem = TLS_PROBLEMS[code] ?? (/CERT|TLS|SSL/.test(code) ? undefined : null)
  if (problem !== null) {
    const why = problem ?? `it cannot be verified`
    const detail = stringOf(error.reason)
    return {
      kind: 'tls',
      code,
      permanent: true,
      sentence:
        `the TLS certificate of ${host} is not trusted: ${why} (${code}${detail ? `: ${detail}` : ''}). ` +
        (server === 'X2CRM'
          ? 'If X2CRM uses a private certificate authority, give Node its certificate (NODE_EXTRA_CA_CERTS)'
          : 'If the server uses a private certificate authority (or is the simulator), set target.dataverse.caFile ' +
            'to its CA certificate'),
    }
  }
  if (TIMEOUT_CODES.has(code) || code === 'TimeoutError') {
    return {
      kind: 'timeout',
      code,
      permanent: false,
      sentence: `${host} did not answer in time (${code}): is ${server} reachable from here, or is a firewall or proxy dropping the connection?`,
    }
  }
  if (CLOSED_CODES.has(code)) {
    return {
      kind: 'closed',
      code,
      permanent: false,
      sentence: `the connection to ${host} was lost (${code}): is ${server} still up and reachable?`,
    }
  }
  return undefined
}

function hostOf(url: string | undefined, withPort = false): string | undefined {
  if (url === undefined) return undefined
  try {
    const parsed = new URL(url)
    if (!withPort) return parsed.hostname
    const port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80')
    return `${parsed.hostname}:${port}`
  } catch {
    return undefined
  }
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}
