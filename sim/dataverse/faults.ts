import type { SimRequest } from '../serve.ts'
import type { Latency } from './costs.ts'
import { jsonResponse } from './errors.ts'

/**
 * Faults the simulator can inject into Web API requests, to test a client's resilience:
 * - `unavailable`: 503 Service Unavailable with a Dataverse error body and `Retry-After`;
 * - `throttle`: 429 Too Many Requests with `Retry-After` and the service protection error body, as
 *   a storm of other callers would cause (separate from sim/dataverse/protection.ts's own limits);
 * - `reset`: the connection drops — in-process the handler throws the TypeError fetch throws
 *   on ECONNRESET; served by sim/serve.ts the socket is destroyed. With `afterApply` the request
 *   runs first and only its answer is lost (a write that happened though the client saw an error);
 * - `latency`: `ms` extra milliseconds before answering (on the simulator's `latency` sleep);
 * - `slow-body`: the body is streamed in small chunks with `ms` between them;
 * - `expire-tokens`: every bearer token issued so far stops working (401 until the client
 *   gets a new one), as when a token expires in the middle of a run.
 */
export type FaultKind = 'unavailable' | 'throttle' | 'reset' | 'latency' | 'slow-body' | 'expire-tokens'

/** A fault and when to inject it; with none of `every`, `at` and `probability`, every matching request gets it. */
export interface FaultRule {
  kind: FaultKind
  /** Inject on each matching request with this chance (0–1), drawn from the plan's seeded `random`. */
  probability?: number
  /** `reset`: run the request, then drop the connection before the answer (the write happened). */
  afterApply?: boolean
  /** `latency` with `probability`: the extra ms is drawn uniformly from 0 to `ms` (jitter). */
  jitter?: boolean
  /** Inject on every Nth Web API request (counting every request that reaches /api/data/). */
  every?: number
  /** Inject on these request numbers (1-based, same count). */
  at?: readonly number[]
  /**
   * Only requests this accepts count as matches (and for `every`/`at`, only they are counted). A method, so a
   * function written for a WHATWG Request fits: it reads the url, method and headers every request has.
   */
  match?(request: SimRequest): boolean
  /** `latency`: extra ms; `slow-body`: ms between chunks. @default 1000 (latency), 50 (slow-body) */
  ms?: number
  /** `unavailable` and `throttle`: the Retry-After header, in seconds. @default 5 */
  retryAfterSeconds?: number
}

/** How many times each kind of fault was injected. */
export type FaultCounts = Partial<Record<FaultKind, number>>

export interface FaultPlan {
  /** The faults for this request, in rule order. */
  next(request: SimRequest): FaultRule[]
  /** Adds a one-shot fault: the next request that matches gets it. */
  once(rule: Omit<FaultRule, 'every' | 'at' | 'probability'>): void
  /** The faults injected so far, per kind. */
  counts(): FaultCounts
}

/**
 * @param random draws `probability` rules and latency jitter; pass a seeded one so a storm replays. @default
 * Math.random
 */
export function createFaultPlan(
  rules: readonly FaultRule[] = [],
  random: () => number = Math.random,
): FaultPlan {
  const counters = rules.map(() => 0)
  const pending: Omit<FaultRule, 'every' | 'at' | 'probability'>[] = []
  const counts: FaultCounts = {}
  return {
    next(request) {
      const chosen: FaultRule[] = []
      // One answer per request: after a 429, 503 or reset, the other rules that would answer it are not injected.
      const answers = (rule: Pick<FaultRule, 'kind'>) =>
        rule.kind === 'throttle' || rule.kind === 'unavailable' || rule.kind === 'reset'
      let answered = false
      rules.forEach((rule, i) => {
        if (rule.match && !rule.match(request)) return
        const n = (counters[i] = (counters[i] ?? 0) + 1)
        const hit =
          (rule.every !== undefined && rule.every > 0 && n % rule.every === 0) ||
          (rule.at?.includes(n) ?? false) ||
          (rule.probability !== undefined && random() < rule.probability) ||
          (rule.every === undefined && rule.at === undefined && rule.probability === undefined)
        if (!hit || (answered && answers(rule))) return
        answered ||= answers(rule)
        chosen.push(
          rule.kind === 'latency' && rule.jitter
            ? { ...rule, ms: Math.round(random() * (rule.ms ?? 1000)) }
            : rule,
        )
      })
      const index = pending.findIndex((rule) => !rule.match || rule.match(request))
      if (index >= 0) chosen.push(...pending.splice(index, 1))
      for (const fault of chosen) counts[fault.kind] = (counts[fault.kind] ?? 0) + 1
      return chosen
    },
    once: (rule) => void pending.push(rule),
    counts: () => ({ ...counts }),
  }
}

/**
 * A 429 as service protection sends it (webapi.md §5.1,
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/api-limits#service-protection-api-limit-errors):
 * the "number of requests" error code, with Retry-After.
 */
export function throttledResponse(retryAfterSeconds = 5): Response {
  return jsonResponse(
    429,
    {
      error: {
        code: '0x80072322',
        message: 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.',
      },
    },
    { 'retry-after': String(retryAfterSeconds) },
  )
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
