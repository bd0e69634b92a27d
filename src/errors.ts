/**
 * Failures that stop a run. A record that cannot be loaded is data (a ledger outcome), never one of these.
 * Only `cli/main.ts` turns them into messages and exit codes: ConfigError → 2, InternalError → 70, else 1.
 */
export class MigrationError extends Error {
  override name = 'MigrationError'
}

export class ConfigError extends MigrationError {
  override name = 'ConfigError'
  constructor(
    readonly issues: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`Invalid configuration:\n- ${issues.join('\n- ')}`, options)
  }
}

/** A wrong option value, said as it is (without the configuration heading); exit code 2 like any ConfigError. */
export class UsageError extends ConfigError {
  override name = 'UsageError'
  constructor(message: string) {
    super([message])
    this.message = message
  }
}

/** Our bug, not the user's: exit code 70. */
export class InternalError extends MigrationError {
  override name = 'InternalError'
}

export interface HttpRequestInfo {
  method: string
  url: string
}

/**
 * A response we could not use. `body` is already redacted: X2CRM echoes the request headers (with the
 * Authorization header) in its error envelopes, so raw bodies must never reach a log or a message.
 */
export class HttpError extends MigrationError {
  override name = 'HttpError'
  constructor(
    readonly request: HttpRequestInfo,
    readonly status: number,
    readonly body: unknown,
    detail?: string,
  ) {
    super(
      `${request.method} ${urlForMessage(request.url)} failed with status ${status}${detail ? `: ${detail}` : ''}`,
    )
  }
}

const SECRET_KEYS =
  /^(authorization|reqheaders|cookie|set-cookie|password|client_secret|access_token|refresh_token|userkey|apikey|api_key)$/i

/** Deep copy of a parsed body with every secret-bearing member replaced by "[redacted]". */
export function redactBody(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(redactBody)
  if (body !== null && typeof body === 'object') {
    return Object.fromEntries(
      Object.entries(body).map(([key, value]) => [
        key,
        SECRET_KEYS.test(key) ? '[redacted]' : redactBody(value),
      ]),
    )
  }
  return body
}

/** Strips userinfo and secret-looking query parameters from a URL before it is shown. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    parsed.username = ''
    parsed.password = ''
    for (const key of [...parsed.searchParams.keys()]) {
      if (/key|secret|token|password/i.test(key)) parsed.searchParams.set(key, '[redacted]')
    }
    return parsed.toString()
  } catch {
    return url
  }
}

/** URLs longer than this are cut in messages: a request for 50 ids must not bury the reason under 5 KB. */
const MESSAGE_URL_CHARS = 200

/** A URL as a message shows it: redacted ({@link redactUrl}), and cut after 200 characters saying how long it was. */
export function urlForMessage(url: string): string {
  const redacted = redactUrl(url)
  return redacted.length <= MESSAGE_URL_CHARS
    ? redacted
    : `${redacted.slice(0, MESSAGE_URL_CHARS)}… (${redacted.length} chars)`
}

const stoppedRuns = new WeakMap<object, string>()

/**
 * Notes that `error` stopped run `runId` half-way, and that running the same command again resumes (or finishes)
 * it; the message then says so. Returns the error, for `throw markRunStopped(error, runId)`.
 */
export function markRunStopped(error: unknown, runId: string): unknown {
  if (error !== null && typeof error === 'object' && !stoppedRuns.has(error)) stoppedRuns.set(error, runId)
  return error
}

/** The run `error` stopped, when {@link markRunStopped} noted one. */
export function runStoppedBy(error: unknown): string | undefined {
  return error !== null && typeof error === 'object' ? stoppedRuns.get(error) : undefined
}
