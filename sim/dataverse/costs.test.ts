import { describe, expect, it } from 'vitest'
import { defaultCostModel, type Latency } from './costs.ts'
import { connect, errorOf } from './test-helpers.ts'

/** A fake clock whose sleep advances time instead of waiting. */
function fakeTime(start = 1_000_000) {
  let now = start
  const latency: Latency = {
    sleep: (ms) => {
      now += ms
      return Promise.resolve()
    },
  }
  return { clock: () => now, latency, advance: (ms: number) => void (now += ms), elapsed: () => now - start }
}

const account = (name: string) => ({ '@odata.type': 'Microsoft.Dynamics.CRM.account', name })

// Calibration against Microsoft's sample timings: webapi.md §4.3 [S] (PowerApps-Samples bulk
// operations and parallel operations samples, 100 records, one user).
describe('cost model', () => {
  it('100 creates one at a time take about 10 s (≈10 rows/s)', async () => {
    const time = fakeTime()
    const api = await connect({ clock: time.clock, latency: time.latency })
    for (let i = 0; i < 100; i++)
      expect((await api.call('POST', 'accounts', { name: `A${i}` })).status).toBe(204)
    expect(time.elapsed()).toBe(10_000)
    expect(api.sim.executionMs()).toBe(100 * defaultCostModel.writeMs)
  })

  it('CreateMultiple of 100 takes about 1 s, UpsertMultiple of 100 about 2 s', async () => {
    const time = fakeTime()
    const api = await connect({ clock: time.clock, latency: time.latency })
    const targets = Array.from({ length: 100 }, (_, i) => account(`A${i}`))
    await api.call('POST', 'accounts/Microsoft.Dynamics.CRM.CreateMultiple', { Targets: targets })
    expect(time.elapsed()).toBe(1_030)
    const ids = api.sim.rows('account').map((r) => r.accountid)
    const before = time.elapsed()
    await api.call('POST', 'accounts/Microsoft.Dynamics.CRM.UpsertMultiple', {
      Targets: ids.map((id) => ({ ...account('B'), accountid: id })),
    })
    expect(time.elapsed() - before).toBe(2_030)
  })

  it('is off by default: no execution time, no waiting', async () => {
    const time = fakeTime()
    const api = await connect({ clock: time.clock })
    await api.call('POST', 'accounts', { name: 'A' })
    expect(api.sim.executionMs()).toBe(0)
    expect(time.elapsed()).toBe(0)
  })

  it('counts modelled execution time against the 1,200 s window (0x80072321)', async () => {
    const time = fakeTime()
    // 20 s of writes per request: the 61st request in the window finds 1,200 s used.
    const api = await connect({ clock: time.clock, costModel: { writeMs: 20_000 } })
    for (let i = 0; i < 61; i++) expect((await api.call('POST', 'accounts', { name: 'x' })).status).toBe(204)
    const throttled = await api.call('POST', 'accounts', { name: 'x' })
    expect(throttled.status).toBe(429)
    expect(errorOf(throttled).code).toBe('0x80072321')
    expect(throttled.headers.get('retry-after')).toBe('300')
  })

  it('holds the concurrency slot while a request takes its time', async () => {
    const waits: (() => void)[] = []
    const api = await connect({
      limits: { concurrent: 2 },
      latency: { sleep: () => new Promise<void>((resolve) => waits.push(resolve)) },
    })
    const pending = [api.call('GET', 'WhoAmI'), api.call('GET', 'WhoAmI')]
    await new Promise((resolve) => setTimeout(resolve, 20))
    const third = await api.call('GET', 'WhoAmI')
    expect(third.status).toBe(429)
    expect(errorOf(third).code).toBe('0x80072326')
    for (const resolve of waits.splice(0)) resolve()
    expect((await Promise.all(pending)).map((r) => r.status)).toEqual([200, 200])
  })
})
