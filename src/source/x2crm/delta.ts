import { createHash } from 'node:crypto'
import type { RecordHash } from '../../domain/record-hash.ts'
import { extractClass, type CompletenessReport, type ExtractOptions, type ExtractSource } from './extract.ts'
import type { X2crmRecord, X2crmSource } from './types.ts'

/**
 * The previous run's hashes of a class, ascending by id: what {@link detectDelta} compares against. The ledger's
 * hash store is one.
 */
export interface PreviousHashes {
  hashes(entity: string): AsyncIterable<RecordHash>
}

export type DeltaStatus = 'new' | 'changed' | 'unchanged' | 'deleted'

export interface DeltaEntry {
  id: number
  status: DeltaStatus
  /** The current hash; absent for a deleted record. */
  hash?: string
}

/**
 * Fields that change without the record changing: `lastActivity` moves when an action is logged against the
 * record, `lastUpdated` on a save that changed nothing.
 */
export const VOLATILE_FIELDS: readonly string[] = ['lastActivity', 'lastUpdated']

export interface ContentHashOptions {
  /** @default VOLATILE_FIELDS */
  exclude?: readonly string[]
  /**
   * What belongs to the record but is not in its JSON and does not bump `lastUpdated`: tags, relationships,
   * attached media. Arrays are hashed as sets (order does not matter).
   */
  related?: Readonly<Record<string, readonly (string | number)[]>>
}

/**
 * A stable hash of a record's content: keys sorted, volatile fields left out, numbers and numeric strings alike
 * (`"42"` and `42` are the same value, sent differently by different PHP versions).
 */
export function contentHash(record: X2crmRecord, options: ContentHashOptions = {}): string {
  const exclude = new Set(options.exclude ?? VOLATILE_FIELDS)
  const hash = createHash('sha256')
  hash.update(canonical(record, exclude))
  if (options.related) {
    const related = Object.fromEntries(
      Object.entries(options.related).map(([name, items]) => [name, items.map(String).sort()]),
    )
    hash.update('\u0000')
    hash.update(canonical(related, new Set()))
  }
  return hash.digest('base64url')
}

const NOTHING_EXCLUDED: ReadonlySet<string> = new Set()

/**
 * `{"key":value,…}` with keys in code-unit order, numbers and booleans as strings. Written as loops over
 * `Object.keys` (no entries arrays, closures or sets per value): every record of a run is hashed, and this was 5 s
 * of a 100k-record migrate. The text, hence every hash a ledger holds, is what it always was.
 */
function canonical(value: unknown, exclude: ReadonlySet<string>): string {
  if (value === null || value === undefined) return 'null'
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'number':
    case 'boolean':
      // String(n) never holds a character JSON escapes.
      return `"${String(value)}"`
    case 'object': {
      if (Array.isArray(value)) {
        let text = '['
        for (let i = 0; i < value.length; i++) {
          if (i > 0) text += ','
          text += canonical(value[i], NOTHING_EXCLUDED)
        }
        return `${text}]`
      }
      const object = value as Record<string, unknown>
      // The default sort compares UTF-16 code units, as `<` does.
      const keys = Object.keys(object).sort()
      let text = '{'
      let first = true
      for (const key of keys) {
        if (exclude.has(key)) continue
        if (!first) text += ','
        first = false
        text += `${quotedKey(key)}:${canonical(object[key], NOTHING_EXCLUDED)}`
      }
      return `${text}}`
    }
    default:
      return 'null'
  }
}

/** Field names repeat on every record: quoted once each. */
const quotedKeys = new Map<string, string>()
function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key)
  if (quoted === undefined) {
    quoted = JSON.stringify(key)
    if (quotedKeys.size < 10_000) quotedKeys.set(key, quoted)
  }
  return quoted
}

/**
 * Merges the current hashes with the previous run's, both ascending by id, into one entry per id: in both and
 * equal is unchanged, different is changed, only current is new, only previous is deleted. Streams both sides.
 */
export async function* classifyDelta(
  current: AsyncIterable<RecordHash> | Iterable<RecordHash>,
  previous: AsyncIterable<RecordHash> | Iterable<RecordHash>,
): AsyncGenerator<DeltaEntry> {
  const now = ascending(current, 'current')
  const before = ascending(previous, 'previous')
  let a = await now.next()
  let b = await before.next()
  while (!a.done || !b.done) {
    if (!a.done && (b.done || a.value.id < b.value.id)) {
      yield { id: a.value.id, status: 'new', hash: a.value.hash }
      a = await now.next()
    } else if (!b.done && (a.done || b.value.id < a.value.id)) {
      yield { id: b.value.id, status: 'deleted' }
      b = await before.next()
    } else if (!a.done && !b.done) {
      yield {
        id: a.value.id,
        status: a.value.hash === b.value.hash ? 'unchanged' : 'changed',
        hash: a.value.hash,
      }
      a = await now.next()
      b = await before.next()
    }
  }
}

async function* ascending(
  hashes: AsyncIterable<RecordHash> | Iterable<RecordHash>,
  side: string,
): AsyncGenerator<RecordHash> {
  let last = Number.NEGATIVE_INFINITY
  for await (const entry of hashes) {
    if (entry.id <= last) throw new RangeError(`${side} hashes must ascend by id: ${entry.id} after ${last}`)
    last = entry.id
    yield entry
  }
}

/**
 * Records of `entity` whose `lastUpdated` is after `watermark` (unix seconds), by keyset paging. Fast, but it
 * misses what X2CRM changes without bumping `lastUpdated` (tags, relationships, media, direct `update()` calls)
 * and never sees deletions: {@link detectDelta} finds those. The watermark must be the clock of the run that read
 * (its start), never the largest `lastUpdated` it read: X2CRM holds timestamps in the future (a finding), and one in
 * 2100 would hide every later change.
 */
export function changedSince(
  source: Pick<X2crmSource, 'records'>,
  entity: string,
  watermark: number,
  options: { afterId?: number; pageSize?: number } = {},
): AsyncIterable<X2crmRecord> {
  return source.records(entity, { ...options, filters: { lastUpdated: `>${watermark}` } })
}

export type DeltaChange =
  | { status: 'new' | 'changed'; id: number; hash: string; record: X2crmRecord }
  | { status: 'deleted'; id: number }

export interface DetectDeltaOptions {
  extract?: ExtractOptions
  hash?: (record: X2crmRecord) => string
  onReport?: (report: CompletenessReport, counts: Readonly<Record<DeltaStatus, number>>) => void
  /** Told how many records were read so far, every {@link PROGRESS_STEP} records and at the end. */
  onProgress?: (read: number) => void
}

export const PROGRESS_STEP = 1000

/**
 * Everything that changed in `entity` since the hashes in `store` were taken: reads the whole class (hidden records
 * included), hashes each record and merges with the previous hashes. Yields new and changed records and deleted
 * ids; unchanged ones are only counted. The store is not updated: save the hashes once the changes are loaded.
 */
export async function* detectDelta(
  source: ExtractSource,
  entity: string,
  store: PreviousHashes,
  options: DetectDeltaOptions = {},
): AsyncGenerator<DeltaChange> {
  const hashOf = options.hash ?? ((record: X2crmRecord) => contentHash(record))
  // A hidden record the last read found far below the lowest listed id must be probed again, not taken for deleted.
  const lowestKnown = await firstId(store.hashes(entity))
  const extraction = extractClass(source, entity, {
    ...(lowestKnown === undefined ? {} : { probeDownTo: lowestKnown }),
    ...options.extract,
  })
  const counts: Record<DeltaStatus, number> = { new: 0, changed: 0, unchanged: 0, deleted: 0 }
  // The record a hash belongs to, held only until the merge has classified it.
  let pending: X2crmRecord | undefined
  let read = 0
  async function* currentHashes(): AsyncGenerator<RecordHash> {
    for await (const record of extraction) {
      pending = record
      if (++read % PROGRESS_STEP === 0) options.onProgress?.(read)
      yield { id: Number(record.id), hash: hashOf(record) }
    }
    options.onProgress?.(read)
  }
  for await (const entry of classifyDelta(currentHashes(), store.hashes(entity))) {
    counts[entry.status]++
    if (entry.status === 'deleted') yield { status: 'deleted', id: entry.id }
    else if (entry.status !== 'unchanged' && pending && entry.hash !== undefined) {
      yield { status: entry.status, id: entry.id, hash: entry.hash, record: pending }
    }
  }
  options.onReport?.(extraction.report(), counts)
}

async function firstId(hashes: AsyncIterable<RecordHash>): Promise<number | undefined> {
  for await (const entry of hashes) return entry.id
  return undefined
}
