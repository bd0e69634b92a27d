import { describe, expect, it } from 'vitest'
import { HttpError } from '../../errors.ts'
import { extractClass, mapLimit, type ExtractSource } from './extract.ts'
import type { X2crmRecord } from './types.ts'

/** Records `existing`, of which `hidden` are left out of lists and counts, like X2CRM's private "Anyone" records. */
function fakeSource(existing: readonly number[], hidden: readonly number[] = []) {
  const probes: number[] = []
  let inFlight = 0
  let maxInFlight = 0
  const listed = existing.filter((id) => !hidden.includes(id))
  const source: ExtractSource = {
    async *records(_entity, options = {}) {
      for (const id of listed) if (id > (options.afterId ?? 0)) yield { id, name: `r${id}` }
    },
    async record(_entity, id) {
      probes.push(id)
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      await Promise.resolve()
      inFlight--
      return existing.includes(id) ? { id, name: `r${id}` } : undefined
    },
    async count(_entity, filters) {
      const after = Number(/^>(\d+)$/.exec(filters?.id ?? '')?.[1] ?? 0)
      return listed.filter((id) => id > after).length
    },
  }
  return { source, probes, maxInFlight: () => maxInFlight }
}

async function ids(records: AsyncIterable<X2crmRecord>): Promise<number[]> {
  const seen: number[] = []
  for await (const record of records) seen.push(Number(record.id))
  return seen
}

describe('extractClass', () => {
  it('interleaves gap-fetched records with listed ones, across windows', async () => {
    const { source } = fakeSource([1, 2, 4, 5, 6, 9, 10], [2, 6])
    const extraction = extractClass(source, 'Contacts', { window: 2, trailingProbe: 0 })
    expect(await ids(extraction)).toEqual([1, 2, 4, 5, 6, 9, 10])
    expect(extraction.report()).toMatchObject({
      count: 5,
      listed: 5,
      gapFetched: 2,
      hiddenIds: [
        { from: 2, to: 2 },
        { from: 6, to: 6 },
      ],
      missing: 3,
      missingIds: [
        { from: 3, to: 3 },
        { from: 7, to: 8 },
      ],
      maxId: 10,
      probedUpTo: 10,
      listsMatchCount: true,
    })
  })

  it('probes a large gap in bounded batches, at most `concurrency` at a time', async () => {
    const fake = fakeSource([1, 5000])
    const extraction = extractClass(fake.source, 'Media', { concurrency: 3, trailingProbe: 0 })
    expect(await ids(extraction)).toEqual([1, 5000])
    expect(fake.probes).toHaveLength(4998)
    expect(fake.maxInFlight()).toBe(3)
    expect(extraction.report().missingIds).toEqual([{ from: 2, to: 4999 }])
  })

  it('with gap fill off, is the listed records plus a report of what the lists and count say', async () => {
    const { source, probes } = fakeSource([1, 2, 3], [2])
    const extraction = extractClass(source, 'Contacts', { gapFill: false })
    expect(await ids(extraction)).toEqual([1, 3])
    expect(probes).toEqual([])
    expect(extraction.report()).toMatchObject({ listed: 2, gapFetched: 0, listsMatchCount: true })
  })

  it('resumes after an id, counting only above it', async () => {
    const { source } = fakeSource([1, 2, 3, 4, 6], [4])
    const extraction = extractClass(source, 'Contacts', { afterId: 2, trailingProbe: 0 })
    expect(await ids(extraction)).toEqual([3, 4, 6])
    expect(extraction.report()).toMatchObject({
      afterId: 2,
      count: 2,
      listed: 2,
      missingIds: [{ from: 5, to: 5 }],
    })
  })

  it('stops on an error a probe cannot get past', async () => {
    const { source } = fakeSource([1, 3])
    source.record = async () => {
      throw new HttpError({ method: 'GET', url: 'https://crm/api2/Contacts/2.json' }, 500, undefined)
    }
    await expect(ids(extractClass(source, 'Contacts'))).rejects.toThrow(HttpError)
  })
})

describe('mapLimit', () => {
  it('keeps input order', async () => {
    expect(await mapLimit([3, 1, 2], 2, async (n) => n * 10)).toEqual([30, 10, 20])
  })
})

describe('extractClass below the first listed id', () => {
  it('probes downward from the lowest listed id and stops after leadingProbe misses in a row (Services start at 1000)', async () => {
    const { source, probes } = fakeSource([1000, 1001, 1003])
    const extraction = extractClass(source, 'Services', { trailingProbe: 0, leadingProbe: 50 })
    expect(await ids(extraction)).toEqual([1000, 1001, 1003])
    const below = probes.filter((id) => id < 1000)
    // 50 misses in a row, probed a batch (concurrency × 4 = 32) at a time: two batches, not 999 requests.
    expect(below.length).toBe(64)
    expect(Math.min(...below)).toBe(936)
    expect(extraction.report()).toMatchObject({ unprobedBelow: 936, missing: 65, maxId: 1003 })
  })

  it('finds hidden records among the low ids and keeps walking down past each one', async () => {
    const { source } = fakeSource([40, 100, 101], [40])
    const extraction = extractClass(source, 'Contacts', { trailingProbe: 0, leadingProbe: 50 })
    expect(await ids(extraction)).toEqual([40, 100, 101])
    expect(extraction.report()).toMatchObject({
      gapFetched: 1,
      hiddenIds: [{ from: 40, to: 40 }],
      unprobedBelow: 0,
      missing: 98,
    })
  })

  it('walks every id from 1 when the first listed id is within leadingProbe of it', async () => {
    const { source, probes } = fakeSource([5, 30, 31], [5])
    const extraction = extractClass(source, 'Contacts', { trailingProbe: 0, leadingProbe: 50 })
    expect(await ids(extraction)).toEqual([5, 30, 31])
    expect(probes.filter((id) => id < 30).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 29 }, (_, i) => i + 1),
    )
    expect(extraction.report()).toMatchObject({ unprobedBelow: 0, missing: 28 })
  })

  it('probes a resumed read from where it stopped, not downward', async () => {
    const { source, probes } = fakeSource([500, 900, 901])
    const extraction = extractClass(source, 'Contacts', { afterId: 500, trailingProbe: 0, leadingProbe: 50 })
    expect(await ids(extraction)).toEqual([900, 901])
    expect(probes.filter((id) => id < 900)).toHaveLength(399)
    expect(extraction.report()).toMatchObject({ unprobedBelow: 0 })
  })
})

describe('extractClass with probeDownTo', () => {
  it('probes every id down to probeDownTo, past leadingProbe misses, so a known hidden record is found again', async () => {
    const { source } = fakeSource([200, 1000, 1001], [200])
    const blind = extractClass(source, 'Services', { trailingProbe: 0, leadingProbe: 50 })
    expect(await ids(blind)).toEqual([1000, 1001])
    const guided = extractClass(source, 'Services', { trailingProbe: 0, leadingProbe: 50, probeDownTo: 200 })
    expect(await ids(guided)).toEqual([200, 1000, 1001])
    expect(guided.report()).toMatchObject({ gapFetched: 1, hiddenIds: [{ from: 200, to: 200 }] })
    expect(guided.report().unprobedBelow).toBeLessThan(200)
  })
})
