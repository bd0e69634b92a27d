import { InternalError } from '../../errors.ts'
import { createIdRangeList, type IdRange } from './id-ranges.ts'
import type { ReadOptions, X2crmRecord, X2crmSource } from './types.ts'

/**
 * How complete one class's extraction was. Lists and `/count` both leave out private records assigned to "Anyone"
 * (api.md §1.5, fixture README oddity 1), so the extractor walks the id sequence and fetches every id the lists
 * skipped: a 200 is a hidden record, a 404 a deleted id (or one never allocated: the API cannot tell them apart).
 */
export interface CompletenessReport {
  entity: string
  /** Ids above this were read (0 for a full read). */
  afterId: number
  /** `GET {Class}/count?id=>{afterId}` when the read began: what lists show, hidden records excluded. */
  count: number
  /** Records the lists returned. */
  listed: number
  /** Records found only by id: hidden from lists. */
  gapFetched: number
  hiddenIds: IdRange[]
  /** Ids that answered 404 below the highest existing id (or below `probeUpTo`). */
  missing: number
  missingIds: IdRange[]
  /** The highest id that exists (0 when none). */
  maxId: number
  /** Every id in (afterId, probedUpTo] was accounted for: listed, fetched, or 404 (except those below `unprobedBelow`). */
  probedUpTo: number
  /**
   * On a full read, the ids below this were not probed (0: every id was): the lists start high (X2CRM numbers
   * Services from 1000) and `leadingProbe` ids below the lowest existing one answered 404 in a row.
   */
  unprobedBelow: number
  /**
   * Whether the lists returned as many records as `/count` announced. A mismatch means records were created or
   * deleted while reading, or a list silently lost some. Undefined until the read has finished.
   */
  listsMatchCount: boolean | undefined
}

export interface ExtractOptions {
  /** Resume: only ids above this. @default 0 */
  afterId?: number
  /** Fetch the ids lists skip. Off, this is `source.records()` plus a report. @default true */
  gapFill?: boolean
  /**
   * Ids up to here are probed even above the last listed id: pass the highest id other records reference, so a
   * deleted or hidden record at the top of the sequence is found (fixture: account 20, referenced by contact 60).
   */
  probeUpTo?: number
  /**
   * Ids probed past the highest one found, for hidden records at the top of the sequence. Their 404s are not
   * reported as missing (they may never have been allocated). @default 10
   */
  trailingProbe?: number
  /**
   * On a full read, ids probed below the lowest listed one, downward, until this many in a row answer 404: hidden
   * records at the start of the sequence are found without probing every id from 1. @default 50
   */
  leadingProbe?: number
  /**
   * On a full read, ids from here up to the lowest listed one are all probed, whatever `leadingProbe` says: pass the
   * lowest id a previous read found (a delta), so a hidden record it knew is never taken for a deletion.
   */
  probeDownTo?: number
  /** Gap fetches in flight at once. @default 8 */
  concurrency?: number
  /** Listed records read ahead to probe the gaps between them together. @default 1000 */
  window?: number
  pageSize?: number
}

/** The records of a class in id order, listed and gap-fetched interleaved, for one pass; `report()` is final after. */
export interface ClassExtraction extends AsyncIterable<X2crmRecord> {
  report(): CompletenessReport
}

export type ExtractSource = Pick<X2crmSource, 'records' | 'record' | 'count'>

/**
 * Reads every record of `entity`, in ascending id order, with a {@link CompletenessReport}. A drop-in for
 * `source.records(entity, { afterId })`: same order, resumable by `afterId`, and it streams (memory holds one
 * window of listed records and one batch of probes, whatever the size of the class or of a gap).
 *
 * @example
 * const contacts = extractClass(source, 'Contacts', { probeUpTo: tracker.maxReferencedId('Contacts') })
 * for await (const record of contacts) load(record)
 * console.log(contacts.report())  // { listed: 63, gapFetched: 1, hiddenIds: [{ from: 50, to: 50 }], ... }
 */
export function extractClass(
  source: ExtractSource,
  entity: string,
  options: ExtractOptions = {},
): ClassExtraction {
  const afterId = options.afterId ?? 0
  const gapFill = options.gapFill ?? true
  const concurrency = Math.max(1, options.concurrency ?? 8)
  const windowSize = Math.max(1, options.window ?? 1000)
  const trailingProbe = Math.max(0, options.trailingProbe ?? 10)
  const probeUpTo = options.probeUpTo ?? 0
  const leadingProbe = Math.max(1, options.leadingProbe ?? 50)
  const probeDownTo = options.probeDownTo ?? Number.POSITIVE_INFINITY

  const hidden = createIdRangeList()
  const missing = createIdRangeList()
  let count = 0
  let listed = 0
  let maxId = 0
  let probedUpTo = afterId
  let unprobedBelow = 0
  let finished = false

  /** Fetches `ids` (ascending) `concurrency` at a time; yields the found records in id order. */
  async function* probe(ids: Iterable<number>, onMissing: (id: number) => void): AsyncGenerator<X2crmRecord> {
    const batchSize = concurrency * 4
    let batch: number[] = []
    const flush = async function* () {
      const found = await mapLimit(batch, concurrency, (id) => source.record(entity, id))
      for (const [index, id] of batch.entries()) {
        const record = found[index]
        if (record === undefined) onMissing(id)
        else {
          hidden.add(id)
          maxId = Math.max(maxId, id)
          yield record
        }
        probedUpTo = Math.max(probedUpTo, id)
      }
      batch = []
    }
    for (const id of ids) {
      batch.push(id)
      if (batch.length >= batchSize) yield* flush()
    }
    if (batch.length > 0) yield* flush()
  }

  /** Listed records of one window, with the ids between them probed and interleaved. */
  async function* fillWindow(window: readonly [number, X2crmRecord][], previousId: number) {
    let next = 0
    const gaps = gapIds(
      previousId,
      window.map(([id]) => id),
    )
    for await (const record of probe(gaps, (id) => missing.add(id))) {
      const id = Number(record.id)
      for (let listed = window[next]; listed && listed[0] < id; listed = window[++next]) yield listed[1]
      yield record
    }
    for (const [, record] of window.slice(next)) yield record
  }

  /**
   * Ids below the first listed one on a full read, probed downward in batches until `leadingProbe` in a row answer
   * 404 (or id 1 is reached): the hidden records found there, in id order (they sit below every listed record).
   */
  async function probeLeading(firstListed: number): Promise<X2crmRecord[]> {
    const found: X2crmRecord[] = []
    const missed: number[] = []
    let misses = 0
    let next = firstListed - 1
    const batchSize = concurrency * 4
    while (next >= 1 && (misses < leadingProbe || next >= probeDownTo)) {
      const ids = range(Math.max(1, next - batchSize + 1), next).reverse()
      next -= ids.length
      const records = await mapLimit(ids, concurrency, (id) => source.record(entity, id))
      for (const [index, id] of ids.entries()) {
        const record = records[index]
        if (record === undefined) {
          missed.push(id)
          misses++
        } else {
          found.push(record)
          misses = 0
        }
      }
    }
    if (next >= 1) unprobedBelow = next + 1
    // Walked downward; the id lists take ids in ascending order, and nothing below these was added yet.
    for (const id of missed.reverse()) missing.add(id)
    found.reverse()
    for (const record of found) hidden.add(Number(record.id))
    return found
  }

  /** Ids above the last listed one: up to `probeUpTo`, then until `trailingProbe` in a row answer 404. */
  async function* probeTop(lastListed: number) {
    let pending: number[] = []
    let nextId = lastListed + 1
    let highestFound = lastListed
    while (nextId <= Math.max(probeUpTo, highestFound + trailingProbe)) {
      const end = Math.max(probeUpTo, highestFound + trailingProbe)
      const ids = range(nextId, Math.min(end, nextId + concurrency * 4 - 1))
      nextId += ids.length
      for await (const record of probe(ids, (id) => {
        if (id <= probeUpTo) missing.add(id)
        else pending.push(id)
      })) {
        const id = Number(record.id)
        // 404s below a record that exists are gaps like any other.
        for (const gap of pending) if (gap < id) missing.add(gap)
        pending = pending.filter((gap) => gap > id)
        highestFound = id
        yield record
      }
    }
    // What stays pending is the unallocated tail: the sequence ends there, as far as the API can tell.
    probedUpTo = Math.max(probedUpTo, highestFound, probeUpTo)
  }

  async function* run(): AsyncGenerator<X2crmRecord> {
    // Counted above `afterId`, so a resumed read reconciles too, and ids ≤ 0 (Media's built-in themes) stay out.
    const counted = source.count(entity, { id: `>${afterId}` })
    // Don't leave a rejection unobserved while the first page loads.
    counted.catch(() => undefined)
    const read: ReadOptions = { afterId, ...(options.pageSize ? { pageSize: options.pageSize } : {}) }
    let window: [number, X2crmRecord][] = []
    let previousId = afterId
    const emit = async function* () {
      if (gapFill) yield* fillWindow(window, previousId)
      else for (const [, record] of window) yield record
      previousId = window.at(-1)?.[0] ?? previousId
      probedUpTo = Math.max(probedUpTo, previousId)
      window = []
    }
    let first = true
    for await (const record of source.records(entity, read)) {
      const id = Number(record.id)
      if (first && gapFill && afterId === 0 && id > leadingProbe + 1) {
        // Walk the low ids only as far as records may hide there (Services start at 1000: not 999 probes).
        const leading = await probeLeading(id)
        previousId = id - 1
        for (const found of leading) {
          maxId = Math.max(maxId, Number(found.id))
          yield found
        }
      }
      first = false
      listed++
      maxId = Math.max(maxId, id)
      window.push([id, record])
      if (window.length >= windowSize) yield* emit()
    }
    if (window.length > 0) yield* emit()
    if (gapFill) yield* probeTop(previousId)
    count = await counted
    finished = true
  }

  let iterated = false
  return {
    [Symbol.asyncIterator]: () => {
      if (iterated)
        throw new InternalError(`extractClass(${entity}) was iterated twice; call it again instead`)
      iterated = true
      return run()
    },
    report: () => ({
      entity,
      afterId,
      count,
      listed,
      gapFetched: hidden.size(),
      hiddenIds: hidden.ranges(),
      missing: missing.size(),
      missingIds: missing.ranges(),
      maxId,
      probedUpTo,
      unprobedBelow,
      listsMatchCount: finished ? listed === count : undefined,
    }),
  }
}

/** Ids strictly between consecutive listed ids, starting after `previousId`; lazily, since a gap can be huge. */
function* gapIds(previousId: number, listedIds: readonly number[]): Generator<number> {
  let previous = previousId
  for (const id of listedIds) {
    for (let gap = previous + 1; gap < id; gap++) yield gap
    previous = id
  }
}

function range(from: number, to: number): number[] {
  return to < from ? [] : Array.from({ length: to - from + 1 }, (_, i) => from + i)
}

/** `items.map(fn)` with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++)
      results[index] = await fn(items[index] as T)
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
