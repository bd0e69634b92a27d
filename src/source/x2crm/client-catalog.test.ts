import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Fetch } from '../../http/fetch.ts'
import { createX2crmClient, withTimeout } from './client.ts'

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

function clientWith(fetch: Fetch, extra: { timeoutMs?: number } = {}) {
  const waits: number[] = []
  const client = createX2crmClient({
    url: 'https://crm.example.test',
    username: 'admin',
    apiKey: 'k3y',
    fetch,
    sleep: async (ms) => {
      waits.push(ms)
    },
    ...extra,
  })
  return { client, waits }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('catalog reads', () => {
  it('parses dropdowns whose options came as an object, an empty array, or strings for numbers', async () => {
    const { client } = clientWith(async () =>
      json([
        { id: '1000', name: 'Region', options: { NA: 'North America' }, multi: '0' },
        { id: 1001, name: 'Empty', options: [], multi: 1 },
      ]),
    )
    expect(await client.dropdowns()).toEqual([
      { id: 1000, name: 'Region', options: { NA: 'North America' }, multi: false },
      { id: 1001, name: 'Empty', options: {}, multi: true },
    ])
  })

  it('reads relationships by keyset paging and tags per record (a 404 is no tags)', async () => {
    const urls: string[] = []
    const { client } = clientWith(async (input) => {
      const url = new URL(input instanceof Request ? input.url : input)
      urls.push(url.pathname + url.search)
      if (url.pathname.endsWith('/tags'))
        return url.pathname.includes('/9/') ? json({ message: 'gone' }, 404) : json(['#vip'])
      const after = Number(url.searchParams.get('id')?.slice(1))
      const rows = [1, 2, 3].filter((id) => id > after).slice(0, 2)
      return json(
        rows.map((id) => ({
          id,
          firstType: 'Contacts',
          firstId: id,
          firstLabel: '',
          secondType: 'Accounts',
          secondId: '7',
          secondLabel: null,
        })),
      )
    })
    const relationships = []
    for await (const row of client.relationships({ pageSize: 2 })) relationships.push(row)
    expect(relationships.map((row) => [row.id, row.secondId, row.firstLabel])).toEqual([
      [1, 7, null],
      [2, 7, null],
      [3, 7, null],
    ])
    expect(await client.tags('Contacts', 1)).toEqual(['#vip'])
    expect(await client.tags('Contacts', 9)).toEqual([])
    expect(urls[0]).toBe('/index.php/api2/relationships?_order=%2Bid&_limit=2&id=%3E0')
  })
})

describe('withTimeout', () => {
  it('abandons a request that never answers, and the client retries it', async () => {
    vi.useFakeTimers()
    let calls = 0
    const hanging: Fetch = () => {
      calls++
      return calls === 1 ? new Promise<Response>(() => undefined) : Promise.resolve(json(3))
    }
    const { client, waits } = clientWith(hanging, { timeoutMs: 1000 })
    const counted = client.count('Contacts')
    await vi.advanceTimersByTimeAsync(1000)
    expect(await counted).toBe(3)
    expect(calls).toBe(2)
    expect(waits).toHaveLength(1)
  })

  it('fails with ETIMEDOUT even when the fetch ignores the abort signal', async () => {
    vi.useFakeTimers()
    const timed = withTimeout(() => new Promise<Response>(() => undefined), 50)
    const result = timed('https://x').catch((error: unknown) => error)
    await vi.advanceTimersByTimeAsync(50)
    expect(await result).toMatchObject({ code: 'ETIMEDOUT' })
  })
})
