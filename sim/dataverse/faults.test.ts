import { afterEach, describe, expect, it } from 'vitest'
import { createRandom } from '../seed/random.ts'
import { serve, type Served } from '../serve.ts'
import type { Latency } from './costs.ts'
import { isConnectionReset } from './faults.ts'
import { createDataverseSimulator } from './index.ts'
import { connect, errorOf, requestToken } from './test-helpers.ts'

// Fault injection (DESIGN.md "Simulators"): 503s, connection resets, latency, slow bodies and
// token expiry, so clients can be tested against what a real service does on a bad day.
describe('fault injection', () => {
  it('answers 503 with Retry-After and the Dataverse error JSON on every Nth request', async () => {
    const api = await connect({ faults: [{ kind: 'unavailable', every: 2, retryAfterSeconds: 7 }] })
    const first = await api.call('GET', 'WhoAmI')
    const second = await api.call('GET', 'WhoAmI')
    expect(first.status).toBe(200)
    expect(second.status).toBe(503)
    expect(second.headers.get('retry-after')).toBe('7')
    expect(errorOf(second).code).toBe('0x80040216')
    expect((await api.call('GET', 'WhoAmI')).status).toBe(200)
  })

  it('throws the TypeError fetch throws on ECONNRESET, in-process', async () => {
    const api = await connect({ faults: [{ kind: 'reset', at: [1], match: (r) => r.method === 'POST' }] })
    const error = await api.call('POST', 'accounts', { name: 'A' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TypeError)
    expect(isConnectionReset(error)).toBe(true)
    expect((error as TypeError).message).toBe('fetch failed')
    expect(api.sim.rows('account')).toEqual([])
    expect((await api.call('POST', 'accounts', { name: 'A' })).status).toBe(204)
  })

  it('drops the answer of a reset afterApply: the write happened though the client saw ECONNRESET', async () => {
    const api = await connect({
      faults: [{ kind: 'reset', afterApply: true, at: [1], match: (r) => r.method === 'POST' }],
    })
    const error = await api.call('POST', 'accounts', { name: 'A' }).catch((e: unknown) => e)
    expect(isConnectionReset(error)).toBe(true)
    expect(api.sim.rows('account').map((r) => r['name'])).toEqual(['A'])
  })

  it('injects 429, 503 and resets by seeded chance, the same ones for the same seed, and counts them', async () => {
    const storm = (seed: number) => {
      const random = createRandom(seed)
      return connect({
        faultRandom: () => random.next(),
        latency: { sleep: () => Promise.resolve() },
        faults: [
          { kind: 'throttle', probability: 0.3, retryAfterSeconds: 1 },
          { kind: 'unavailable', probability: 0.1, retryAfterSeconds: 1 },
          { kind: 'latency', probability: 1, jitter: true, ms: 40 },
        ],
      })
    }
    const statuses = async (api: Awaited<ReturnType<typeof storm>>) => {
      const seen: number[] = []
      for (let i = 0; i < 40; i++) seen.push((await api.call('GET', 'WhoAmI')).status)
      return seen
    }
    const [a, b] = [await storm(5), await storm(5)]
    const first = await statuses(a)
    expect(await statuses(b)).toEqual(first)
    const throttled = first.filter((s) => s === 429).length
    expect(throttled).toBeGreaterThan(4)
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(15)
    expect(a.sim.faultCounts()).toMatchObject({ throttle: throttled, latency: 40 })
    const answer = await a.call('GET', 'WhoAmI')
    if (answer.status === 429) {
      expect(answer.headers.get('retry-after')).toBe('1')
      expect(errorOf(answer).code).toBe('0x80072322')
    }
  })

  it('injects latency on the simulator latency sleep', async () => {
    const waits: number[] = []
    const latency: Latency = {
      sleep: (ms) => {
        waits.push(ms)
        return Promise.resolve()
      },
    }
    const api = await connect({ latency, costModel: { readMs: 5, roundTripMs: 10 } })
    api.sim.injectFault({ kind: 'latency', ms: 2_000 })
    await api.call('GET', 'WhoAmI')
    await api.call('GET', 'WhoAmI')
    expect(waits).toEqual([2_015, 15])
  })

  it('streams a slow body in chunks with a pause between them', async () => {
    const waits: number[] = []
    const latency: Latency = {
      sleep: (ms) => {
        waits.push(ms)
        return Promise.resolve()
      },
    }
    const api = await connect({
      latency,
      faults: [{ kind: 'slow-body', ms: 25, match: (r) => r.url.includes('accounts') }],
    })
    for (let i = 0; i < 3; i++) await api.call('POST', 'accounts', { name: `Account ${i}` })
    const page = await api.call('GET', 'accounts?$select=name')
    expect((page.body as { value: unknown[] }).value).toHaveLength(3)
    // 3 writes and 1 read took their modelled time (100 ms, 50 ms); then the body trickled out.
    expect(waits.slice(0, 4)).toEqual([100, 100, 100, 50])
    expect(waits.slice(4).length).toBeGreaterThan(2)
    expect(new Set(waits.slice(4))).toEqual(new Set([25]))
  })

  it('expires tokens mid-run: 401 until the client signs in again', async () => {
    const api = await connect()
    expect((await api.call('GET', 'WhoAmI')).status).toBe(200)
    api.sim.expireTokens()
    const expired = await api.call('GET', 'WhoAmI')
    expect(expired.status).toBe(401)
    expect(expired.headers.get('www-authenticate')).toMatch(/^Bearer authorization_uri=/)
    const fresh = String((await requestToken(api.sim)).body.access_token)
    const response = await api.sim.handle(
      new Request(`${api.sim.settings().apiUrl}WhoAmI`, { headers: { authorization: `Bearer ${fresh}` } }),
    )
    expect(response.status).toBe(200)
  })
})

describe('fault injection over HTTP (sim/serve.ts)', () => {
  let served: Served | undefined
  afterEach(async () => {
    await served?.close()
    served = undefined
  })

  it('destroys the socket for a connection reset, so a real fetch fails', async () => {
    const sim = createDataverseSimulator({ origin: 'http://127.0.0.1', faults: [{ kind: 'reset', at: [1] }] })
    served = await serve((request) => sim.handle(request))
    const error = await fetch(`${served.origin}/api/data/v9.2/WhoAmI`).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TypeError)
    const next = await fetch(`${served.origin}/api/data/v9.2/WhoAmI`)
    expect(next.status).toBe(401) // the server is still up; this request just has no token
  })
})
