import { describe, expect, it } from 'vitest'
import type { Fetch } from './fetch.ts'
import { createLimitedFetch, createUserLimiter } from './user-limiter.ts'

const throttled = (retryAfter: string) =>
  new Response('{}', { status: 429, headers: { 'Retry-After': retryAfter, 'x-ms-dop-hint': '4' } })
const ok = (dop = '4') => new Response(null, { status: 204, headers: { 'x-ms-dop-hint': dop } })

function fakeClock() {
  let now = 0
  const sleeps: number[] = []
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms)
      now += ms
      await Promise.resolve()
    },
    sleeps,
  }
}

describe('createUserLimiter', () => {
  it('learns the limit from x-ms-dop-hint and hands out at most that many slots', async () => {
    const clock = fakeClock()
    const limiter = createUserLimiter(clock)
    limiter.observe(ok('3'))
    const slots = [limiter.tryAcquire(), limiter.tryAcquire(), limiter.tryAcquire()]
    expect(slots.every((s) => s !== undefined)).toBe(true)
    expect(limiter.tryAcquire()).toBeUndefined()
    let fourth = false
    const waiting = limiter.acquire().then(() => (fourth = true))
    await Promise.resolve()
    expect(fourth).toBe(false)
    slots[0]?.release()
    slots[0]?.release() // twice does nothing
    await waiting
    expect(limiter.snapshot()).toEqual({ limit: 3, inFlight: 3, pausedUntil: 0 })
  })

  it('holds every request of the user until Retry-After has passed after a 429', async () => {
    const clock = fakeClock()
    const throttles: number[] = []
    const limiter = createUserLimiter({ ...clock, onThrottle: (info) => throttles.push(info.retryAfterMs) })
    const sentAt: number[] = []
    let calls = 0
    const inner: Fetch = async () => {
      sentAt.push(clock.now())
      return ++calls === 1 ? throttled('7') : ok()
    }
    const fetch = createLimitedFetch(inner, limiter)
    expect((await fetch('https://org.test/a')).status).toBe(429)
    expect(limiter.isOpen()).toBe(false)
    await Promise.all([fetch('https://org.test/b'), fetch('https://org.test/c')])
    expect(sentAt).toEqual([0, 7000, 7000])
    expect(throttles).toEqual([7000])
    expect(limiter.snapshot().limit).toBe(1)
  })

  it('after a pause sends one probe first and the others only once it came back unthrottled', async () => {
    const clock = fakeClock()
    const limiter = createUserLimiter(clock)
    const events: string[] = []
    const answers: ((response: Response) => void)[] = []
    let calls = 0
    const inner: Fetch = () => {
      events.push(`sent at ${clock.now()}`)
      if (++calls === 1) return Promise.resolve(throttled('5'))
      return new Promise<Response>((resolve) => answers.push(resolve))
    }
    const fetch = createLimitedFetch(inner, limiter)
    await fetch('a')
    const settle = async () => {
      for (let i = 0; i < 20; i++) await Promise.resolve()
    }
    const pending = [fetch('b'), fetch('c'), fetch('d')]
    await settle()
    // One probe after the 5 s pause, the others wait for its answer.
    expect(events).toHaveLength(2)
    expect(events[1]).toMatch(/ at 5000$/)
    answers.shift()?.(throttled('2'))
    await settle()
    // Throttled again: one more probe, after the new pause.
    expect(events).toHaveLength(3)
    expect(Number(events[2]?.split(' at ')[1])).toBeGreaterThanOrEqual(7000)
    answers.shift()?.(ok())
    await settle()
    // The probe came back fine: the last one goes.
    expect(events).toHaveLength(4)
    answers.shift()?.(ok())
    expect((await Promise.all(pending)).map((r) => r.status).sort()).toEqual([204, 204, 429])
  })

  it('waits a second on a 429 without Retry-After, and ignores 5xx', () => {
    const clock = fakeClock()
    const limiter = createUserLimiter(clock)
    limiter.observe(new Response(null, { status: 503 }))
    expect(limiter.snapshot().limit).toBe(1)
    limiter.observe(new Response(null, { status: 429 }))
    expect(limiter.snapshot().pausedUntil).toBe(1000)
  })
})
