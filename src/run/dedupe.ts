import { sourceKeyOf, type SourceKey } from '../domain/source-key.ts'
import type { Ledger } from '../ledger/ledger.ts'
import type { EntityMap } from '../mapping/types.ts'
import type { DataverseTarget } from '../target/dataverse/types.ts'

/**
 * Dedupe (DESIGN.md, "Deterministic target ids"): a record that is not in Dataverse yet may be a company the org
 * already has. It is loaded onto the one existing row whose dedupe columns (`EntityMap.dedupe`) all equal its values,
 * instead of a new row under its deterministic id; the ledger then holds that row's id, which every later run,
 * link, verify and rollback follows. Decisions are pure; {@link matchExisting} does the reading.
 */

/** A record that may duplicate an existing row: its source key and the values the map writes to its columns. */
export interface DedupeRow {
  sourceKey: SourceKey
  values: Readonly<Record<string, unknown>>
}

/** A row found in Dataverse by the dedupe columns, with the columns it was read with. */
export interface ExistingRow {
  targetId: string
  values: Readonly<Record<string, unknown>>
}

/**
 * What dedupe decided for one record. `matched`: load it onto that row. `ambiguous`: several rows fit, so none is
 * taken and the record is created new. `taken`: the only rows that fit are already the rows of other source records
 * (an X2CRM duplicate, or a row this run loads), so it is created new.
 */
export type DedupeDecision =
  | { status: 'matched'; targetId: string; warning: string }
  | { status: 'ambiguous'; candidates: string[]; warning: string }
  | { status: 'taken'; targetId: string; by: SourceKey; warning: string }

/** Records per query, as `readExisting` does; each is an `and` of one comparison per column. */
export const ROWS_PER_QUERY = 50
/**
 * Characters of one URL-encoded `$filter`: well under the Web API's 32 KB URL limit ("Query data using the Web API"),
 * whatever the values' lengths and characters.
 */
export const FILTER_CHARS = 16_000

/** The record's values of the dedupe columns, trimmed; undefined when one of them is empty or not text. Pure. */
export function dedupeValues(
  columns: readonly string[],
  values: Readonly<Record<string, unknown>>,
): string[] | undefined {
  const found: string[] = []
  for (const column of columns) {
    const value = values[column]
    if (typeof value !== 'string' || value.trim() === '') return undefined
    found.push(value.trim())
  }
  return found
}

/** An OData string literal: quoted, a quote inside doubled (OData URL conventions §5.1.1.6.1). Pure. */
export function odataString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

/**
 * `$filter`s that find every row equal to one of `rows` on all `columns` (Dataverse compares strings
 * case-insensitively), one per query: at most {@link ROWS_PER_QUERY} distinct value lists and {@link FILTER_CHARS}
 * encoded characters each. Pure.
 * @example dedupeFilters(['name', 'websiteurl'], [['Acme', 'acme.com']])
 * // ["(name eq 'Acme' and websiteurl eq 'acme.com')"]
 */
export function dedupeFilters(columns: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const clauses = new Map<string, string>()
  for (const values of rows) {
    const key = comparable(values)
    if (clauses.has(key)) continue
    const terms = columns.map((column, i) => `${column} eq ${odataString(values[i] ?? '')}`)
    clauses.set(key, terms.length === 1 ? (terms[0] ?? '') : `(${terms.join(' and ')})`)
  }
  const filters: string[] = []
  let current: string[] = []
  let length = 0
  for (const clause of clauses.values()) {
    const size = encodeURIComponent(` or ${clause}`).length
    if (current.length > 0 && (current.length >= ROWS_PER_QUERY || length + size > FILTER_CHARS)) {
      filters.push(current.join(' or '))
      current = []
      length = 0
    }
    current.push(clause)
    length += size
  }
  if (current.length > 0) filters.push(current.join(' or '))
  return filters
}

/**
 * Decides, record by record in order, which existing row each one is: the rows whose `columns` equal its values
 * (case-insensitively), less those `known` as the row of another source record (the ledger's, and this run's) and
 * those a record before it in `rows` took. One left: matched. Two or more: ambiguous. None left of some that fit:
 * taken. Records no row fits have no decision. Pure.
 */
export function decideMatches(
  map: Pick<EntityMap, 'table'> & { dedupe: { columns: readonly string[] } },
  rows: readonly DedupeRow[],
  found: readonly ExistingRow[],
  known: ReadonlyMap<string, SourceKey>,
): Map<SourceKey, DedupeDecision> {
  const { columns } = map.dedupe
  const table = map.table.logicalName
  const by = columns.join(' + ')
  const byValues = new Map<string, string[]>()
  for (const row of found) {
    const values = dedupeValues(columns, row.values)
    if (values === undefined) continue
    const key = comparable(values)
    byValues.set(key, [...(byValues.get(key) ?? []), row.targetId])
  }
  const claimed = new Map(known)
  const decisions = new Map<SourceKey, DedupeDecision>()
  for (const row of rows) {
    const values = dedupeValues(columns, row.values)
    if (values === undefined) continue
    const candidates = [...new Set(byValues.get(comparable(values)) ?? [])].sort()
    const free = candidates.filter((id) => (claimed.get(id) ?? row.sourceKey) === row.sourceKey)
    const [only] = free
    if (free.length === 1 && only !== undefined) {
      claimed.set(only, row.sourceKey)
      decisions.set(row.sourceKey, {
        status: 'matched',
        targetId: only,
        warning: `matched existing ${table} ${only} by ${by}`,
      })
    } else if (free.length > 1) {
      decisions.set(row.sourceKey, {
        status: 'ambiguous',
        candidates: free,
        warning: `dedupe ambiguous: ${free.length} existing ${table} rows have the same ${by} (${free.join(', ')}); created new — merge them in Dataverse if they are one`,
      })
    } else {
      const [first] = candidates
      const owner = first === undefined ? undefined : claimed.get(first)
      if (first !== undefined && owner !== undefined) {
        decisions.set(row.sourceKey, {
          status: 'taken',
          targetId: first,
          by: owner,
          warning: `dedupe found existing ${table} ${first} with the same ${by}, but it is already the row of ${owner}; created new`,
        })
      }
    }
  }
  return decisions
}

/**
 * Reads the rows of `map`'s table that `rows` may duplicate (one query per {@link dedupeFilters} filter) with the
 * columns a before-image needs, asks the ledger which of them are already the rows of source records, and decides
 * ({@link decideMatches}). A row carrying an X2CRM id in `map.sourceIdColumn` was written by a migration: it is
 * that record's row, never matched to another. A matched decision comes with the row's before-image, shaped as
 * `readExisting` shapes it.
 */
export async function matchExisting(
  map: EntityMap & { dedupe: { columns: readonly string[] } },
  rows: readonly DedupeRow[],
  deps: { target: Pick<DataverseTarget, 'query'>; ledger: Pick<Ledger, 'sourcesOf'> },
  options: {
    /** Rows this run is loading whose outcomes are not in the ledger yet: target id → source key. */
    claimed: ReadonlyMap<string, SourceKey>
    /** The columns of a before-image (`imageColumns(map)`). */
    imageColumns: readonly string[]
  },
): Promise<Map<SourceKey, DedupeDecision & { image?: Record<string, unknown> }>> {
  const { columns } = map.dedupe
  const { table, sourceIdColumn } = map
  const wanted = rows.flatMap((r) => {
    const values = dedupeValues(columns, r.values)
    return values === undefined ? [] : [values]
  })
  if (wanted.length === 0) return new Map()
  const select = [
    ...new Set([
      table.primaryId,
      ...columns,
      ...options.imageColumns,
      ...(sourceIdColumn ? [sourceIdColumn] : []),
    ]),
  ]
  const found: ExistingRow[] = []
  // A row that carries an X2CRM id was written by a migration: it is that record's row, even if this ledger lost it.
  const migrated = new Map<string, SourceKey>()
  for (const filter of dedupeFilters(columns, wanted)) {
    for await (const row of deps.target.query(table.entitySet, { select, filter })) {
      const targetId = row[table.primaryId]
      if (typeof targetId !== 'string') continue
      found.push({ targetId, values: row })
      const sourceId = sourceIdColumn === undefined ? undefined : row[sourceIdColumn]
      if (typeof sourceId === 'string' && sourceId.trim() !== '')
        migrated.set(targetId, sourceKeyOf(map.entity, sourceId.trim()))
    }
  }
  if (found.length === 0) return new Map()
  const known = new Map(options.claimed)
  for (const [targetId, sourceKeys] of await deps.ledger.sourcesOf(found.map((r) => r.targetId))) {
    const [first] = sourceKeys
    if (first !== undefined && !known.has(targetId)) known.set(targetId, first)
  }
  for (const [targetId, sourceKey] of migrated) if (!known.has(targetId)) known.set(targetId, sourceKey)
  const decisions = decideMatches(map, rows, found, known)
  const rowsById = new Map(found.map((r) => [r.targetId, r.values]))
  const result = new Map<SourceKey, DedupeDecision & { image?: Record<string, unknown> }>()
  for (const [sourceKey, decision] of decisions) {
    if (decision.status !== 'matched') {
      result.set(sourceKey, decision)
      continue
    }
    const values = rowsById.get(decision.targetId) ?? {}
    const image: Record<string, unknown> = {}
    for (const column of options.imageColumns) image[column] = values[column] ?? null
    result.set(sourceKey, { ...decision, image })
  }
  return result
}

/** Values as Dataverse's `eq` compares them: case-insensitively. */
function comparable(values: readonly string[]): string {
  return JSON.stringify(values.map((v) => v.toLowerCase()))
}

/**
 * Whether `map`'s table holds a row a dedupe could match: any row at all, or, when the map writes the X2CRM id
 * column, a row without one (a row with one was written by a migration). Asked once when a phase starts, before it
 * writes: a first migration into an empty table then spends no request on lookups (one per 50 records otherwise,
 * counted against the service protection limits like any other).
 */
export async function hasForeignRows(
  map: Pick<EntityMap, 'table' | 'sourceIdColumn'>,
  target: Pick<DataverseTarget, 'query'>,
): Promise<boolean> {
  const { table, sourceIdColumn } = map
  const filter = sourceIdColumn === undefined ? undefined : `${sourceIdColumn} eq null`
  for await (const _row of target.query(table.entitySet, {
    select: [table.primaryId],
    top: 1,
    pageSize: 1,
    ...(filter === undefined ? {} : { filter }),
  })) {
    return true
  }
  return false
}
