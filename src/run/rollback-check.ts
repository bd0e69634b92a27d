import { sourceKeyOf, type SourceKey } from '../domain/source-key.ts'
import type { RunLedger } from '../ledger/ledger.ts'
import { targetIdFor } from '../mapping/target-id.ts'
import type { EntityMap } from '../mapping/types.ts'
import type { DataverseTarget, TableRef } from '../target/dataverse/types.ts'
import { chunks } from './chunks.ts'

/** A row a rollback should have removed and that is still in Dataverse. */
export interface Leftover {
  entitySet: string
  targetId: string
  /** The X2CRM id the row carries, when it was found by the X2CRM id column. */
  x2crmId?: string
  sourceKey?: SourceKey
}

/**
 * Characters of `$filter` per query when rows are read by id. Dataverse refuses URLs over 32 KB (GETs inside a
 * `$batch` may reach 64 KB, webapi.md §3); an `or` chain of primary-key comparisons costs ~60 encoded characters per
 * id, so this reads ~250 ids per query and leaves room for `$select`. (`Microsoft.Dynamics.CRM.In` would be shorter;
 * the simulator's `$filter` knows only comparisons, so the check uses what both understand.)
 */
export const MAX_FILTER_CHARS = 15_000

/**
 * `$filter`s that together name every id, each an `or` of `primaryId eq id` no longer than `maxChars` once
 * URL-encoded. Pure.
 */
export function idFilters(primaryId: string, ids: readonly string[], maxChars = MAX_FILTER_CHARS): string[] {
  const filters: string[] = []
  let current: string[] = []
  let length = 0
  for (const id of ids) {
    const term = `${primaryId} eq ${id}`
    const cost = encodeURIComponent(term).length + encodeURIComponent(' or ').length
    if (current.length > 0 && length + cost > maxChars) {
      filters.push(current.join(' or '))
      current = []
      length = 0
    }
    current.push(term)
    length += cost
  }
  if (current.length > 0) filters.push(current.join(' or '))
  return filters
}

/** The rows among `targetIds` that exist, keyed by id, with `columns` (null when absent). */
export async function readRowsById(
  target: Pick<DataverseTarget, 'query'>,
  table: TableRef,
  targetIds: readonly string[],
  columns: readonly string[],
): Promise<Map<string, Record<string, unknown>>> {
  const rows = new Map<string, Record<string, unknown>>()
  for (const filter of idFilters(table.primaryId, targetIds)) {
    for await (const row of target.query(table.entitySet, {
      select: [table.primaryId, ...columns],
      filter,
    })) {
      const id = row[table.primaryId]
      if (typeof id !== 'string') continue
      const values: Record<string, unknown> = {}
      for (const column of columns) values[column] = row[column] ?? null
      rows.set(id, values)
    }
  }
  return rows
}

/**
 * Whose a row carrying an X2CRM id is, after a rollback: `held` when a run that is not undone still holds it (the
 * ledger's newest row outcome of one of its records names it: created by a run before, or restored), `ours` when it
 * is not held but x2d365 wrote it (its id is the deterministic id of one of its records, or the ledger names it:
 * it should be gone), `foreign` otherwise (someone else's row carrying an X2CRM id: not the rollback's business).
 * Pure.
 */
export function ownerOfRow(row: {
  targetId: string
  /** Target ids of the records that may own the row, as the ledger holds them now (newest row outcome). */
  heldIds: readonly string[]
  /** The deterministic ids of those records, for every X2CRM instance of the undone runs. */
  derivedIds: readonly string[]
  /** Some outcome in the ledger names this row. */
  knownToLedger: boolean
}): 'held' | 'ours' | 'foreign' {
  const id = row.targetId.toLowerCase()
  if (row.heldIds.some((h) => h.toLowerCase() === id)) return 'held'
  if (row.knownToLedger || row.derivedIds.some((d) => d.toLowerCase() === id)) return 'ours'
  return 'foreign'
}

export interface X2crmIdScope {
  /** The entity maps of the undone runs; only those with a `sourceIdColumn` can be searched. */
  maps: readonly EntityMap[]
  /** The X2CRM instances the undone runs read (their `instance` parameter). */
  instances: readonly string[]
}

/** Rows examined per ledger look-up. */
const ROWS_PER_LOOKUP = 500

/**
 * Every row of the scope's tables that carries an X2CRM id in the map's column, that x2d365 wrote and that no run
 * still holds: rows a rollback should have removed, found in Dataverse itself, including rows a killed run wrote
 * before the ledger recorded them (their ids are deterministic). Streams the table (`$filter=<column> ne null`,
 * pages of 5,000), one ledger look-up per 500 rows. Tables whose map has no X2CRM id column are listed in `unchecked`.
 */
export async function findLeftoversByX2crmId(
  target: Pick<DataverseTarget, 'query'>,
  ledger: Pick<RunLedger, 'loaded' | 'sourcesOf'>,
  scope: X2crmIdScope,
): Promise<{ leftovers: Leftover[]; count: number; unchecked: string[]; scanned: number }> {
  const byTable = new Map<string, { table: TableRef; column: string; entities: Set<string> }>()
  const unchecked = new Set<string>()
  for (const map of scope.maps) {
    if (map.sourceIdColumn === undefined) {
      unchecked.add(map.table.entitySet)
      continue
    }
    const key = `${map.table.logicalName}\n${map.sourceIdColumn}`
    const entry = byTable.get(key) ?? { table: map.table, column: map.sourceIdColumn, entities: new Set() }
    entry.entities.add(map.entity)
    byTable.set(key, entry)
  }
  const leftovers: Leftover[] = []
  let count = 0
  let scanned = 0
  for (const { table, column, entities } of byTable.values()) {
    const rows = target.query(table.entitySet, {
      select: [table.primaryId, column],
      filter: `${column} ne null`,
    })
    for await (const batch of chunks(rows, ROWS_PER_LOOKUP)) {
      scanned += batch.length
      const found = batch.flatMap((row) => {
        const targetId = row[table.primaryId]
        const x2crmId = row[column]
        if (typeof targetId !== 'string' || (typeof x2crmId !== 'string' && typeof x2crmId !== 'number'))
          return []
        const keys = [...entities].map((entity) => sourceKeyOf(entity, String(x2crmId).trim()))
        return [{ targetId, x2crmId: String(x2crmId), keys }]
      })
      const loaded = await ledger.loaded(found.flatMap((f) => f.keys))
      const known = await ledger.sourcesOf(found.map((f) => f.targetId))
      for (const row of found) {
        const owner = ownerOfRow({
          targetId: row.targetId,
          heldIds: row.keys.flatMap((k) => loaded.get(k)?.targetId ?? []),
          derivedIds: [...entities].flatMap((entity) =>
            scope.instances.map((instance) => targetIdFor(instance, entity, row.x2crmId)),
          ),
          knownToLedger: (known.get(row.targetId)?.length ?? 0) > 0,
        })
        if (owner !== 'ours') continue
        count++
        const sourceKey = row.keys.find((k) =>
          scope.instances.some(
            (instance) => targetIdFor(instance, k.slice(0, k.lastIndexOf(':')), row.x2crmId) === row.targetId,
          ),
        )
        if (leftovers.length < MAX_LISTED)
          leftovers.push({
            entitySet: table.entitySet,
            targetId: row.targetId,
            x2crmId: row.x2crmId,
            ...(sourceKey !== undefined && { sourceKey }),
          })
      }
    }
  }
  return { leftovers, count, unchecked: [...unchecked], scanned }
}

/** Leftovers kept by name; beyond these only the count. */
export const MAX_LISTED = 1000
