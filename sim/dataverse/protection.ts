import { DataverseFault } from './errors.ts'

export interface ProtectionLimits {
  /** @default 6000 */
  requestsPerWindow: number
  /** @default 300 */
  windowSeconds: number
  /** @default 1200 (20 minutes of combined execution time per window) */
  executionSecondsPerWindow: number
  /** @default 52 */
  concurrent: number
  /** @default 4 */
  dopHint: number
}

export interface ProtectionOptions {
  clock: () => number
  limits: ProtectionLimits
  throttleEvery?: number
  retryAfterSeconds?: number
}

export interface Admission {
  /** Ends the request: frees its concurrency slot and books its simulated execution time. */
  release(executionMs: number): void
}

export interface ServiceProtection {
  /** Admits a request for a user or throws a 429 DataverseFault. */
  admit(userKey: string): Admission
  /** The informational headers Dataverse sends on every response (webapi.md §5.1). */
  headers(userKey: string | undefined): Record<string, string>
  stats(): { requests: number; throttled: number }
}

interface UserState {
  /** request start times (ms) inside the window */
  starts: number[]
  /** finished requests: when, and how long they "ran" */
  executions: { at: number; ms: number }[]
  inFlight: number
  /** after a request/execution-time 429: when the user may come back, and the error it got */
  blocked?: { until: number; code: string; message: string; strikes: number }
}

/**
 * Extra seconds added to the wait each time a throttled user sends another request before its
 * Retry-After has passed: 1, 2, 4, … at most 60 a request. Microsoft documents only that "if the
 * application continues to send such demanding requests, the duration will be extended"
 * (https://learn.microsoft.com/en-us/power-apps/developer/data-platform/api-limits#the-retry-after-duration);
 * the growth rate is a named assumption [U].
 */
export function pushPenaltySeconds(strikes: number): number {
  return Math.min(60, 2 ** Math.max(0, strikes - 1))
}

/**
 * When a user pushing on while blocked may come back: the wait grows by `pushPenaltySeconds`, but
 * never past one window from now. [U] assumption: the limits are evaluated on the preceding
 * 300 s sliding window ("within the preceding 300 seconds", same page), so the simulator does not
 * block longer than a window; the docs give no other bound.
 */
export function extendedUntil(now: number, until: number, strikes: number, windowSeconds: number): number {
  return Math.min(until + pushPenaltySeconds(strikes) * 1000, now + windowSeconds * 1000)
}

/**
 * Dataverse service protection limits, evaluated per user on a sliding window
 * (https://learn.microsoft.com/en-us/power-apps/developer/data-platform/api-limits, webapi.md §5.1).
 */
export function createServiceProtection(options: ProtectionOptions): ServiceProtection {
  const { clock, limits } = options
  const windowMs = limits.windowSeconds * 1000
  const users = new Map<string, UserState>()
  let requests = 0
  let throttled = 0

  const stateOf = (userKey: string) => {
    let state = users.get(userKey)
    if (!state) users.set(userKey, (state = { starts: [], executions: [], inFlight: 0 }))
    const since = clock() - windowMs
    state.starts = state.starts.filter((t) => t > since)
    state.executions = state.executions.filter((e) => e.at > since)
    return state
  }
  const retryAfter = (fromWindow: number) => String(options.retryAfterSeconds ?? Math.max(1, fromWindow))
  const reject = (code: string, message: string, seconds: number): never => {
    throttled++
    throw new DataverseFault(429, code, message, { 'retry-after': retryAfter(seconds) })
  }
  /** A window limit was hit: the user must wait `seconds`, longer if it keeps pushing. */
  const block = (state: UserState, code: string, message: string, seconds: number): never => {
    const wait = Number(retryAfter(seconds))
    state.blocked = { until: clock() + wait * 1000, code, message, strikes: 0 }
    return reject(code, message, seconds)
  }

  return {
    admit(userKey) {
      requests++
      const state = stateOf(userKey)
      const now = clock()
      if (state.blocked && now < state.blocked.until) {
        const blocked = state.blocked
        blocked.strikes++
        blocked.until = extendedUntil(now, blocked.until, blocked.strikes, limits.windowSeconds)
        reject(blocked.code, blocked.message, Math.ceil((blocked.until - now) / 1000))
      }
      state.blocked = undefined
      if (state.inFlight >= limits.concurrent) {
        reject('0x80072326', `Number of concurrent requests exceeded the limit of ${limits.concurrent}.`, 1)
      }
      if (options.throttleEvery !== undefined && requests % options.throttleEvery === 0) {
        reject(
          '0x80072322',
          `Number of requests exceeded the limit of ${limits.requestsPerWindow} over time window of ${limits.windowSeconds} seconds.`,
          1,
        )
      }
      if (state.starts.length >= limits.requestsPerWindow) {
        // Wait until enough of the oldest requests leave the window.
        const oldest = state.starts[state.starts.length - limits.requestsPerWindow] ?? now
        block(
          state,
          '0x80072322',
          `Number of requests exceeded the limit of ${limits.requestsPerWindow} over time window of ${limits.windowSeconds} seconds.`,
          Math.ceil((oldest + windowMs - now) / 1000),
        )
      }
      const executedMs = state.executions.reduce((sum, e) => sum + e.ms, 0)
      if (executedMs > limits.executionSecondsPerWindow * 1000) {
        const oldest = state.executions[0]?.at ?? now
        block(
          state,
          '0x80072321',
          `Combined execution time of incoming requests exceeded limit of ${(limits.executionSecondsPerWindow * 1000).toLocaleString('en-US')} milliseconds over time window of ${limits.windowSeconds} seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.`,
          Math.ceil((oldest + windowMs - now) / 1000),
        )
      }
      state.starts.push(now)
      state.inFlight++
      let released = false
      return {
        release(executionMs) {
          if (released) return
          released = true
          state.inFlight--
          if (executionMs > 0) state.executions.push({ at: clock(), ms: executionMs })
        },
      }
    },
    headers(userKey) {
      const state = userKey === undefined ? undefined : stateOf(userKey)
      const executedMs = state?.executions.reduce((sum, e) => sum + e.ms, 0) ?? 0
      const remainingMs = Math.max(0, limits.executionSecondsPerWindow * 1000 - executedMs)
      return {
        'x-ms-ratelimit-burst-remaining-xrm-requests': String(
          Math.max(0, limits.requestsPerWindow - (state?.starts.length ?? 0)),
        ),
        'x-ms-ratelimit-time-remaining-xrm-requests': (remainingMs / 1000).toFixed(2),
        'x-ms-dop-hint': String(limits.dopHint),
      }
    },
    stats: () => ({ requests, throttled }),
  }
}
