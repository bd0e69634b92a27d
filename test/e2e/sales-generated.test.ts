import { describe, expect, it } from 'vitest'
import { createDataverseSimulator } from '../../sim/dataverse/index.ts'
import { generate } from '../../sim/seed/generate.ts'
import { addSales } from '../../sim/seed/sales.ts'
import { createX2crmSimulator } from '../../sim/x2crm/index.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from '../../src/cli/demo-users.ts'
import { createMemoryLedger } from '../../src/ledger/memory.ts'
import { builtInMapping } from '../../src/mapping/built-in-map.ts'
import { targetIdFor } from '../../src/mapping/target-id.ts'
import type { RunEvent } from '../../src/run/events.ts'
import { migrate } from '../../src/run/migrate.ts'
import { verify } from '../../src/run/verify.ts'
import { createX2crmClient } from '../../src/source/x2crm/client.ts'
import { withSalesClasses } from '../../src/source/x2crm/sales-classes.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../../src/target/dataverse/client.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'

describe('products, quotes and teams of generated data, with the built-in map', () => {
  it('loads every quote with its lines, closes them as X2CRM says, and gives group-owned records to teams', async () => {
    const { dataset } = generate({ seed: 13, accounts: 200, contacts: 100 })
    const { quoteLines } = addSales(dataset, { seed: 13, accounts: 200 })
    const x2crm = createX2crmSimulator({ data: dataset })
    const dataverse = createDataverseSimulator({})
    dataverse.seed('systemuser', demoSystemUsers(dataset.users))
    const settings = dataverse.settings()
    const dataverseFetch = fetchFor(dataverse.handle)
    const api = createX2crmClient({
      url: 'http://127.0.0.1/index.php/api2',
      username: 'admin',
      apiKey: dataset.apiKeys['admin'] ?? '',
      fetch: fetchFor(x2crm.handle),
    })
    // The quote lines as the database reader would serve them.
    const source = withSalesClasses(api, {
      async *quoteLines() {
        yield* quoteLines
      },
    })
    const target = createDataverseClient({
      url: settings.url,
      fetch: dataverseFetch,
      getToken: createMsalTokenProvider({ ...settings, fetch: dataverseFetch }).getToken,
      sleep: async () => {},
    })
    const events: RunEvent[] = []
    const deps = {
      source,
      target,
      ledger: createMemoryLedger(),
      emit: (e: RunEvent) => events.push(e),
      now: () => new Date(),
    }
    const mapping = builtInMapping()
    const result = await migrate(
      { instance: 'gen', mapping, batchSize: 50, defaultOwnerEmail: DEMO_DEFAULT_OWNER },
      deps,
    )
    expect(result.reconciliation.balanced).toBe(true)

    const rows = (table: string) => dataverse.rows(table)
    const quotes = dataset.records['Quote'] ?? []
    const products = dataset.records['Product'] ?? []
    expect(rows('product')).toHaveLength(products.length)
    expect(rows('product').filter((p) => p['statecode'] === 1)).toHaveLength(
      products.filter((p) => p['status'] === 'Inactive').length,
    )
    expect(rows('quote')).toHaveLength(quotes.length)
    const wanted = (status: string) => quotes.filter((q) => q['status'] === status).length
    expect(rows('quote').filter((q) => q['statecode'] === 2)).toHaveLength(wanted('Won'))
    expect(rows('quote').filter((q) => q['statecode'] === 3)).toHaveLength(wanted('Lost'))
    expect(rows('quote').filter((q) => q['statecode'] === 1)).toHaveLength(
      wanted('Presented') + wanted('Issued'),
    )
    // Lines of EUR products on USD quotes are in (the line carries its own price); all of them load.
    expect(rows('quotedetail')).toHaveLength(quoteLines.length)

    // The five groups became owner teams, and the accounts and quotes assigned to them are theirs.
    expect(
      rows('team')
        .filter((t) => t['teamtype'] === 0)
        .map((t) => t['name']),
    ).toEqual(expect.arrayContaining(['Sales EMEA', 'Sales NA', 'Support', 'Key Accounts', 'Partners']))
    const loaded = new Set(rows('account').map((a) => a['accountid']))
    const groupAccounts = (dataset.records['Accounts'] ?? []).filter(
      (a) =>
        /^\d+$/.test(String(a['assignedTo'])) && loaded.has(targetIdFor('gen', 'Accounts', Number(a['id']))),
    )
    expect(groupAccounts.length).toBeGreaterThan(0)
    const teamIds = new Set(rows('team').map((t) => t['teamid']))
    const teamOwned = rows('account').filter((a) => typeof a['_owningteam_value'] === 'string')
    expect(teamOwned).toHaveLength(groupAccounts.length)
    expect(teamOwned.every((a) => teamIds.has(a['_ownerid_value']))).toBe(true)

    // Quotes whose author has a Dataverse user were created as that user.
    expect(
      rows('quote').filter((q) => typeof q['_createdonbehalfby_value'] === 'string').length,
    ).toBeGreaterThan(0)

    const checked = await verify({ instance: 'gen', mapping }, deps)
    expect(checked.ok).toBe(true)
    const counts = Object.fromEntries(
      ['product', 'productpricelevel', 'pricelevel', 'quote', 'quotedetail', 'quoteclose', 'team'].map(
        (t) => [t, rows(t).length],
      ),
    )
    expect(counts['quoteclose']).toBe(wanted('Won') + wanted('Lost'))

    // A second run of the same data: a won or closed quote is read-only in Dataverse; unchanged, it is skipped as
    // such, not sent to be refused and quarantined, and no second quoteclose is written.
    const again = await migrate(
      { instance: 'gen', mapping, batchSize: 50, defaultOwnerEmail: DEMO_DEFAULT_OWNER },
      deps,
    )
    expect(again.reconciliation.balanced).toBe(true)
    const quotePhase = again.reconciliation.phases.find((p) => p.phase === 'Quote')
    expect(quotePhase).toMatchObject({ quarantined: 0, skipped: wanted('Won') + wanted('Lost') })
    expect(rows('quoteclose')).toHaveLength(wanted('Won') + wanted('Lost'))
  })
})
