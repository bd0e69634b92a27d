import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createDataverseSimulator } from '../../sim/dataverse/index.ts'
import { createX2crmSimulator, FIXTURE_ADMIN_KEY, loadDump } from '../../sim/x2crm/index.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from '../../src/cli/demo-users.ts'
import { createMemoryLedger } from '../../src/ledger/memory.ts'
import { defaultMapping } from '../../src/mapping/default-map.ts'
import { salesMaps } from '../../src/mapping/default-sales.ts'
import { targetIdFor } from '../../src/mapping/target-id.ts'
import type { Mapping } from '../../src/mapping/types.ts'
import type { RunEvent } from '../../src/run/events.ts'
import { migrate } from '../../src/run/migrate.ts'
import { verify } from '../../src/run/verify.ts'
import { createX2crmClient } from '../../src/source/x2crm/client.ts'
import { withSalesClasses, type QuoteLineReader } from '../../src/source/x2crm/sales-classes.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../../src/target/dataverse/client.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'

const dump = JSON.parse(
  readFileSync(new URL('../fixtures/x2crm/fixture/api-dump.json', import.meta.url), 'utf8'),
) as { records: Record<string, Record<string, unknown>[]> }

type Line = Parameters<typeof lineReader>[0][number]
const lineReader = (
  lines: {
    id: number
    quoteId: number
    productId: number | null
    name: string
    quantity: string
    price: string
  }[],
): QuoteLineReader => ({
  async *quoteLines() {
    for (const line of lines) yield line
  },
})

function setUp(options: { currencies?: string[]; quotes?: Record<string, unknown>[]; lines?: Line[] } = {}) {
  const copy = structuredClone(dump)
  if (options.quotes !== undefined) copy.records['Quote'] = options.quotes
  const dataset = loadDump(copy)
  const x2crm = createX2crmSimulator({ data: dataset })
  const dataverse = createDataverseSimulator({})
  dataverse.seed('systemuser', demoSystemUsers(dataset.users))
  for (const code of options.currencies ?? [])
    dataverse.seed('transactioncurrency', [
      {
        transactioncurrencyid: targetIdFor('test', 'currency', code),
        isocurrencycode: code,
        currencyname: code,
        currencysymbol: code,
        currencyprecision: 2,
        exchangerate: 1.1,
      },
    ])
  const settings = dataverse.settings()
  const dataverseFetch = fetchFor(dataverse.handle)
  const api = createX2crmClient({
    url: 'http://127.0.0.1/index.php/api2',
    username: 'admin',
    apiKey: FIXTURE_ADMIN_KEY,
    fetch: fetchFor(x2crm.handle),
  })
  const target = createDataverseClient({
    url: settings.url,
    fetch: dataverseFetch,
    getToken: createMsalTokenProvider({ ...settings, fetch: dataverseFetch }).getToken,
    sleep: async () => {},
  })
  const events: RunEvent[] = []
  const deps = {
    source: withSalesClasses(api, lineReader(options.lines ?? [])),
    target,
    ledger: createMemoryLedger(),
    emit: (e: RunEvent) => events.push(e),
    now: () => new Date(),
  }
  return { dataverse, deps, events, rows: (table: string) => dataverse.rows(table) }
}

const mapping = (): Mapping => ({ entities: [...defaultMapping().entities, ...salesMaps()] })
const options = {
  instance: 'fixture',
  mapping: mapping(),
  batchSize: 25,
  defaultOwnerEmail: DEMO_DEFAULT_OWNER,
}
const id = (entity: string, n: number) => targetIdFor('fixture', entity, n)

describe('products and price lists, in process against the fixture', () => {
  it('loads the 10 products in a unit group, a price list per currency with an item each, published, 1 retired', async () => {
    const { deps, events, rows } = setUp({ currencies: ['EUR'] })
    const result = await migrate(options, deps)
    expect(result.reconciliation.balanced).toBe(true)

    expect(rows('uomschedule')).toEqual([expect.objectContaining({ name: 'Default Unit' })])
    const [unit] = rows('uom')
    expect(unit).toMatchObject({ name: 'Primary Unit' })
    const lists = rows('pricelevel')
    expect(lists.map((l) => l['name']).sort()).toEqual(['X2CRM EUR', 'X2CRM USD'])

    const products = rows('product')
    expect(products).toHaveLength(10)
    // Every product in the unit group, with the default unit; published; the fixture's one inactive product retired.
    for (const p of products) expect(p['_defaultuomid_value']).toBe(unit?.['uomid'])
    const state = (n: number) => products.find((p) => p['productid'] === id('Product', n))
    expect(state(1)).toMatchObject({ name: 'X2 Widget', productnumber: '1', price: 19.99, statecode: 0 })
    expect(state(9)).toMatchObject({ statecode: 1, statuscode: 2 })
    expect(products.filter((p) => p['statecode'] === 0)).toHaveLength(9)

    // One price list item per product, in the price list of its currency, at its price.
    const items = rows('productpricelevel')
    expect(items).toHaveLength(10)
    const eur = lists.find((l) => l['name'] === 'X2CRM EUR')?.['pricelevelid']
    expect(items.find((i) => i['_productid_value'] === id('Product', 8))).toMatchObject({
      _pricelevelid_value: eur,
      amount: 12.3,
      _uomid_value: unit?.['uomid'],
    })
    expect(events.find((e) => e.type === 'sales.finished')).toMatchObject({ published: 10, retired: 1 })

    const checked = await verify({ instance: 'fixture', mapping: options.mapping }, deps)
    expect(checked.entities.find((e) => e.entity === 'Product')).toMatchObject({ checked: 10, matched: 10 })
    expect(checked.ok).toBe(true)

    // A second run changes no state and creates no second catalog.
    const again = await migrate(options, deps)
    expect(again.reconciliation.balanced).toBe(true)
    expect(rows('pricelevel')).toHaveLength(2)
    expect(rows('uomschedule')).toHaveLength(1)
    expect(rows('product').filter((p) => p['statecode'] === 1)).toHaveLength(1)
  })

  it('a currency Dataverse lacks is reported; its product loads without a price list item', async () => {
    const { deps, events, rows } = setUp()
    const result = await migrate(options, deps)
    expect(events.find((e) => e.type === 'sales.catalog')).toMatchObject({ missingCurrencies: ['EUR'] })
    expect(rows('product')).toHaveLength(10)
    expect(rows('pricelevel')).toHaveLength(1)
    const item = result.reconciliation.phases.find((p) => p.phase === 'Product→price list item')
    expect(item).toBeDefined()
    const eurItem = rows('productpricelevel').find((i) => i['_productid_value'] === id('Product', 8))
    expect(eurItem?.['_pricelevelid_value'] ?? null).toBeNull()
  })
})

const quote = (n: number, status: string, extra: Record<string, unknown> = {}) => ({
  createdBy: 'jsmith',
  id: n,
  name: `Quote ${n}`,
  nameId: `Quote ${n}_${n}`,
  status,
  currency: 'USD',
  accountName: null,
  assignedTo: 'admin',
  createDate: 1700000000 + n,
  lastUpdated: 1700100000 + n,
  ...extra,
})

describe('quotes and their lines, in process', () => {
  it('loads quotes with catalog and write-in lines, then activates, wins and closes them as X2CRM says', async () => {
    const quotes = [
      quote(1000, 'Draft'),
      quote(1001, 'Presented'),
      quote(1002, 'Won', { currency: 'EUR' }),
      // lchen has no Dataverse user in the demo's set: created by the application user, with a warning.
      quote(1003, 'Lost', { createdBy: 'lchen' }),
    ]
    const lines: Line[] = [
      { id: 1, quoteId: 1000, productId: 1, name: 'X2 Widget', quantity: '2.00', price: '19.99' },
      { id: 2, quoteId: 1000, productId: null, name: 'Installation', quantity: '1.00', price: '250.00' },
      { id: 3, quoteId: 1002, productId: 8, name: 'Euro Widget', quantity: '5.00', price: '12.30' },
      { id: 4, quoteId: 1003, productId: 0, name: 'Consulting day', quantity: '3.00', price: '900.00' },
    ]
    const { deps, rows } = setUp({ currencies: ['EUR'], quotes, lines })
    const result = await migrate(options, deps)
    expect(result.reconciliation.balanced).toBe(true)

    const byId = (n: number) => rows('quote').find((q) => q['quoteid'] === id('Quote', n))
    expect(rows('quote')).toHaveLength(4)
    expect(byId(1000)).toMatchObject({ statecode: 0 })
    expect(byId(1001)).toMatchObject({ statecode: 1, statuscode: 2 })
    expect(byId(1002)).toMatchObject({ statecode: 2, statuscode: 4 })
    expect(byId(1003)).toMatchObject({ statecode: 3, statuscode: 5 })
    const eur = rows('pricelevel').find((l) => l['name'] === 'X2CRM EUR')
    expect(byId(1002)?.['_pricelevelid_value']).toBe(eur?.['pricelevelid'])
    expect(byId(1002)?.['_transactioncurrencyid_value']).toBe(eur?.['_transactioncurrencyid_value'])
    expect(rows('quoteclose')).toHaveLength(2)

    // Created as their X2CRM author (CallerObjectId): jsmith's user is createdby, the application user created on
    // its behalf; lchen has no Dataverse user, so the application user created it, and the record says so.
    const jsmith = rows('systemuser').find((u) => u['internalemailaddress'] === 'Jsmith@example.com')
    expect(byId(1000)).toMatchObject({ _createdby_value: jsmith?.['systemuserid'] })
    expect(byId(1000)?.['_createdonbehalfby_value']).toBeTruthy()
    expect(byId(1003)?.['_createdby_value']).not.toBe(jsmith?.['systemuserid'])
    expect(byId(1003)?.['_createdonbehalfby_value'] ?? null).toBeNull()
    const warnings: string[] = []
    for await (const o of deps.ledger.outcomes(result.runId, 'Quote')) warnings.push(...(o.warnings ?? []))
    expect(
      warnings.filter((w) => w.startsWith('createdBy: X2CRM user "lchen" has no enabled Dataverse user')),
    ).toHaveLength(1)

    const details = rows('quotedetail')
    expect(details).toHaveLength(4)
    const line = (n: number) => details.find((d) => d['quotedetailid'] === id('QuoteLines', n))
    expect(line(1)).toMatchObject({
      _quoteid_value: id('Quote', 1000),
      _productid_value: id('Product', 1),
      quantity: 2,
      priceperunit: 19.99,
      isproductoverridden: false,
    })
    expect(line(1)?.['_uomid_value']).toBe(rows('uom')[0]?.['uomid'])
    expect(line(2)).toMatchObject({ isproductoverridden: true, productdescription: 'Installation' })
    expect(line(2)?.['_productid_value'] ?? null).toBeNull()
    expect(line(4)).toMatchObject({ isproductoverridden: true, productdescription: 'Consulting day' })

    const checked = await verify({ instance: 'fixture', mapping: options.mapping }, deps)
    expect(checked.entities.find((e) => e.entity === 'Quote lines→quotedetail')).toMatchObject({
      checked: 4,
      matched: 4,
    })
    expect(checked.ok).toBe(true)
  })
})
