import { describe, expect, it } from 'vitest'
import { createX2crmSimulator, DEFAULT_ADMIN_KEY, loadDump, type X2crmDataset } from './index.ts'
import { resolveRoute } from './routes.ts'

const NOW = 1_800_000_000

function dataset(): X2crmDataset {
  const data = loadDump({
    Accounts: [
      { id: 1, name: 'Acme', nameId: 'Acme_1', visibility: 1, assignedTo: 'admin', annualRevenue: 1500 },
      {
        id: 2,
        name: 'Globex',
        nameId: 'Globex_2',
        visibility: '1',
        assignedTo: 'Anyone',
        lastUpdated: '1799800000',
      },
      {
        id: 3,
        name: 'Hidden',
        nameId: 'Hidden_3',
        visibility: 0,
        assignedTo: 'Anyone',
        lastUpdated: NOW - 10,
      },
    ],
  })
  data.users.push({ id: 2, username: 'bob', userAlias: 'robert', emailAddress: 'bob@x.example', status: 1 })
  data.apiKeys.bob = 'bob-key'
  return data
}

function get(path: string, headers: Record<string, string> = {}, user = `admin:${DEFAULT_ADMIN_KEY}`) {
  return new Request(`http://x2crm.test${path}`, {
    headers: { Authorization: `Basic ${Buffer.from(user).toString('base64')}`, ...headers },
  })
}

describe('createX2crmSimulator', () => {
  it('types simple-shape values as GET returns them', async () => {
    const simulator = createX2crmSimulator({ data: dataset(), now: () => NOW })
    const response = await simulator.handle(get('/index.php/api2/Accounts/2.json'))
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(await response.json()).toMatchObject({ id: 2, visibility: 1, lastUpdated: 1799800000 })
    const acme = (await (await simulator.handle(get('/api2/Accounts/1.json'))).json()) as Record<
      string,
      unknown
    >
    expect(acme.annualRevenue).toBe('1500.00')
  })

  it('hides a private record assigned to Anyone from lists, id filters and count, not from {id}.json', async () => {
    const simulator = createX2crmSimulator({ data: dataset(), now: () => NOW })
    expect(await (await simulator.handle(get('/index.php/api2/Accounts/count'))).json()).toBe(2)
    expect(await (await simulator.handle(get('/index.php/api2/Accounts?id[]=1&id[]=3'))).json()).toHaveLength(
      1,
    )
    expect((await simulator.handle(get('/index.php/api2/Accounts/3.json'))).status).toBe(200)
  })

  it('resolves date codes with its clock', async () => {
    const simulator = createX2crmSimulator({ data: dataset(), now: () => NOW })
    simulator.upsert('Accounts', {
      id: 4,
      name: 'Fresh',
      visibility: 1,
      assignedTo: 'admin',
      lastUpdated: NOW - 60,
    })
    const rows = (await (
      await simulator.handle(get('/index.php/api2/Accounts?lastUpdated=%3Eyesterday'))
    ).json()) as {
      id: number
    }[]
    expect(rows.map((row) => row.id)).toEqual([4])
  })

  it('authenticates by userAlias and echoes the request headers in error bodies', async () => {
    const simulator = createX2crmSimulator({ data: dataset(), now: () => NOW })
    expect((await simulator.handle(get('/index.php/api2/Accounts', {}, 'robert:bob-key'))).status).toBe(200)
    const denied = await simulator.handle(get('/index.php/api2/Accounts', {}, 'bob:wrong'))
    expect(denied.status).toBe(401)
    expect(denied.headers.get('www-authenticate')).toBe('Basic realm="X2Engine API v2"')
    const body = (await denied.json()) as { reqHeaders: Record<string, string>; message: string }
    expect(body.message).toBe('Invalid user credentials.')
    expect(body.reqHeaders.Authorization).toBe(`Basic ${Buffer.from('bob:wrong').toString('base64')}`)
  })

  it('answers 415 to a non-JSON content type on any method', async () => {
    const simulator = createX2crmSimulator({ data: dataset(), now: () => NOW })
    const response = await simulator.handle(get('/index.php/api2/Accounts', { 'Content-Type': 'text/plain' }))
    expect(response.status).toBe(415)
  })

  it('rate-limits with 429 and Retry-After when configured', async () => {
    let now = NOW
    const simulator = createX2crmSimulator({
      data: dataset(),
      now: () => now,
      rateLimit: { maxRequests: 2, intervalSeconds: 30 },
    })
    expect((await simulator.handle(get('/index.php/api2/Accounts/count'))).status).toBe(200)
    expect((await simulator.handle(get('/index.php/api2/Accounts/count'))).status).toBe(200)
    const limited = await simulator.handle(get('/index.php/api2/Accounts/count'))
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('30')
    now += 30
    expect((await simulator.handle(get('/index.php/api2/Accounts/count'))).status).toBe(200)
    expect(simulator.requestCount()).toBe(4)
  })

  it('caps pages at maxPageSize and serves unknown fields lists as []', async () => {
    const simulator = createX2crmSimulator({ data: dataset(), now: () => NOW, maxPageSize: 1 })
    expect(await (await simulator.handle(get('/index.php/api2/Accounts?_limit=50'))).json()).toHaveLength(1)
    expect(await (await simulator.handle(get('/index.php/api2/Nope/fields'))).json()).toEqual([])
    expect((await simulator.handle(get('/index.php/api2/Nope'))).status).toBe(500)
  })

  it('creates, then removes with the test helper', async () => {
    const simulator = createX2crmSimulator({ data: dataset(), now: () => NOW })
    const created = await simulator.handle(
      new Request('http://x2crm.test/index.php/api2/Accounts', {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from(`admin:${DEFAULT_ADMIN_KEY}`).toString('base64')}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({ name: 'New Co', visibility: 1 }),
      }),
    )
    expect(created.status).toBe(201)
    expect(created.headers.get('location')).toBe('http://x2crm.test/index.php/api2/Accounts/4.json')
    simulator.remove('Accounts', 4)
    expect((await simulator.handle(get('/index.php/api2/Accounts/4.json'))).status).toBe(404)
  })
})

describe('resolveRoute', () => {
  it('maps the api2 URL rules', () => {
    expect(resolveRoute('/index.php/api2/Contacts/12.json')).toMatchObject({ action: 'model', id: '12' })
    expect(resolveRoute('/api2/Contacts/count.json')).toMatchObject({ action: 'count', base: '/api2' })
    expect(resolveRoute('/index.php/api2/Contacts/by:lastName=Link.json')).toMatchObject({
      findBy: 'lastName=Link',
    })
    expect(resolveRoute('/index.php/api2/Contacts/2/Actions/1.json')).toMatchObject({
      action: 'model',
      className: 'Actions',
      id: '1',
      injected: { associationType: 'Contacts', associationId: '2' },
    })
    expect(resolveRoute('/index.php/api2/tags/vip/Contacts')).toMatchObject({ injected: { _tags: 'vip' } })
    expect(resolveRoute('/index.php/api2/hooks/:5')).toMatchObject({ action: 'hooks', id: '5' })
  })

  it('does not route what X2CRM does not', () => {
    expect(resolveRoute('/index.php/api2/Contacts/12')).toBeUndefined()
    expect(resolveRoute('/index.php/api2/doesNotExist')).toBeUndefined()
    expect(resolveRoute('/index.php/api2/Contacts/1/2/3/4')).toBeUndefined()
    expect(resolveRoute('/other/Contacts')).toBeUndefined()
  })
})

describe('relationships read by keyset', () => {
  it('pages exactly as the whole-table filter does, and falls back to it out of id order', async () => {
    const data = dataset()
    data.relationships = Array.from({ length: 25 }, (_, i) => ({
      id: i + 1,
      firstType: 'Accounts',
      firstId: (i % 3) + 1,
      firstLabel: null,
      secondType: 'Contacts',
      secondId: i + 100,
      secondLabel: i % 2 === 0 ? 'knows' : null,
    }))
    const simulator = createX2crmSimulator({ data, now: () => NOW })
    const page = async (query: string) =>
      (await (await simulator.handle(get(`/index.php/api2/relationships?${query}`))).json()) as {
        id: unknown
      }[]
    for (const [after, limit] of [
      [0, 10],
      [9, 3],
      [24, 5],
      [25, 5],
      [7, 1000],
    ] as const) {
      // `_page=0` is the same first page, read through the whole-table filter and sort.
      const keyset = await page(`_order=%2Bid&_limit=${limit}&id=%3E${after}`)
      const whole = await page(`_order=%2Bid&_limit=${limit}&id=%3E${after}&_page=0`)
      expect(keyset).toEqual(whole)
      expect(keyset.map((r) => Number(r.id))).toEqual(
        Array.from({ length: Math.max(0, Math.min(limit, 25 - after)) }, (_, i) => after + i + 1),
      )
    }
    // Out of id order (a row moved), the read still answers in id order.
    data.relationships.reverse()
    const shuffled = createX2crmSimulator({ data, now: () => NOW })
    const rows = (await (
      await shuffled.handle(get('/index.php/api2/relationships?_order=%2Bid&_limit=4&id=%3E20'))
    ).json()) as { id: unknown }[]
    expect(rows.map((r) => Number(r.id))).toEqual([21, 22, 23, 24])
  })
})
