import { MigrationError, redactUrl, urlForMessage } from '../errors.ts'
import type { Fetch } from './fetch.ts'
import { describeNetworkFailure } from './network-failure.ts'
import { backoffDelayMs, retryDelayMs } from './retry-delay.ts'

export interface HttpRequest {
  method: string
  url: string
  headers?: Readonly<Record<string, string>>
  body?: string
  /**
   * Whether sending it twice has the same effect as sending it once. Only repeatable requests are retried. Ours all
   * are: GETs, and upserts on deterministic ids.
   */
  repeatable: boolean
  /** Abort an attempt that has not answered within this many ms; throws a RequestTimeoutError, not retried. */
  timeoutMs?: number
}

/**
 * The server did not answer in time. Not retried here: the caller decides (the bulk loader sends a smaller batch).
 * The request may still have been applied, so only repeatable requests should be sent again.
 */
export class RequestTimeoutError extends MigrationError {
  override name = 'RequestTimeoutError'
  constructor(
    readonly request: { method: string; url: string },
    readonly timeoutMs: number,
    options?: ErrorOptions,
  ) {
    super(`${request.method} ${urlForMessage(request.url)} got no answer within ${timeoutMs} ms`, options)
  }
}

export interface RetryInfo {
  method: string
  /** Redacted. */
  url: string
  /** The attempt that failed, from 1. */
  attempt: number
  /** How long we wait before the next attempt. */
  waitMs: number
  /** The status the server answered, or 'network' for a network error. */
  status: number | 'network'
  /** e.g. `status 429` or `network error ECONNRESET` */
  reason: string
}

export interface SendOptions {
  /** @default 5 */
  maxAttempts?: number
  sleep: (ms: number) => Promise<void>
  /** @default Math.random */
  random?: () => number
  onRetry?: (info: RetryInfo) => void
  /** Who is called, for messages: `X2CRM`, `Dataverse`. @default 'the server' */
  server?: string
}

/** 429 and 503 carry `Retry-After`; other 5xx are usually transient. 501 and 505 never get better. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505)
}

const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
])

/** The code of a transient network failure (`ECONNRESET`, or `fetch failed` for fetch's TypeError), else undefined. */
export function networkErrorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return code
    current = current.cause
  }
  // fetch rejects with a bare TypeError("fetch failed") for any transport failure.
  if (error instanceof TypeError) return 'fetch failed'
  return undefined
}

/**
 * Sends a request, retrying repeatable ones on 429/503 (waiting `Retry-After`), other 5xx and network errors (with
 * backoff), at most `maxAttempts` times in all. Returns the last response whatever its status; the caller decides
 * what a status means. Throws a MigrationError when the network still fails on the last attempt.
 */
export async function sendWithRetry(
  fetch: Fetch,
  request: HttpRequest,
  options: SendOptions,
): Promise<Response> {
  const maxAttempts = request.repeatable ? Math.max(1, options.maxAttempts ?? 5) : 1
  const random = options.random ?? Math.random
  const init: RequestInit = { method: request.method, headers: { ...request.headers } }
  if (request.body !== undefined) init.body = request.body

  for (let attempt = 1; ; attempt++) {
    let response: Response
    try {
      if (request.timeoutMs !== undefined) init.signal = AbortSignal.timeout(request.timeoutMs)
      response = await fetch(request.url, init)
    } catch (error) {
      if (request.timeoutMs !== undefined && isTimeout(error)) {
        throw new RequestTimeoutError(request, request.timeoutMs, { cause: error })
      }
      const code = networkErrorCode(error)
      if (code === undefined) throw error
      const failure = describeNetworkFailure(error, { server: options.server, url: request.url })
      if (attempt >= maxAttempts || failure?.permanent === true) {
        throw new MigrationError(
          `${request.method} ${urlForMessage(request.url)} failed: ` +
            (failure?.sentence ?? `network error ${code}. Check that the server is reachable`) +
            (attempt > 1 ? ` (${attempt} attempts)` : '') +
            '.',
          { cause: error },
        )
      }
      const waitMs = backoffDelayMs(attempt, random)
      options.onRetry?.(retryInfo(request, attempt, waitMs, 'network', `network error ${code}`))
      await options.sleep(waitMs)
      continue
    }
    if (!isRetryableStatus(response.status) || attempt >= maxAttempts) return response
    const waitMs = retryDelayMs(response, attempt, random)
    // Release the connection: an unread body keeps it busy.
    await response.body?.cancel().catch(() => undefined)
    options.onRetry?.(retryInfo(request, attempt, waitMs, response.status, `status ${response.status}`))
    await options.sleep(waitMs)
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError'
}

function retryInfo(
  request: HttpRequest,
  attempt: number,
  waitMs: number,
  status: RetryInfo['status'],
  reason: string,
): RetryInfo {
  return { method: request.method, url: redactUrl(request.url), attempt, waitMs, status, reason }
}

/** The real sleep, for production wiring. Tests pass one that records the waits. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
