import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createX2crmSimulator, FIXTURE_ADMIN_KEY, loadDump } from '../../sim/x2crm/index.ts'
import { MigrationError } from '../../src/errors.ts'
import { createX2crmClient } from '../../src/source/x2crm/client.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'

// The real instance, exported: 64 contacts, of which id 50 is private and assigned to "Anyone" (hidden from lists).
const dump: unknown = JSON.parse(
  readFileSync(new URL('../fixtures/x2crm/fixture/api-dump.json', import.meta.url), 'utf8'),
)

function fixtureClient(
  options: { apiKey?: string; rateLimit?: { maxRequests: number; intervalSeconds: number } } = {},
) {
  let now = 1795660000
  const sim = createX2crmSimulator({
    data: loadDump(dump),
    now: () => now,
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
  })
  const waits: number[] = []
  const client = createX2crmClient({
    url: 'http://127.0.0.1:8081/index.php/api2',
    username: 'admin',
    apiKey: options.apiKey ?? FIXTURE_ADMIN_KEY,
    fetch: fetchFor(sim.handle),
    sleep: async (ms) => {
      waits.push(ms)
      now += Math.ceil(ms / 1000)
    },
  })
  return { client, sim, waits }
}

async function ids(records: AsyncIterable<Readonly<Record<string, unknown>>>): Promise<number[]> {
  const seen: number[] = []
  for await (const record of records) seen.push(Number(record['id']))
  return seen
}

describe('X2CRM client against the simulator (fixture data)', () => {
  it.each([10, 20, 21, 1000])(
    'keyset paging with pages of %i reads every listed contact once, in id order',
    async (pageSize) => {
      const { client } = fixtureClient()
      const listed = await ids(client.records('Contacts', { pageSize }))
      expect(listed).toHaveLength(await client.count('Contacts'))
      expect(listed).toEqual([...listed].sort((a, b) => a - b))
      expect(new Set(listed).size).toBe(listed.length)
      expect(listed).not.toContain(50)
    },
  )

  it('is not fooled by the page-past-the-end clamp that plain _page paging falls into', async () => {
    const { client, sim } = fixtureClient()
    // The quirk itself: a page past the end repeats the last page instead of answering [].
    const auth = `Basic ${Buffer.from(`admin:${FIXTURE_ADMIN_KEY}`).toString('base64')}`
    const pastEnd = (await (
      await sim.handle(
        new Request('http://x/index.php/api2/Contacts?_limit=20&_page=50&_order=%2Bid', {
          headers: { Authorization: auth },
        }),
      )
    ).json()) as unknown[]
    expect(pastEnd.length).toBeGreaterThan(0)
    // The client pages by id, so it ends after the short page.
    const before = sim.requestCount()
    await ids(client.records('Contacts', { pageSize: 20 }))
    expect(sim.requestCount() - before).toBe(4)
  })

  it('finds a record hidden from lists by asking for it by id, and answers undefined for a deleted one', async () => {
    const { client } = fixtureClient()
    expect((await client.record('Contacts', 50))?.['id']).toBe(50)
    expect(await client.record('Accounts', 20)).toBeUndefined()
  })

  it('filters with operator prefixes alongside the keyset', async () => {
    const { client } = fixtureClient()
    const all = await ids(client.records('Contacts'))
    const recent = await ids(client.records('Contacts', { filters: { lastUpdated: '>1785297131' } }))
    expect(recent.length).toBeGreaterThan(0)
    expect(recent.length).toBeLessThan(all.length)
  })

  it('stops on a wrong API key with a message naming the user, never the key', async () => {
    const { client } = fixtureClient({ apiKey: 'wrong-key-123' })
    const error = await client.count('Contacts').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MigrationError)
    const text = `${String(error)} ${JSON.stringify(error)}`
    expect((error as Error).message).toContain('admin')
    expect(text).not.toContain('wrong-key-123')
    expect(text).not.toContain(Buffer.from('admin:wrong-key-123').toString('base64'))
  })

  it('waits out a 429 for the Retry-After the server sends, then goes on', async () => {
    const { client, waits } = fixtureClient({ rateLimit: { maxRequests: 2, intervalSeconds: 7 } })
    const listed = await ids(client.records('Contacts', { pageSize: 10 }))
    expect(listed).toHaveLength(63)
    // The simulator, like X2CRM, sends Retry-After = the rate-limit interval (7 s): the client waits exactly that.
    expect(waits.length).toBeGreaterThan(0)
    expect(new Set(waits)).toEqual(new Set([7000]))
  })
})
