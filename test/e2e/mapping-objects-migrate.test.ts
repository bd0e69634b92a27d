import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { createDataverseSimulator } from '../../sim/dataverse/index.ts'
import { generate } from '../../sim/seed/generate.ts'
import { addSales } from '../../sim/seed/sales.ts'
import { createX2crmSimulator } from '../../sim/x2crm/index.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from '../../src/cli/demo-users.ts'
import { loadConfirmedMapping } from '../../src/cli/inputs.ts'
import { buildProgram } from '../../src/cli/program.ts'
import { discover } from '../../src/discover/discover.ts'
import { sourceKeyOf } from '../../src/domain/source-key.ts'
import { createMemoryLedger } from '../../src/ledger/memory.ts'
import type { RunEvent } from '../../src/run/events.ts'
import { rowPhaseName } from '../../src/plan/plan-load.ts'
import { migrate } from '../../src/run/migrate.ts'
import { applySchema } from '../../src/schema/apply-schema.ts'
import { planSchema, tablesOf } from '../../src/schema/plan-schema.ts'
import { readTargetSchema } from '../../src/schema/read-target-schema.ts'
import { createX2crmClient } from '../../src/source/x2crm/client.ts'
import type { RelatedReaders } from '../../src/source/x2crm/related.ts'
import { withSalesClasses } from '../../src/source/x2crm/sales-classes.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../../src/target/dataverse/client.ts'
import { createDataverseMetadataClient } from '../../src/target/dataverse/metadata.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'
import { defaultTargetSchema } from './mapping-schemas.ts'

const dir = mkdtempSync(join(tmpdir(), 'x2d365-objects-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
afterEach(() => vi.restoreAllMocks())

/** Runs `x2d365 map …` in-process, its output captured; returns the exit code and the output. */
async function map(...args: string[]): Promise<{ code: number; output: string }> {
  let output = ''
  const capture = (chunk: string | Uint8Array) => {
    output += String(chunk)
    return true
  }
  vi.spyOn(process.stdout, 'write').mockImplementation(capture)
  vi.spyOn(process.stderr, 'write').mockImplementation(capture)
  let code = -1
  try {
    await buildProgram((c) => (code = c)).parseAsync(['map', ...args], { from: 'user' })
  } finally {
    vi.restoreAllMocks()
  }
  return { code, output }
}

describe('map propose → confirm → migrate with products, quotes, cases and lists', () => {
  it('loads the incidents, list members, quotes and their lines the proposed map names', async () => {
    const { dataset, listItems } = generate({ seed: 9, accounts: 60, contacts: 200, timeline: true })
    const { quoteLines } = addSales(dataset, { seed: 9, accounts: 60 })
    const x2crm = createX2crmSimulator({ data: dataset })
    const dataverse = createDataverseSimulator({})
    dataverse.seed('systemuser', demoSystemUsers(dataset.users))
    const settings = dataverse.settings()
    const fetch = fetchFor(dataverse.handle)
    const getToken = createMsalTokenProvider({ ...settings, fetch }).getToken
    const metadata = createDataverseMetadataClient({
      url: settings.url,
      fetch,
      getToken,
      sleep: async () => undefined,
    })
    const api = createX2crmClient({
      url: 'http://127.0.0.1/index.php/api2',
      username: 'admin',
      apiKey: dataset.apiKeys['admin'] ?? '',
      fetch: fetchFor(x2crm.handle),
      sleep: async () => undefined,
    })

    // discover → discovery.json, then the CLI proposes and (once the flagged lines are accepted) confirms.
    const discovery = await discover({
      source: api,
      readTable: async (name) => (await readTargetSchema(metadata, [name], defaultTargetSchema()))[name],
      now: () => new Date('2026-12-01T00:00:00Z'),
    })
    expect(discovery.counts['Quote']).toBe((dataset.records['Quote'] ?? []).length)
    const discoveryPath = join(dir, 'discovery.json')
    const mappingPath = join(dir, 'mapping.yaml')
    writeFileSync(discoveryPath, JSON.stringify(discovery))
    const paths = ['-m', mappingPath, '-d', discoveryPath]
    expect((await map('propose', '--sample', '0', ...paths)).code).toBe(0)
    writeFileSync(mappingPath, readFileSync(mappingPath, 'utf8').replace(/, review: [^}]*(?= })/g, ''))
    const validated = await map('validate', ...paths)
    expect(validated.output).not.toContain('error:')
    expect((await map('confirm', '--by', 'dana', ...paths)).code).toBe(0)
    const mapping = loadConfirmedMapping(mappingPath, 'migrate')
    expect(mapping.entities.map((e) => e.name ?? e.entity)).toEqual(
      expect.arrayContaining([
        'Product',
        'Product→price list item',
        'Quote',
        'Quote lines→quotedetail',
        'Services',
        'X2List',
      ]),
    )

    // schema apply: the columns the proposal creates.
    await applySchema(
      planSchema(mapping, await readTargetSchema(metadata, tablesOf(mapping), defaultTargetSchema())),
      metadata,
    )
    // Quote lines and list members as the database reader serves them (API v2 has neither).
    const source = withSalesClasses(api, {
      async *quoteLines() {
        yield* quoteLines
      },
    })
    const related: RelatedReaders = {
      async *listMembers(listId) {
        for (const item of listItems)
          if (item.listId === listId) yield { recordId: item.contactId, emailAddress: item.emailAddress }
      },
    }
    const ledger = createMemoryLedger()
    const events: RunEvent[] = []
    const result = await migrate(
      { instance: 'gen', mapping, batchSize: 100, defaultOwnerEmail: DEMO_DEFAULT_OWNER },
      {
        source,
        related,
        target: createDataverseClient({ url: settings.url, fetch, getToken, sleep: async () => {} }),
        ledger,
        emit: (e: RunEvent) => events.push(e),
        now: () => new Date(),
      },
    )
    expect(result.reconciliation.balanced).toBe(true)
    const rows = (table: string) => dataverse.rows(table)
    const loaded = async (entity: string, ids: readonly number[]) =>
      ledger.loaded(ids.map((id) => sourceKeyOf(entity, id)))

    const cases = (dataset.records['Services'] ?? []).map((c) => Number(c['id']))
    const casesIn = await loaded('Services', cases)
    expect(casesIn.size).toBeGreaterThan(0)
    expect(rows('incident')).toHaveLength(casesIn.size)
    expect(rows('incident').some((r) => r['statecode'] === 1)).toBe(true)

    // Members loaded as contacts join their lists; those the proposed split made leads are left off and counted
    // (a marketing list of contacts holds contacts only).
    const memberIds = listItems.flatMap((i) => (i.contactId === null ? [] : [i.contactId]))
    const membersIn = [...(await loaded('Contacts', memberIds)).values()]
    const asContacts = membersIn.filter((row) => rowPhaseName(row.phase) === 'Contacts').length
    expect(asContacts).toBeGreaterThan(0)
    expect(membersIn.length).toBeGreaterThan(asContacts)
    expect(rows('listmember')).toHaveLength(asContacts)
    expect(events.find((e) => e.type === 'lists.filled')).toMatchObject({
      added: asContacts,
      otherTable: membersIn.length - asContacts,
      failed: [],
    })

    const quotes = dataset.records['Quote'] ?? []
    const products = dataset.records['Product'] ?? []
    expect(quotes.length).toBeGreaterThan(0)
    expect(rows('quote')).toHaveLength(quotes.length)
    expect(rows('quotedetail')).toHaveLength(quoteLines.length)
    expect(rows('product')).toHaveLength(products.length)
    expect(rows('productpricelevel')).toHaveLength(products.length)
    expect(rows('quote').filter((q) => q['statecode'] === 2)).toHaveLength(
      quotes.filter((q) => q['status'] === 'Won').length,
    )
  })
})
