/** Dataverse refuses more than 52 concurrent requests per user (webapi.md §5.1): never plan above it. */
export const MAX_CONCURRENCY_PER_USER = 52

export interface ConcurrencyOptions {
  /** Used until the server's first `x-ms-dop-hint` arrives. @default 1 */
  initial?: number
  /** Upper bound, itself capped at 52. @default 52 */
  max?: number
  /** No growth for this long after a 429's pause ends ("grow back slowly"). @default 10_000 */
  cooldownMs?: number
}

/**
 * What an application user may send now. A value: each event returns the next state (additive increase,
 * multiplicative decrease, as TCP does).
 */
export interface ConcurrencyState {
  /** How many requests may be in flight. */
  limit: number
  max: number
  /** Nothing is sent before this time (ms): a 429's Retry-After applies to every worker of the user. */
  pausedUntil: number
  /** No growth before this time (ms). */
  growAfter: number
  /** Successes since the limit last changed; the limit grows by one after `limit` of them. */
  successes: number
  /** Whether the limit came from the server (`x-ms-dop-hint`) or from a 429 rather than from `initial`. */
  informed: boolean
  cooldownMs: number
}

export function initialConcurrency(options: ConcurrencyOptions = {}): ConcurrencyState {
  const max = clamp(options.max ?? MAX_CONCURRENCY_PER_USER, 1, MAX_CONCURRENCY_PER_USER)
  return {
    limit: clamp(options.initial ?? 1, 1, max),
    max,
    pausedUntil: 0,
    growAfter: 0,
    successes: 0,
    informed: false,
    cooldownMs: options.cooldownMs ?? 10_000,
  }
}

/**
 * A response came back without throttling. The first `x-ms-dop-hint` sets the limit (Microsoft: use it as the
 * degree of parallelism); after that the limit grows by one per `limit` successes, outside the cooldown.
 */
export function afterSuccess(state: ConcurrencyState, now: number, dopHint?: number): ConcurrencyState {
  if (!state.informed && dopHint !== undefined && Number.isInteger(dopHint) && dopHint > 0) {
    return { ...state, limit: clamp(dopHint, 1, state.max), informed: true, successes: 0 }
  }
  // Successes during the cooldown do not count: growth starts from scratch once it is over.
  if (now < state.growAfter) return state.successes === 0 ? state : { ...state, successes: 0 }
  const successes = state.successes + 1
  if (successes < state.limit || state.limit >= state.max) {
    return { ...state, successes }
  }
  return { ...state, limit: state.limit + 1, successes: 0 }
}

/**
 * A 429: halve the limit, pause the user until Retry-After has passed, and hold growth back for the cooldown
 * after that. Several workers throttled at once extend the pause but halve the limit only once per pause.
 */
export function afterThrottle(state: ConcurrencyState, now: number, retryAfterMs: number): ConcurrencyState {
  const pausedUntil = Math.max(state.pausedUntil, now + Math.max(0, retryAfterMs))
  const alreadyPaused = now < state.pausedUntil
  return {
    ...state,
    limit: alreadyPaused ? state.limit : Math.max(1, Math.floor(state.limit / 2)),
    pausedUntil,
    growAfter: pausedUntil + state.cooldownMs,
    successes: 0,
    informed: true,
  }
}

/** Whether one more request may start now, with `inFlight` already running. */
export function mayStart(state: ConcurrencyState, inFlight: number, now: number): boolean {
  return now >= state.pausedUntil && inFlight < state.limit
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, Math.trunc(value)))
}
