import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMysqlSource, type MysqlSource } from '../../src/source/x2crm/mysql/source.ts'
import type { X2crmRecord } from '../../src/source/x2crm/types.ts'
import { createScratchDatabase, FIXTURE_SQL, type ScratchDatabase } from '../helpers/mariadb.ts'

/**
 * The database reader's change finder on the real X2CRM 7.1 fixture (its x2_changelog holds field changes of
 * Accounts 14 and Contacts 65/66 and three deletes, at 1795665006–1795665135), and `records({ ids })`.
 */
let scratch: ScratchDatabase
let source: MysqlSource
beforeAll(async () => {
  scratch = await createScratchDatabase('changes', { load: FIXTURE_SQL })
  source = createMysqlSource({ url: scratch.url, password: '' })
})
afterAll(async () => {
  await source?.close()
  await scratch?.drop()
})

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of items) out.push(item)
  return out
}

const sorted = (ids: ReadonlySet<number>) => [...ids].sort((a, b) => a - b)

describe('the MySQL change finder', () => {
  it('lists every id above 0, ascending, as the table holds them (hidden records included)', async () => {
    const ids = await all(source.changes.ids('Contacts'))
    const rows = (await scratch.admin('SELECT id FROM x2_contacts WHERE id > 0 ORDER BY id')) as {
      id: number
    }[]
    expect(ids).toEqual(rows.map((r) => r.id))
    expect(ids).toContain(50)
  })

  it('lists every id and name as a full read of records() holds them, without reading records', async () => {
    for (const entity of ['Accounts', 'Contacts']) {
      const listed = source.changes.names?.(entity)
      if (listed === undefined) throw new Error('the MySQL finder lists names')
      const names = await all(listed)
      const records = await all(source.records(entity))
      expect(names.length).toBeGreaterThan(0)
      expect(names).toEqual(records.map((r) => ({ id: Number(r.id), name: r['name'] })))
    }
    // ProductPrices are made by x2d365 from Product rows: their names are read from the records.
    expect(source.changes.names?.('ProductPrices')).toBeUndefined()
  })

  it("finds the fixture's logged changes from a watermark on, and none after them", async () => {
    // Accounts 14's parentAccount change (1795665006) and Accounts 20's delete (1795665038) are logged.
    expect(sorted(await source.changes.touched('Accounts', 1795665000))).toEqual(
      expect.arrayContaining([14, 20]) as unknown,
    )
    const late = await source.changes.touched('Contacts', 1795665120)
    expect(late.has(66)).toBe(true)
    expect(late.has(65)).toBe(false)
    // Far in the future: only records whose lastUpdated X2CRM holds in the future would be marked.
    const future = (await scratch.admin(
      'SELECT id FROM x2_contacts WHERE lastUpdated >= 4102444800 ORDER BY id',
    )) as { id: number }[]
    expect(sorted(await source.changes.touched('Contacts', 4102444800))).toEqual(future.map((r) => r.id))
  })

  it('finds a new lastUpdated, a tag added, and a Product field change X2CRM logs under type "Products"', async () => {
    const clock = (await scratch.admin('SELECT UNIX_TIMESTAMP() AS now')) as { now: number }[]
    const now = Number(clock[0]?.now)
    expect(Math.abs((await source.changes.now()) - now)).toBeLessThan(5)
    await scratch.admin('UPDATE x2_contacts SET lastUpdated = ? WHERE id = 2', [now])
    await scratch.admin(
      "INSERT INTO x2_tags (type, itemId, taggedBy, tag, itemName, timestamp) VALUES ('Contacts', 7, 'admin', '#new', 'x', ?)",
      [now],
    )
    // ChangeLogBehavior::updateChangelog pluralizes Product (and Quote; Campaign becomes Marketing).
    const [product] = (await scratch.admin('SELECT id FROM x2_products ORDER BY id LIMIT 1')) as {
      id: number
    }[]
    await scratch.admin(
      "INSERT INTO x2_changelog (type, itemId, changedBy, fieldName, newValue, diff, timestamp) VALUES ('Products', ?, 'admin', 'price', '9', 0, ?)",
      [product?.id, now],
    )
    expect(sorted(await source.changes.touched('Contacts', now))).toEqual([2, 7])
    expect(sorted(await source.changes.touched('Product', now))).toEqual([product?.id])
    // ProductPrices (derived from products, under their ids) takes the marks of Product.
    expect(sorted(await source.changes.touched('ProductPrices', now))).toEqual([product?.id])
    expect(source.changes.covers('QuoteLines')).toBe(false)
  })
})

describe('records({ ids })', () => {
  it('reads exactly the ids asked for, ascending, as records() reads them', async () => {
    const every = await all(source.records('Actions'))
    const wanted = [every[5], every[0], every[2]].map((r) => Number(r?.id))
    const chosen = await all(source.records('Actions', { ids: [...wanted, 999_999] }))
    const byId = new Map(every.map((r) => [Number(r.id), r]))
    expect(chosen.map((r) => Number(r.id))).toEqual([...wanted].sort((a, b) => a - b))
    // The side tables (description, event status) are joined as for a full read.
    for (const record of chosen) expect(record).toEqual(byId.get(Number(record.id)) as X2crmRecord)
  })

  it('takes no afterId or filters with ids', async () => {
    await expect(all(source.records('Contacts', { ids: [1], afterId: 0 }))).rejects.toThrow(
      /takes no afterId or filters/,
    )
  })
})
