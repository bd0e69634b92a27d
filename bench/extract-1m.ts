/**
 * Extraction of a generated X2CRM instance through API v2, in process, at two scales, to show that memory stays
 * flat as the instance grows:
 *
 *   node --expose-gc --max-old-space-size=256 --import tsx bench/extract-1m.ts [--records 1000000] [--small 100000]
 *
 * (`npx tsx bench/extract-1m.ts` works too, without the heap-after-GC figure.) With the heap capped at 256 MB, a
 * 1M-record run that finishes is itself the proof that nothing accumulates.
 * The simulator serves a virtual store (records computed on each read, never held) and the extractor reads every
 * module with gap fill (hidden records fetched by id, deleted ids probed), hashes and normalizes each record, and
 * drops it. Peak RSS is sampled every 50 ms during each scale. The simulator's own work (generating every record
 * twice: once for `/count`, once for the list) is inside the timing, so records/s is a floor for the extractor.
 */
import { parseArgs } from 'node:util'
import { createGeneratedStore, generatedInstanceBase } from '../sim/seed/instance.ts'
import { GENERATED_ENTITIES, type GeneratedEntity, type InstanceShape } from '../sim/seed/records.ts'
import { createX2crmSimulator, DEFAULT_ADMIN_KEY } from '../sim/x2crm/index.ts'
import type { Fetch } from '../src/http/fetch.ts'
import { createX2crmClient } from '../src/source/x2crm/client.ts'
import { contentHash } from '../src/source/x2crm/delta.ts'
import { extractClass, mapLimit, type CompletenessReport } from '../src/source/x2crm/extract.ts'
import { dropdownsById, normalizeRecord } from '../src/source/x2crm/normalize/record.ts'

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    small: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '4' },
  },
})

/** A realistic mix: contacts and their activities dominate. Shares sum to 1. */
const mix: Record<GeneratedEntity, number> = {
  Contacts: 0.4,
  Actions: 0.33,
  Accounts: 0.1,
  Opportunity: 0.08,
  X2Leads: 0.04,
  Services: 0.02,
  Quote: 0.01,
  Product: 0.005,
  Media: 0.004,
  Campaign: 0.0003,
  X2List: 0.0003,
  Docs: 0.0002,
  Groups: 0.0002,
}

function shapeFor(total: number): InstanceShape {
  const counts = Object.fromEntries(
    GENERATED_ENTITIES.map((entity) => [entity, Math.max(1, Math.round(total * mix[entity]))]),
  )
  return { seed: 2026, counts, dirty: 0.05, deleted: 0.01 }
}

interface Result {
  total: number
  records: number
  seconds: number
  peakRssMb: number
  /** Largest heap still in use right after a full GC (needs --expose-gc): what the extraction really holds. */
  retainedHeapMb: number | undefined
  reports: CompletenessReport[]
}

async function extractInstance(total: number, concurrency: number): Promise<Result> {
  const shape = shapeFor(total)
  const sim = createX2crmSimulator({
    data: generatedInstanceBase(shape),
    store: createGeneratedStore(shape, 1795660000),
    now: () => 1795660000,
  })
  const fetch: Fetch = (input, init) => sim.handle(new Request(input, init))
  const client = createX2crmClient({
    url: 'http://127.0.0.1/index.php/api2',
    username: 'admin',
    apiKey: DEFAULT_ADMIN_KEY,
    fetch,
  })
  const dropdowns = dropdownsById(await client.dropdowns())

  global.gc?.()
  let peak = process.memoryUsage().rss
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50)
  const started = performance.now()
  let records = 0
  let hashBytes = 0
  let retained: number | undefined
  const reports = await mapLimit([...GENERATED_ENTITIES], concurrency, async (entity) => {
    const fields = await client.fields(entity)
    const extraction = extractClass(client, entity, { concurrency: 8 })
    for await (const record of extraction) {
      const normalized = normalizeRecord(entity, record, { fields, dropdowns })
      hashBytes += contentHash(record).length + normalized.damage.length
      records++
      if (records % 100_000 === 0) {
        peak = Math.max(peak, process.memoryUsage().rss)
        if (global.gc) {
          global.gc()
          retained = Math.max(retained ?? 0, mb(process.memoryUsage().heapUsed))
        }
        const seconds = (performance.now() - started) / 1000
        console.log(
          `  ${records.toLocaleString('en')} records, ${Math.round(records / seconds)} rec/s, RSS ${mb(process.memoryUsage().rss)} MB` +
            (retained === undefined ? '' : `, heap after GC ${mb(process.memoryUsage().heapUsed)} MB`),
        )
      }
    }
    return extraction.report()
  })
  clearInterval(sampler)
  peak = Math.max(peak, process.memoryUsage().rss)
  if (hashBytes === 0) throw new Error('nothing hashed')
  return {
    total,
    records,
    seconds: (performance.now() - started) / 1000,
    peakRssMb: mb(peak),
    retainedHeapMb: retained,
    reports,
  }
}

function mb(bytes: number): number {
  return Math.round(bytes / 1024 / 1024)
}

function summary(result: Result): string {
  const sum = (pick: (report: CompletenessReport) => number) =>
    result.reports.reduce((n, r) => n + pick(r), 0)
  const mismatched = result.reports.filter((report) => report.listsMatchCount !== true).map((r) => r.entity)
  return [
    `instance of ${result.total.toLocaleString('en')} ids: ${result.records.toLocaleString('en')} records in ${result.seconds.toFixed(1)} s`,
    `  ${Math.round(result.records / result.seconds).toLocaleString('en')} records/s, peak RSS ${result.peakRssMb} MB` +
      (result.retainedHeapMb === undefined ? '' : `, largest heap after GC ${result.retainedHeapMb} MB`),
    `  listed ${sum((r) => r.listed)}, gap-fetched (hidden) ${sum((r) => r.gapFetched)}, missing ids (404) ${sum((r) => r.missing)}` +
      (mismatched.length > 0 ? `, lists ≠ count: ${mismatched.join(', ')}` : ', every class listed = count'),
  ].join('\n')
}

const concurrency = Number(values.concurrency)
console.log(`Node ${process.version}, classes in parallel: ${concurrency}`)
const small = await extractInstance(Number(values.small), concurrency)
console.log(summary(small))
const large = await extractInstance(Number(values.records), concurrency)
console.log(summary(large))
const growth = large.peakRssMb - small.peakRssMb
console.log(
  `memory: ${small.peakRssMb} MB at ${small.total.toLocaleString('en')} → ${large.peakRssMb} MB at ${large.total.toLocaleString('en')} (${growth >= 0 ? '+' : ''}${growth} MB for ${Math.round(large.total / small.total)}× the records)`,
)
