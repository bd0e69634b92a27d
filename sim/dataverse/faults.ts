import type { Latency } from './costs.ts'
import { jsonResponse } from './errors.ts'

/**
 * Faults the simulator can inject into Web API requests, to test a client's resilience:
 * - `unavailable`: 503 Service Unavailable with a Dataverse error body and `Retry-After`;
 * - `reset`: the connection drops — in-process the handler throws the TypeError fetch throws
 *   on ECONNRESET; served by sim/serve.ts the socket is destroyed;
 * - `latency`: `ms` extra milliseconds before answering (on the simulator's `latency` sleep);
 * - `slow-body`: the body is streamed in small chunks with `ms` between them;
 * - `expire-tokens`: every bearer token issued so far stops working (401 until the client
 *   gets a new one), as when a token expires in the middle of a run.
 */
export type FaultKind = 'unavailable' | 'reset' | 'latency' | 'slow-body' | 'expire-tokens'

/** A fault and when to inject it; with neither `every` nor `at`, every matching request gets it. */
export interface FaultRule {
  kind: FaultKind
  /** Inject on every Nth Web API request (counting every request that reaches /api/data/). */
  every?: number
  /** Inject on these request numbers (1-based, same count). */
  at?: readonly number[]
  /** Only requests this accepts count as matches (and for `every`/`at`, only they are counted). */
  match?: (request: Request) => boolean
  /** `latency`: extra ms; `slow-body`: ms between chunks. @default 1000 (latency), 50 (slow-body) */
  ms?: number
  /** `unavailable`: the Retry-After header, in seconds. @default 5 */
  retryAfterSeconds?: number
}

export interface FaultPlan {
  /** The faults for this request, in rule order. */
  next(request: Request): FaultRule[]
  /** Adds a one-shot fault: the next request that matches gets it. */
  once(rule: Omit<FaultRule, 'every' | 'at'>): void
}

export function createFaultPlan(rules: readonly FaultRule[] = []): FaultPlan {
  const counters = rules.map(() => 0)
  const pending: Omit<FaultRule, 'every' | 'at'>[] = []
  return {
    next(request) {
      const chosen: FaultRule[] = []
      rules.forEach((rule, i) => {
        if (rule.match && !rule.match(request)) return
        const n = (counters[i] = (counters[i] ?? 0) + 1)
        const hit =
          (rule.every !== undefined && rule.every > 0 && n % rule.every === 0) ||
          (rule.at?.includes(n) ?? false) ||
          (rule.every === undefined && rule.at === undefined)
        if (hit) chosen.push(rule)
      })
      const index = pending.findIndex((rule) => !rule.match || rule.match(request))
      if (index >= 0) chosen.push(...pending.splice(index, 1))
      return chosen
    },
    once: (rule) => void pending.push(rule),
  }
}

/**
 * A 503 as the Dataverse front end sends it when the organization is briefly unavailable.
 * The body shape is the normal error JSON; code and text are [U] (no Microsoft page documents
 * them), so clients must key on the status, not the text.
 */
export function unavailableResponse(retryAfterSeconds = 5): Response {
  return jsonResponse(
    503,
    {
      error: {
        code: '0x80040216',
        message: 'Service Unavailable: the server is temporarily unable to handle the request. Retry later.',
      },
    },
    { 'retry-after': String(retryAfterSeconds) },
  )
}

/** What undici's fetch throws when the peer resets the connection. */
export function connectionReset(): TypeError {
  const cause = Object.assign(new Error('read ECONNRESET'), {
    code: 'ECONNRESET',
    syscall: 'read',
    errno: -104,
  })
  return new TypeError('fetch failed', { cause })
}

/** True for the error `connectionReset()` makes, so sim/serve.ts can destroy the socket. */
export function isConnectionReset(error: unknown): boolean {
  return (
    error instanceof TypeError &&
    typeof error.cause === 'object' &&
    error.cause !== null &&
    (error.cause as { code?: unknown }).code === 'ECONNRESET'
  )
}

/** Streams a response's body in 64-byte chunks with `ms` between them. */
export async function slowBody(response: Response, ms: number, latency: Latency): Promise<Response> {
  const bytes = new Uint8Array(await response.arrayBuffer())
  const chunk = 64
  let offset = 0
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (offset >= bytes.length) {
        controller.close()
        return
      }
      if (offset > 0) await latency.sleep(ms)
      controller.enqueue(bytes.slice(offset, offset + chunk))
      offset += chunk
    },
  })
  return new Response(bytes.length === 0 ? null : body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  })
}
