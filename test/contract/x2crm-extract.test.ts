import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createX2crmSimulator, FIXTURE_ADMIN_KEY, loadDump } from '../../sim/x2crm/index.ts'
import { createX2crmClient } from '../../src/source/x2crm/client.ts'
import { createCompleteSource } from '../../src/source/x2crm/complete-source.ts'
import { createMemoryHashStore } from '../../src/ledger/hash-store.ts'
import { contentHash, detectDelta, changedSince, type DeltaChange } from '../../src/source/x2crm/delta.ts'
import { extractClass, type CompletenessReport } from '../../src/source/x2crm/extract.ts'
import { dropdownsById, normalizeRecord } from '../../src/source/x2crm/normalize/record.ts'
import { createReferenceTracker } from '../../src/source/x2crm/references.ts'
import type { X2crmField, X2crmRecord } from '../../src/source/x2crm/types.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'

// The real instance, exported: contact 50 is hidden from lists; account 20 was deleted (contact 60 still links it).
const dump = JSON.parse(
  readFileSync(new URL('../fixtures/x2crm/fixture/api-dump.json', import.meta.url), 'utf8'),
) as {
  records: Record<string, X2crmRecord[]>
  hiddenFromLists: Record<string, number[]>
  deletedIds: Record<string, number[]>
}

const CLASSES = Object.keys(dump.records)

function fixture() {
  let now = 1795660000
  const sim = createX2crmSimulator({ data: loadDump(dump), now: () => now })
  const client = createX2crmClient({
    url: 'http://127.0.0.1:8081/index.php/api2',
    username: 'admin',
    apiKey: FIXTURE_ADMIN_KEY,
    fetch: fetchFor(sim.handle),
    sleep: async (ms) => {
      now += Math.ceil(ms / 1000)
    },
  })
  return { sim, client, tick: (seconds: number) => (now += seconds) }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = []
  for await (const item of items) all.push(item)
  return all
}

const ids = (records: readonly X2crmRecord[]) => records.map((record) => Number(record.id))

function expandRanges(ranges: CompletenessReport['missingIds']): number[] {
  return ranges.flatMap(({ from, to }) => Array.from({ length: to - from + 1 }, (_, i) => from + i))
}

describe('extractClass against the fixture instance', () => {
  it('finds hidden contact 50 between listed ones, in id order, and reports it', async () => {
    const { client } = fixture()
    const extraction = extractClass(client, 'Contacts')
    const records = await collect(extraction)
    expect(ids(records)).toEqual(ids(dump.records.Contacts ?? []))
    expect(records.find((record) => record.id === 50)?.name).toBe('Jacob Harris')
    expect(extraction.report()).toMatchObject({
      entity: 'Contacts',
      count: 63,
      listed: 63,
      gapFetched: 1,
      hiddenIds: [{ from: 50, to: 50 }],
      missing: 0,
      maxId: 64,
      listsMatchCount: true,
    })
  })

  it('reports deleted account 20 when a reference says the sequence reaches it', async () => {
    const { client } = fixture()
    const fields: Record<string, X2crmField[]> = { Contacts: await client.fields('Contacts') }
    const tracker = createReferenceTracker(fields)
    for await (const contact of client.records('Contacts')) tracker.observe('Contacts', contact)
    expect(tracker.maxReferencedId('Accounts')).toBe(20)

    const extraction = extractClass(client, 'Accounts', { probeUpTo: tracker.maxReferencedId('Accounts') })
    const records = await collect(extraction)
    expect(records).toHaveLength(19)
    expect(extraction.report()).toMatchObject({
      listed: 19,
      gapFetched: 0,
      missing: 1,
      missingIds: [{ from: 20, to: 20 }],
    })
  })

  it('without a reference, probes past the end but does not call unallocated ids missing', async () => {
    const { client } = fixture()
    const extraction = extractClass(client, 'Accounts', { trailingProbe: 5 })
    await collect(extraction)
    expect(extraction.report()).toMatchObject({ listed: 19, missing: 0, missingIds: [], probedUpTo: 24 })
  })

  it('matches the export for every class: records, hidden ids and 404 ids', async () => {
    const { client } = fixture()
    for (const entity of CLASSES) {
      const extraction = extractClass(client, entity, { probeUpTo: entity === 'Accounts' ? 20 : 0 })
      const records = await collect(extraction)
      const report = extraction.report()
      expect(ids(records), entity).toEqual(ids(dump.records[entity] ?? []).filter((id) => id > 0))
      expect(report.listed + report.gapFetched, entity).toBe(records.length)
      expect(expandRanges(report.hiddenIds), entity).toEqual(dump.hiddenFromLists[entity] ?? [])
      // Services are numbered from 1000: only the 50 ids below the lowest one are probed (a batch of 32 at a time).
      expect(report.unprobedBelow, entity).toBe(entity === 'Services' ? 936 : 0)
      expect(expandRanges(report.missingIds), entity).toEqual(
        (dump.deletedIds[entity] ?? []).filter((id) => id >= report.unprobedBelow),
      )
      expect(report.listsMatchCount, entity).toBe(true)
    }
  })

  it('resumes after an id: the same records from there on, hidden ones included', async () => {
    const { client } = fixture()
    const resumed = await collect(extractClass(client, 'Contacts', { afterId: 45 }))
    expect(ids(resumed)).toEqual(ids(dump.records.Contacts ?? []).filter((id) => id > 45))
    expect(ids(resumed)).toContain(50)
  })

  it('finds a hidden record above the last listed id with the trailing probe', async () => {
    const { client, sim } = fixture()
    sim.upsert('Contacts', {
      ...(dump.records.Contacts?.[0] ?? {}),
      id: 70,
      visibility: 0,
      assignedTo: 'Anyone',
    })
    const extraction = extractClass(client, 'Contacts', { trailingProbe: 10 })
    const records = await collect(extraction)
    expect(ids(records).slice(-2)).toEqual([64, 70])
    // 65–69 lie below a record that exists, so they are gaps; 71–80 only show where the sequence ends.
    expect(extraction.report()).toMatchObject({
      gapFetched: 2,
      missingIds: [{ from: 65, to: 69 }],
      maxId: 70,
      probedUpTo: 80,
    })
  })

  it('is a drop-in source: records() brings hidden records and reports each class', async () => {
    const { client } = fixture()
    const reports: CompletenessReport[] = []
    const source = createCompleteSource(client, { onReport: (report) => reports.push(report) })
    const contacts = await collect(source.records('Contacts', { afterId: 0 }))
    expect(contacts).toHaveLength(64)
    expect(reports.map((report) => [report.entity, report.gapFetched])).toEqual([['Contacts', 1]])
    // Filtered reads (delta) pass through: no gap fill.
    const filtered = await collect(source.records('Contacts', { filters: { visibility: '0' } }))
    expect(ids(filtered)).not.toContain(50)
  })
})

describe('catalog reads against the fixture instance', () => {
  it('reads dropdowns, models, tags, relationships and per-record actions', async () => {
    const { client } = fixture()
    const dropdowns = await client.dropdowns()
    expect(dropdowns.find((dropdown) => dropdown.id === 1000)?.options.NA).toBe('North America')
    const models = (await client.models()).map((model) => model.modelName)
    expect(models).toEqual(expect.arrayContaining(['Accounts', 'Contacts', 'Opportunity', 'Services']))
    expect(await client.tags('Contacts', 1)).toEqual(['#test', '#vip'])
    expect(await client.tags('Accounts', 20)).toEqual([])
    const relationships = await collect(client.relationships())
    expect(relationships).toHaveLength(87)
    expect(relationships.map((r) => r.id)).not.toContain(87)
    const actions = await collect(client.actionsOf('Contacts', 50))
    expect(ids(actions)).toContain(67)
  })
})

describe('normalizing fixture records', () => {
  it('flags destroyed emoji, resolves dropdown labels, parses links and assignments', async () => {
    const { client } = fixture()
    const context = {
      fields: await client.fields('Contacts'),
      dropdowns: dropdownsById(await client.dropdowns()),
    }
    const contact56 = normalizeRecord('Contacts', (await client.record('Contacts', 56)) ?? {}, context)
    expect(contact56.damage.map((d) => [d.kind, d.field])).toEqual(
      expect.arrayContaining([
        ['destroyedCharacters', 'firstName'],
        ['destroyedCharacters', 'company'],
      ]),
    )
    expect(contact56.values.company).toEqual({
      kind: 'link',
      entity: 'Accounts',
      id: 8,
      name: 'Rocket ???? Labs',
    })

    const contact59 = normalizeRecord('Contacts', (await client.record('Contacts', 59)) ?? {}, context)
    expect(contact59.damage).toContainEqual({
      kind: 'linkWithoutId',
      field: 'company',
      raw: 'Doomed Corp (to be deleted)',
    })

    const contact58 = normalizeRecord('Contacts', (await client.record('Contacts', 58)) ?? {}, context)
    expect([contact58.values.leadDate, contact58.values.closedate]).toEqual([null, null])

    const withRegion = dump.records.Contacts?.find((c) => c.c_region === 'NA')
    const normalized = normalizeRecord('Contacts', withRegion ?? {}, context)
    expect(normalized.values.c_region).toEqual({ kind: 'option', key: 'NA', label: 'North America' })
    expect(normalized.values.assignedTo).toMatchObject({ kind: 'assignment' })
  })
})

describe('delta against the fixture instance', () => {
  async function baseline(client: ReturnType<typeof fixture>['client']) {
    const store = createMemoryHashStore()
    for await (const record of extractClass(client, 'Contacts')) {
      await store.save('Contacts', [{ id: Number(record.id), hash: contentHash(record) }])
    }
    return store
  }

  it('finds a PATCH through the watermark and the hash, a deletion only through the hash', async () => {
    const { client, sim, tick } = fixture()
    const store = await baseline(client)
    const watermark = Math.max(...(dump.records.Contacts ?? []).map((c) => Number(c.lastUpdated)))
    tick(watermark + 60 - 1795660000)
    const patched = await sim.handle(
      new Request('http://127.0.0.1/index.php/api2/Contacts/2.json', {
        method: 'PATCH',
        headers: {
          Authorization: `Basic ${Buffer.from(`admin:${FIXTURE_ADMIN_KEY}`).toString('base64')}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({ title: 'Chief Everything Officer' }),
      }),
    )
    expect(patched.status).toBe(200)
    sim.remove('Contacts', 3)
    // A change that does not bump lastUpdated (as X2CRM's direct update() paths): only the hash sees it.
    const hidden = (await client.record('Contacts', 50)) ?? {}
    sim.upsert('Contacts', { ...hidden, backgroundInfo: 'edited in the database' })

    expect(ids(await collect(changedSince(client, 'Contacts', watermark)))).toEqual([2])

    const changes: DeltaChange[] = []
    let counts: Record<string, number> = {}
    for await (const change of detectDelta(client, 'Contacts', store, {
      onReport: (_report, c) => (counts = { ...c }),
    })) {
      changes.push(change)
    }
    expect(changes.map((change) => [change.status, change.id])).toEqual([
      ['changed', 2],
      ['deleted', 3],
      ['changed', 50],
    ])
    expect(counts).toEqual({ new: 0, changed: 2, unchanged: 61, deleted: 1 })
  })
})
