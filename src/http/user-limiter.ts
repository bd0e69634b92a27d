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
  /**
   * Waits until a request may go on the wire and returns what to call once its response has been observed. After a
   * 429's pause only one request goes first (a probe); the others wait for its answer, so a user's workers do not
   * all come back at the same instant and push the server into a longer penalty. Optional: limiters without it are
   * only waited for while paused.
   */
  beforeSend?(): Promise<() => void>
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
  /** After a 429: one request at a time until one comes back unthrottled. */
  let probing = false
  let probeInFlight = false

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
        probing = true
        options.onThrottle?.({ user: options.user ?? '', retryAfterMs, limit: state.limit })
        return
      }
      if (probing) {
        probing = false
        wake()
      }
      if (response.status >= 500) return
      const hint = Number(response.headers.get('x-ms-dop-hint') ?? '')
      const before = state.limit
      state = afterSuccess(state, now(), Number.isFinite(hint) && hint > 0 ? hint : undefined)
      if (state.limit > before) wake()
    },
    snapshot: () => ({ limit: state.limit, inFlight, pausedUntil: state.pausedUntil }),
    async beforeSend() {
      for (;;) {
        await whenOpen()
        if (!probing) return () => undefined
        if (!probeInFlight) {
          probeInFlight = true
          let done = false
          return () => {
            if (done) return
            done = true
            probeInFlight = false
            wake()
          }
        }
        await new Promise<void>((resolve) => waiters.push(resolve))
      }
    },
  }
}

/**
 * A fetch that waits while its user is paused and tells the limiter about every response. Every request of the
 * user goes through it, so one worker's 429 holds back all the others until Retry-After has passed.
 */
export function createLimitedFetch(fetch: Fetch, limiter: UserLimiter): Fetch {
  return async (input, init) => {
    // Checked right before sending, in the same turn: no request slips out after a 429 was seen.
    const done = limiter.beforeSend ? await limiter.beforeSend() : undefined
    while (!limiter.isOpen()) await limiter.whenOpen()
    try {
      const response = await fetch(input, init)
      limiter.observe(response)
      return response
    } finally {
      done?.()
    }
  }
}
