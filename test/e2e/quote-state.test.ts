import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createDataverseSimulator } from '../../sim/dataverse/index.ts'
import { createX2crmSimulator, FIXTURE_ADMIN_KEY, loadDump } from '../../sim/x2crm/index.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from '../../src/cli/demo-users.ts'
import type { WriteIntent } from '../../src/ledger/intent-store.ts'
import { createMemoryLedger } from '../../src/ledger/memory.ts'
import { defaultMapping } from '../../src/mapping/default-map.ts'
import { salesMaps } from '../../src/mapping/default-sales.ts'
import { targetIdFor } from '../../src/mapping/target-id.ts'
import type { Mapping } from '../../src/mapping/types.ts'
import { CLOSING_PHASES, undoClosingRows } from '../../src/run/closing-intents.ts'
import { delta } from '../../src/run/delta.ts'
import type { RunEvent } from '../../src/run/events.ts'
import { migrate } from '../../src/run/migrate.ts'
import { rollback } from '../../src/run/rollback.ts'
import { createX2crmClient } from '../../src/source/x2crm/client.ts'
import { withSalesClasses, type QuoteLineReader } from '../../src/source/x2crm/sales-classes.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../../src/target/dataverse/client.ts'
import type { DataverseBulkTarget } from '../../src/target/dataverse/types.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'
import { x2crmChanger } from '../helpers/x2crm-change.ts'

/**
 * Quotes and products after the load, against the X2CRM and Dataverse simulators: each quote WinQuote or CloseQuote
 * may close is recorded before the request leaves (its quoteclose row gets an id only Dataverse knows), so a run killed
 * right after a WinQuote is rolled back to nothing; and a delta gives the products and quotes X2CRM changed the state
 * X2CRM says, as migrate does.
 */
const dump = JSON.parse(
  readFileSync(new URL('../fixtures/x2crm/fixture/api-dump.json', import.meta.url), 'utf8'),
) as { records: Record<string, Record<string, unknown>[]> }

const quote = (n: number, status: string) => ({
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
})

const lines: QuoteLineReader = {
  async *quoteLines() {
    yield { id: 1, quoteId: 1000, productId: 1, name: 'X2 Widget', quantity: '2.00', price: '19.99' }
    yield { id: 2, quoteId: 1002, productId: null, name: 'Installation', quantity: '1.00', price: '250.00' }
  },
}

function setUp() {
  const copy = structuredClone(dump)
  copy.records['Quote'] = [
    quote(1000, 'Draft'),
    quote(1001, 'Presented'),
    quote(1002, 'Won'),
    quote(1003, 'Lost'),
  ]
  const x2crm = createX2crmSimulator({ data: loadDump(copy) })
  const dataverse = createDataverseSimulator({})
  dataverse.seed('systemuser', demoSystemUsers(loadDump(structuredClone(copy)).users))
  dataverse.seed('transactioncurrency', [
    {
      transactioncurrencyid: targetIdFor('test', 'currency', 'EUR'),
      isocurrencycode: 'EUR',
      currencyname: 'EUR',
      currencysymbol: 'EUR',
      currencyprecision: 2,
      exchangerate: 1.1,
    },
  ])
  const settings = dataverse.settings()
  const fetch = fetchFor(dataverse.handle)
  const api = createX2crmClient({
    url: 'http://127.0.0.1/index.php/api2',
    username: 'admin',
    apiKey: FIXTURE_ADMIN_KEY,
    fetch: fetchFor(x2crm.handle),
  })
  const target = createDataverseClient({
    url: settings.url,
    fetch,
    getToken: createMsalTokenProvider({ ...settings, fetch }).getToken,
    sleep: async () => {},
  })
  const events: RunEvent[] = []
  const deps = {
    source: withSalesClasses(api, lines),
    target,
    ledger: createMemoryLedger(),
    emit: (e: RunEvent) => events.push(e),
    now: () => new Date(),
  }
  /** A change made in X2CRM through its API, as a person would. */
  const change = x2crmChanger(x2crm.handle)
  return { deps, events, change, rows: (table: string) => dataverse.rows(table) }
}

/** A process that dies right after the request `dies` says was applied: the call goes through, then throws. */
function dyingAfter(
  target: DataverseBulkTarget,
  dies: (method: string, args: unknown[]) => boolean,
): DataverseBulkTarget {
  let died = false
  return new Proxy(target, {
    get(real, property, receiver) {
      const value: unknown = Reflect.get(real, property, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        if (died) throw new Error('the process is gone')
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(real, args)
        if (!(result instanceof Promise)) return result
        return result.then((settled: unknown) => {
          if (!dies(String(property), args)) return settled
          died = true
          throw new Error(`killed right after ${String(property)} was applied`)
        })
      }
    },
  })
}

const mapping: Mapping = { entities: [...defaultMapping().entities, ...salesMaps()] }
const options = { instance: 'fixture', mapping, batchSize: 25, defaultOwnerEmail: DEMO_DEFAULT_OWNER }
const id = (entity: string, n: number) => targetIdFor('fixture', entity, n)

describe('a run killed right after WinQuote, then rolled back', () => {
  it('leaves no quote and no quoteclose: the ledger named the quote before the action left', async () => {
    const { deps, rows } = setUp()
    const target = dyingAfter(
      deps.target,
      (method, args) => method === 'callAction' && args[0] === 'WinQuote',
    )
    await expect(migrate(options, { ...deps, target })).rejects.toThrow(/killed right after callAction/)
    // Quote 1002 won (its quoteclose is in), 1003 not closed yet: the process died first.
    expect(rows('quote').find((q) => q['quoteid'] === id('Quote', 1002))).toMatchObject({ statecode: 2 })
    expect(rows('quoteclose')).toHaveLength(1)

    const [run] = await deps.ledger.runs()
    expect(run?.status).toBe('running')
    const intents: WriteIntent[] = []
    for await (const intent of deps.ledger.intents.all(run?.runId ?? '')) intents.push(intent)
    expect(
      intents.filter((i) => i.phase === CLOSING_PHASES.quoteCloses).map((i) => [i.targetId, i.entitySet]),
    ).toEqual([[id('Quote', 1002), 'quotecloses']])

    // Undone from the intents alone: the quoteclose goes (a won quote cannot be reopened; the load's undo deletes it).
    const undone = await undoClosingRows(run ?? { runId: '', startedAt: '' }, deps.ledger, deps.target)
    // The default map's 13 won and lost deals' opportunityclose rows, and the quoteclose.
    expect(undone).toMatchObject({ deleted: 13 + 1, opportunityCloses: 13 })
    expect(rows('quoteclose')).toEqual([])

    const result = await rollback({ mapping }, deps)
    expect(result).toMatchObject({ verified: true, remaining: [] })
    for (const table of ['quoteclose', 'quote', 'quotedetail', 'product', 'account', 'contact'])
      expect(rows(table), table).toEqual([])
  })
})

describe('delta re-applies the state of quotes and products', () => {
  it('activates, wins and closes the quotes X2CRM moved on; retires and activates again the products; rollback puts the products back and names the quotes it cannot', async () => {
    const { deps, events, change, rows } = setUp()
    const migrated = await migrate(options, deps)
    expect(migrated.reconciliation.balanced).toBe(true)
    const quoteRow = (n: number) => rows('quote').find((q) => q['quoteid'] === id('Quote', n))
    const product = (n: number) => rows('product').find((p) => p['productid'] === id('Product', n))
    expect([quoteRow(1000), quoteRow(1001)]).toMatchObject([{ statecode: 0 }, { statecode: 1 }])
    expect([product(1), product(9)]).toMatchObject([{ statecode: 0 }, { statecode: 1 }])
    expect(rows('quoteclose')).toHaveLength(2)

    // During the cutover: the draft quote is won, the presented one lost; product 1 retired, product 9 active again.
    await change('Quote', 1000, { status: 'Won' })
    await change('Quote', 1001, { status: 'Lost' })
    await change('Product', 1, { status: 'Inactive' })
    await change('Product', 9, { status: 'Active' })
    const cutover = await delta(options, deps)
    expect(cutover.reconciliation.balanced).toBe(true)

    expect(quoteRow(1000)).toMatchObject({ statecode: 2, statuscode: 4 })
    expect(quoteRow(1001)).toMatchObject({ statecode: 3, statuscode: 5 })
    expect(product(1)).toMatchObject({ statecode: 1, statuscode: 2 })
    expect(product(9)).toMatchObject({ statecode: 0, statuscode: 1 })
    expect(rows('quoteclose')).toHaveLength(4)
    expect(events.filter((e) => e.type === 'sales.finished').at(-1)).toMatchObject({
      activated: 1,
      won: 1,
      closed: 1,
      retired: 1,
      published: 1,
      failed: [],
    })
    // Each close of the delta was named before it left.
    const intents: WriteIntent[] = []
    for await (const intent of deps.ledger.intents.all(cutover.runId)) intents.push(intent)
    expect(
      intents
        .filter((i) => i.phase === CLOSING_PHASES.quoteCloses)
        .map((i) => i.targetId)
        .sort(),
    ).toEqual([id('Quote', 1000), id('Quote', 1001)].sort())

    // Nothing changed since: a second delta changes no state.
    const before = events.length
    await delta(options, deps)
    expect(events.slice(before).filter((e) => e.type === 'sales.finished')).toEqual([])

    // A won quote is read-only in Dataverse: X2CRM renaming it is skipped and said so, not sent to be refused, and not
    // found again by the next delta.
    await change('Quote', 1002, { name: 'Quote 1002 renamed' })
    const renamed = await delta(options, deps)
    expect(renamed.reconciliation.balanced).toBe(true)
    expect(renamed.changes.filter((c) => c.phase === 'Quote')).toEqual([
      expect.objectContaining({
        sourceKey: 'Quote:1002',
        outcome: 'skipped',
        detail: expect.stringContaining('won in Dataverse and read-only') as string,
      }),
    ])
    expect(quoteRow(1002)).toMatchObject({ name: 'Quote 1002', statecode: 2 })
    const next = await delta(options, deps)
    expect(next.changes.filter((c) => c.phase === 'Quote')).toEqual([])

    // Rolling the deltas back: the products go back to their state (Activate, Retire), their images held it; the
    // quotes cannot (a won or closed quote is read-only; ReviseQuote makes a new draft revision), and the rollback
    // says so: not verified, their state the mismatch.
    const undone = await rollback({ mapping, runId: cutover.runId }, deps)
    expect(product(1)).toMatchObject({ statecode: 0, statuscode: 1 })
    expect(product(9)).toMatchObject({ statecode: 1, statuscode: 2 })
    expect(undone.verified).toBe(false)
    expect(undone.remaining).toEqual([])
    expect(undone.mismatched.map((m) => [m.targetId, m.columns]).sort()).toEqual(
      [
        [id('Quote', 1000), ['statecode', 'statuscode']],
        [id('Quote', 1001), ['statecode', 'statuscode']],
      ].sort(),
    )
    expect([quoteRow(1000), quoteRow(1001)]).toMatchObject([{ statecode: 2 }, { statecode: 3 }])
  })
})
