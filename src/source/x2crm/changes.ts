import type { RecordHash } from '../../domain/record-hash.ts'
import type { DeltaChange, DeltaStatus, PreviousHashes } from './delta.ts'
import type { ReadOptions, X2crmRecord } from './types.ts'

/**
 * What a source can tell cheaply about what changed, without reading records: the database's change log and
 * timestamps, and its ids alone. The MySQL reader has one (`createChangeFinder`); API v2 does not (a delta through
 * the API compares every record).
 */
export interface ChangeFinder {
  /** The source's own clock (unix seconds): the time X2CRM writes into `lastUpdated` and `x2_changelog`. */
  now(): Promise<number>
  /** Whether `entity` has a table this finder knows; a class it does not know is compared whole. */
  covers(entity: string): boolean
  /** Every id of `entity` above 0 (as a full read lists them), ascending: one narrow column, no record read. */
  ids(entity: string): AsyncIterable<number>
  /**
   * Ids X2CRM marked as changed at or after `since` (the source's clock, unix seconds): logged in `x2_changelog`,
   * a `lastUpdated` from then on, a tag added since. A first filter only: what bypasses the app marks nothing.
   */
  touched(entity: string, since: number): Promise<ReadonlySet<number>>
  /**
   * Every record's id and `name` (the ids a full read lists, ascending; X2CRM's value, no fix applied): the name index
   * of `linkByName` for a delta, without reading whole records. Undefined when the finder cannot tell them (a class
   * derived from another's table, whose records are made by x2d365): read the records then.
   */
  names?(entity: string): AsyncIterable<{ id: number; name: unknown }> | undefined
}

/** The records of the given ids (the MySQL reader honours `ReadOptions.ids`), through every wrapper of the source. */
export interface IdReader {
  records(entity: string, options?: ReadOptions): AsyncIterable<X2crmRecord>
}

/**
 * How many of a class's unmarked records are read and hashed anyway, to check that the filter missed nothing: a
 * sample drawn at random from the whole class on each delta, so repeated deltas look at different records.
 */
export const SPOT_CHECK = 50

export interface ChangesOptions {
  /** Marks at or after this (the source's clock) are candidates. */
  since: number
  hash: (record: X2crmRecord) => string
  /** Ids read and compared whatever the marks say: records quarantined or fixed since they were last loaded. */
  alsoCheck?: ReadonlySet<number>
  /** @default SPOT_CHECK */
  spotCheck?: number
  /** Draws the spot check (tests pass a fixed one). @default Math.random */
  random?: () => number
  /** Told what was found, once the class is done. */
  onReport?: (report: ChangesReport) => void
}

export interface ChangesReport {
  counts: Record<DeltaStatus, number>
  /** Records read whole and hashed: the candidates and the spot check. */
  read: number
  /** Ids the id-only scan listed. */
  scanned: number
  /** Candidates: new ids, marked ids, `alsoCheck` ids. */
  candidates: number
  /**
   * Unmarked records the spot check found changed: the filter missed something (a map edited since, an edit that
   * bypassed the app), so the class must be compared whole. The changes are not yielded then.
   */
  missed: number
}

/**
 * The delta of `entity` read from what changed, not from everything: an id-only scan merged with the previous hashes
 * finds new ids and deleted ids; of the known ids, only those X2CRM marked since `since` (and `alsoCheck`) are read
 * whole and compared by content hash, the proof. Plus {@link SPOT_CHECK} unmarked records drawn at random, read whole: if any
 * changed, the marks cannot be trusted for this class, nothing is yielded and `report.missed` says so (the caller then
 * compares the class whole). Yields as `detectDelta` does: new and changed records, deleted ids.
 */
export async function* detectDeltaByChanges(
  source: IdReader,
  finder: Pick<ChangeFinder, 'ids' | 'touched'>,
  entity: string,
  store: PreviousHashes,
  options: ChangesOptions,
): AsyncGenerator<DeltaChange> {
  const touched = await finder.touched(entity, options.since)
  const marked = (id: number) => touched.has(id) || options.alsoCheck?.has(id) === true
  const counts: Record<DeltaStatus, number> = { new: 0, changed: 0, unchanged: 0, deleted: 0 }
  const spotSize = options.spotCheck ?? SPOT_CHECK
  // Held in memory: only what changed (ids and the hashes to compare with), and the spot check.
  const candidates: number[] = []
  const previous = new Map<number, string>()
  const deleted: number[] = []
  // A uniform sample of the unmarked known records, drawn as they stream by (reservoir sampling).
  const sample: RecordHash[] = []
  const random = options.random ?? Math.random
  let unmarked = 0
  let scanned = 0
  for await (const entry of mergeIds(finder.ids(entity), store.hashes(entity))) {
    if (entry.inSource) scanned++
    if (!entry.inSource) deleted.push(entry.id)
    else if (entry.hash === undefined) candidates.push(entry.id)
    else if (marked(entry.id)) {
      candidates.push(entry.id)
      previous.set(entry.id, entry.hash)
    } else {
      const at = sample.length < spotSize ? sample.length : Math.floor(random() * (unmarked + 1))
      if (at < spotSize) sample[at] = { id: entry.id, hash: entry.hash }
      unmarked++
    }
  }
  const spot = new Map(sample.map((s) => [s.id, s.hash]))
  counts.unchanged = unmarked - spot.size
  let read = 0
  let missed = 0
  for await (const record of readIds(source, entity, [...spot.keys()])) {
    read++
    if (options.hash(record) !== spot.get(Number(record['id']))) missed++
  }
  const report = (): ChangesReport => ({
    counts,
    read,
    scanned,
    candidates: candidates.length,
    missed,
  })
  if (missed > 0) {
    options.onReport?.(report())
    return
  }
  // The spot-checked records are unchanged; one gone between the scan and the read is found by the next delta.
  counts.unchanged += spot.size
  for await (const record of readIds(source, entity, candidates)) {
    read++
    const id = Number(record['id'])
    const hash = options.hash(record)
    const before = previous.get(id)
    if (before === undefined) {
      counts.new++
      yield { status: 'new', id, hash, record }
    } else if (before !== hash) {
      counts.changed++
      yield { status: 'changed', id, hash, record }
    } else counts.unchanged++
  }
  for (const id of deleted) {
    counts.deleted++
    yield { status: 'deleted', id }
  }
  options.onReport?.(report())
}

/** The records of `ids` (any order), ascending; a record the source gives that was not asked for is a bug. */
async function* readIds(
  source: IdReader,
  entity: string,
  ids: readonly number[],
): AsyncGenerator<X2crmRecord> {
  if (ids.length === 0) return
  const wanted = new Set(ids)
  for await (const record of source.records(entity, { ids: [...wanted].sort((a, b) => a - b) })) {
    if (!wanted.has(Number(record['id']))) {
      throw new RangeError(
        `The source answered ${entity} ${String(record['id'])} to a read of chosen ids: it does not honour ids; ` +
          'run the delta with --changes full.',
      )
    }
    yield record
  }
}

interface MergedId {
  id: number
  inSource: boolean
  /** The previous hash, when the ledger has one. */
  hash?: string
}

/** Source ids and previous hashes, both ascending, merged into one entry per id. */
export async function* mergeIds(
  ids: AsyncIterable<number>,
  hashes: AsyncIterable<RecordHash>,
): AsyncGenerator<MergedId> {
  const source = ids[Symbol.asyncIterator]()
  const before = hashes[Symbol.asyncIterator]()
  let a = await source.next()
  let b = await before.next()
  let last = Number.NEGATIVE_INFINITY
  while (!a.done || !b.done) {
    if (!a.done && a.value <= last) throw new RangeError(`source ids must ascend: ${a.value} after ${last}`)
    if (!a.done && (b.done || a.value < b.value.id)) {
      yield { id: a.value, inSource: true }
      last = a.value
      a = await source.next()
    } else if (!b.done && (a.done || b.value.id < a.value)) {
      yield { id: b.value.id, inSource: false }
      b = await before.next()
    } else if (!a.done && !b.done) {
      yield { id: a.value, inSource: true, hash: b.value.hash }
      last = a.value
      a = await source.next()
      b = await before.next()
    }
  }
}
