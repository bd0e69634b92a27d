import {
  afterSuccess,
  afterThrottle,
  type ConcurrencyOptions,
  type ConcurrencyState,
  initialConcurrency,
  mayStart,
} from './concurrency.ts'
import type { Fetch } from './fetch.ts'
import { retryDelayMs } from './retry-delay.ts'
import { sleep as realSleep } from './send-with-retry.ts'

export interface Slot {
  /** Gives the slot back; a second call does nothing. */
  release(): void
}

export interface LimiterSnapshot {
  limit: number
  inFlight: number
  pausedUntil: number
}

/** How much one application user may send, adapting to `x-ms-dop-hint` and 429s (see concurrency.ts). */
export interface UserLimiter {
  /** A slot when one is free and the user is not paused, else undefined. */
  tryAcquire(): Slot | undefined
  /** Waits for a free slot (and for any pause to end), then takes it. */
  acquire(): Promise<Slot>
  /** Whether the user is not paused now. */
  isOpen(): boolean
  /** Resolves once the user is not paused (a 429's Retry-After has passed). */
  whenOpen(): Promise<void>
  /** Resolves once a slot could be taken (not paused, one free), without taking it. */
  whenAvailable(): Promise<void>
  /** Learns from a response: 429 → halve and pause everyone; otherwise `x-ms-dop-hint` and growth. */
  observe(response: Response): void
  snapshot(): LimiterSnapshot
}

export interface ThrottleInfo {
  user: string
  retryAfterMs: number
  /** The limit after halving. */
  limit: number
}

export interface UserLimiterOptions extends ConcurrencyOptions {
  /** For events only, e.g. the app's client id. */
  user?: string
  /** @default Date.now */
  now?: () => number
  /** @default setTimeout */
  sleep?: (ms: number) => Promise<void>
  onThrottle?: (info: ThrottleInfo) => void
}

export function createUserLimiter(options: UserLimiterOptions = {}): UserLimiter {
  const now = options.now ?? Date.now
  const sleep = options.sleep ?? realSleep
  let state: ConcurrencyState = initialConcurrency(options)
  let inFlight = 0
  let waiters: (() => void)[] = []

  const wake = () => {
    const woken = waiters
    waiters = []
    for (const resolve of woken) resolve()
  }

  function tryAcquire(): Slot | undefined {
    if (!mayStart(state, inFlight, now())) return undefined
    inFlight++
    let released = false
    return {
      release() {
        if (released) return
        released = true
        inFlight--
        wake()
      },
    }
  }

  async function whenOpen(): Promise<void> {
    for (let wait = state.pausedUntil - now(); wait > 0; wait = state.pausedUntil - now()) await sleep(wait)
  }

  async function whenAvailable(): Promise<void> {
    for (;;) {
      await whenOpen()
      if (mayStart(state, inFlight, now())) return
      await new Promise<void>((resolve) => waiters.push(resolve))
    }
  }

  return {
    tryAcquire,
    isOpen: () => now() >= state.pausedUntil,
    whenOpen,
    whenAvailable,
    async acquire() {
      for (;;) {
        await whenAvailable()
        const slot = tryAcquire()
        if (slot) return slot
      }
    },
    observe(response) {
      if (response.status === 429) {
        // Without a Retry-After, a second is what Dataverse asks for on its concurrency limit.
        const retryAfterMs = response.headers.has('retry-after')
          ? retryDelayMs(response, 1, () => 1, now)
          : 1000
        state = afterThrottle(state, now(), retryAfterMs)
        options.onThrottle?.({ user: options.user ?? '', retryAfterMs, limit: state.limit })
        return
      }
      if (response.status >= 500) return
      const hint = Number(response.headers.get('x-ms-dop-hint') ?? '')
      const before = state.limit
      state = afterSuccess(state, now(), Number.isFinite(hint) && hint > 0 ? hint : undefined)
      if (state.limit > before) wake()
    },
    snapshot: () => ({ limit: state.limit, inFlight, pausedUntil: state.pausedUntil }),
  }
}

/**
 * A fetch that waits while its user is paused and tells the limiter about every response. Every request of the
 * user goes through it, so one worker's 429 holds back all the others until Retry-After has passed.
 */
export function createLimitedFetch(fetch: Fetch, limiter: UserLimiter): Fetch {
  return async (input, init) => {
    // Checked right before sending, in the same turn: no request slips out after a 429 was seen.
    while (!limiter.isOpen()) await limiter.whenOpen()
    const response = await fetch(input, init)
    limiter.observe(response)
    return response
  }
}
