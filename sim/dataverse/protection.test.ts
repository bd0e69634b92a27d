import { describe, expect, it } from 'vitest'
import { extendedUntil, pushPenaltySeconds } from './protection.ts'
import { connect, errorOf, requestToken } from './test-helpers.ts'

// Service protection API limits, webapi.md §5.1 and
// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/api-limits
describe('service protection', () => {
  it('sends x-ms-dop-hint and both x-ms-ratelimit-* headers on every response', async () => {
    const api = await connect({ limits: { dopHint: 8 } })
    for (const result of [
      await api.call('GET', 'WhoAmI'),
      await api.call('GET', 'nope'),
      await api.call('POST', 'accounts', { nope: 1 }),
    ]) {
      expect(result.headers.get('x-ms-dop-hint')).toBe('8')
      expect(result.headers.get('x-ms-ratelimit-burst-remaining-xrm-requests')).toMatch(/^\d+$/)
      expect(result.headers.get('x-ms-ratelimit-time-remaining-xrm-requests')).toMatch(/^\d+\.\d\d$/)
    }
    expect((await api.call('GET', 'WhoAmI')).headers.get('x-ms-ratelimit-burst-remaining-xrm-requests')).toBe(
      '5996',
    )
  })

  it('limits requests per user on a sliding window: 429, 0x80072322, Retry-After until the oldest leaves', async () => {
    let now = 1_000_000
    const api = await connect({ clock: () => now, limits: { requestsPerWindow: 3, windowSeconds: 300 } })
    for (let i = 0; i < 3; i++) {
      expect((await api.call('GET', 'WhoAmI')).status).toBe(200)
      now += 10_000
    }
    const throttled = await api.call('GET', 'WhoAmI')
    expect(throttled.status).toBe(429)
    expect(throttled.headers.get('retry-after')).toBe('270') // first request was at t0; now is t0+30 s
    expect(errorOf(throttled)).toEqual({
      code: '0x80072322',
      message: 'Number of requests exceeded the limit of 3 over time window of 300 seconds.',
    })
    now += 270_000
    expect((await api.call('GET', 'WhoAmI')).status).toBe(200)
    expect(api.sim.stats()).toMatchObject({ requests: 5, throttled: 1 })
  })

  it('counts each app user separately', async () => {
    const api = await connect({
      appUsers: [
        { clientId: 'c1', clientSecret: 's1' },
        { clientId: 'c2', clientSecret: 's2' },
      ],
      limits: { requestsPerWindow: 1 },
    })
    expect((await api.call('GET', 'WhoAmI')).status).toBe(200)
    expect((await api.call('GET', 'WhoAmI')).status).toBe(429)
    const other = await requestToken(api.sim, { client_id: 'c2', client_secret: 's2' })
    const response = await api.sim.handle(
      new Request(`${api.sim.settings().apiUrl}WhoAmI`, {
        headers: { authorization: `Bearer ${String(other.body.access_token)}` },
      }),
    )
    expect(response.status).toBe(200)
  })

  it('gates concurrent requests: 0x80072326 once the limit is in flight', async () => {
    const api = await connect({ limits: { concurrent: 3 } })
    const results = await Promise.all(Array.from({ length: 5 }, () => api.call('GET', 'WhoAmI')))
    const throttled = results.filter((r) => r.status === 429)
    expect(throttled).toHaveLength(2)
    expect(throttled[0]?.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(errorOf(throttled[0]!)).toEqual({
      code: '0x80072326',
      message: 'Number of concurrent requests exceeded the limit of 3.',
    })
    expect((await api.call('GET', 'WhoAmI')).status).toBe(200)
  })

  it('limits combined execution time: 0x80072321', async () => {
    let now = 0
    const api = await connect({
      clock: () => now,
      limits: { executionSecondsPerWindow: 10 },
      executionCost: { perRequestMs: 6_000 },
    })
    expect((await api.call('GET', 'WhoAmI')).status).toBe(200)
    expect((await api.call('GET', 'WhoAmI')).status).toBe(200)
    const throttled = await api.call('GET', 'WhoAmI')
    expect(throttled.status).toBe(429)
    expect(errorOf(throttled)).toEqual({
      code: '0x80072321',
      message:
        'Combined execution time of incoming requests exceeded limit of 10,000 milliseconds over time window of 300 seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.',
    })
    now += 301_000
    expect((await api.call('GET', 'WhoAmI')).status).toBe(200)
  })

  it('throttleEvery answers every Nth request with 429 and the configured Retry-After', async () => {
    const api = await connect({ throttleEvery: 3, retryAfterSeconds: 7 })
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) {
      const result = await api.call('POST', 'accounts', { name: `A${i}` })
      statuses.push(result.status)
      if (result.status === 429) {
        expect(result.headers.get('retry-after')).toBe('7')
        expect(errorOf(result).code).toBe('0x80072322')
      }
    }
    expect(statuses).toEqual([204, 204, 429, 204, 204, 429])
    expect(api.sim.rows('account')).toHaveLength(4)
    expect(api.sim.stats()).toEqual({ requests: 6, throttled: 2, byOperation: { Create: 4 } })
  })
})

// "If the application continues to send such demanding requests, the duration will be extended"
// (https://learn.microsoft.com/en-us/power-apps/developer/data-platform/api-limits#the-retry-after-duration).
describe('service protection: pushing on while throttled', () => {
  it('grows Retry-After for each request sent before the previous Retry-After passed', async () => {
    let now = 1_000_000
    const api = await connect({ clock: () => now, limits: { requestsPerWindow: 1, windowSeconds: 300 } })
    expect((await api.call('GET', 'WhoAmI')).status).toBe(200)
    now += 100_000
    const first = await api.call('GET', 'WhoAmI')
    expect(first.status).toBe(429)
    expect(first.headers.get('retry-after')).toBe('200')
    const pushed = [] as string[]
    for (let i = 0; i < 3; i++) {
      const result = await api.call('GET', 'WhoAmI')
      expect(result.status).toBe(429)
      expect(errorOf(result).code).toBe('0x80072322')
      pushed.push(result.headers.get('retry-after') ?? '')
    }
    expect(pushed).toEqual(['201', '203', '207']) // +1, +2, +4 s
    now += 207_000
    expect((await api.call('GET', 'WhoAmI')).status).toBe(200)
  })

  it('never extends the wait past one window (named assumption: extendedUntil)', async () => {
    let now = 1_000_000
    const api = await connect({ clock: () => now, limits: { requestsPerWindow: 1, windowSeconds: 300 } })
    expect((await api.call('GET', 'WhoAmI')).status).toBe(200)
    now += 100_000
    expect((await api.call('GET', 'WhoAmI')).headers.get('retry-after')).toBe('200')
    const waits: number[] = []
    for (let i = 0; i < 12; i++)
      waits.push(Number((await api.call('GET', 'WhoAmI')).headers.get('retry-after')))
    // 201, 203, 207, 215, 231, 263, then capped at the 300 s window
    expect(waits.slice(0, 6)).toEqual([201, 203, 207, 215, 231, 263])
    expect(waits.slice(6)).toEqual([300, 300, 300, 300, 300, 300])
    now += 299_000
    expect((await api.call('GET', 'WhoAmI')).status).toBe(429)
    now += 301_000
    expect((await api.call('GET', 'WhoAmI')).status).toBe(200)
  })

  it('penalties are 1, 2, 4 … 60 s a request', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map(pushPenaltySeconds)).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60])
    expect(extendedUntil(0, 250_000, 7, 300)).toBe(300_000)
    expect(extendedUntil(0, 10_000, 1, 300)).toBe(11_000)
  })
})
