import type { Ledger } from '../ledger/ledger.ts'
import { targetIdFor } from '../mapping/target-id.ts'
import { transformRecord } from '../mapping/transform-record.ts'
import { matchesFilter } from '../mapping/split-rule.ts'
import type { EntityMap, Mapping, RecordFilter, TransformContext } from '../mapping/types.ts'
import type { X2crmRecord, X2crmSource } from '../source/x2crm/types.ts'
import type { DataverseTarget } from '../target/dataverse/types.ts'
import { imageColumns, readExisting } from './before-image.ts'
import { chunks } from './chunks.ts'
import { compareRow, type FieldMismatch } from './compare-row.ts'

export interface VerifyOptions {
  instance: string
  mapping: Mapping
  /** Records per entity to check, chosen at random; undefined checks all. */
  sample?: number
  /** @default Math.random */
  random?: () => number
}

export interface EntityVerification {
  entity: string
  /** Records read back and compared. */
  checked: number
  matched: number
  /** Records the ledger says are in Dataverse, but Dataverse does not have. */
  missing: string[]
  /** Records not in Dataverse because they were quarantined or never migrated: not compared. */
  notMigrated: number
  mismatched: { sourceKey: string; targetId: string; mismatches: FieldMismatch[] }[]
  /** Mismatches per Dataverse column. */
  byColumn: Record<string, number>
}

export interface VerifyResult {
  entities: EntityVerification[]
  ok: boolean
}

/**
 * Reads migrated rows back and compares them field by field, through the map's transforms, with the source as it is
 * now. A record changed in X2CRM since the migration shows up as a mismatch (run `delta` first).
 */
export async function verify(
  options: VerifyOptions,
  deps: { source: X2crmSource; target: Pick<DataverseTarget, 'query'>; ledger: Ledger },
): Promise<VerifyResult> {
  const context: TransformContext = {
    targetIdFor: (entity, id) => targetIdFor(options.instance, entity, id),
    ownerFor: () => undefined,
  }
  const entities: EntityVerification[] = []
  for (const map of options.mapping.entities) {
    // verify reads what lists show; records hidden from them are checked through the migration's own reconciliation
    const records =
      options.sample === undefined
        ? deps.source.records(map.entity)
        : streamOf(
            await reservoir(deps.source.records(map.entity), options.sample, options.random ?? Math.random),
          )
    entities.push(await verifyEntity(map, records, context, deps))
  }
  return {
    entities,
    ok: entities.every((e) => e.missing.length === 0 && e.mismatched.length === 0),
  }
}

async function verifyEntity(
  map: EntityMap,
  records: AsyncIterable<X2crmRecord>,
  context: TransformContext,
  deps: { target: Pick<DataverseTarget, 'query'>; ledger: Ledger },
): Promise<EntityVerification> {
  const result: EntityVerification = {
    entity: map.name ?? map.entity,
    checked: 0,
    matched: 0,
    missing: [],
    notMigrated: 0,
    mismatched: [],
    byColumn: {},
  }
  const taken =
    map.where === undefined ? records : only(records, (r) => matchesFilter(map.where as RecordFilter, r))
  for await (const batch of chunks(taken, 50)) {
    const transformed = batch
      .map((r) => transformRecord(map, r, context))
      .flatMap((t) => (t.status === 'ok' ? [t] : []))
    result.notMigrated += batch.length - transformed.length
    const loaded = await deps.ledger.loaded([
      ...transformed.map((t) => t.sourceKey),
      ...transformed.flatMap((t) => t.links.map((l) => l.parentKey)),
    ])
    const inDataverse = transformed.filter((t) => loaded.has(t.sourceKey))
    result.notMigrated += transformed.length - inDataverse.length
    const rows = await readExisting(
      deps.target,
      map.table,
      inDataverse.map((t) => loaded.get(t.sourceKey)?.targetId ?? t.targetId),
      verifyColumns(map),
    )
    for (const t of inDataverse) {
      const targetId = loaded.get(t.sourceKey)?.targetId ?? t.targetId
      const row = rows.get(targetId)
      if (row === undefined) {
        result.missing.push(t.sourceKey)
        continue
      }
      result.checked++
      const links = new Map(t.links.map((l) => [l.field, loaded.get(l.parentKey)?.targetId ?? null]))
      const mismatches = compareRow(map, t, links, row)
      if (mismatches.length === 0) result.matched++
      else {
        result.mismatched.push({ sourceKey: t.sourceKey, targetId, mismatches })
        for (const m of mismatches) result.byColumn[m.column] = (result.byColumn[m.column] ?? 0) + 1
      }
    }
  }
  return result
}

/** The columns to read back: those the map writes, and `createdon`, where an overridden creation date lands. */
function verifyColumns(map: EntityMap): string[] {
  const columns = imageColumns(map)
  return columns.includes('overriddencreatedon') ? [...columns, 'createdon'] : columns
}

/** A uniform random sample of `size` items from a stream of unknown length (Algorithm R), in id order. */
export async function reservoir<T>(
  items: AsyncIterable<T>,
  size: number,
  random: () => number,
): Promise<T[]> {
  const kept: { item: T; index: number }[] = []
  let seen = 0
  for await (const item of items) {
    if (kept.length < size) kept.push({ item, index: seen })
    else {
      const j = Math.floor(random() * (seen + 1))
      if (j < size) kept[j] = { item, index: seen }
    }
    seen++
  }
  return kept.sort((a, b) => a.index - b.index).map((k) => k.item)
}

async function* only<T>(items: AsyncIterable<T>, keep: (item: T) => boolean): AsyncGenerator<T> {
  for await (const item of items) if (keep(item)) yield item
}

async function* streamOf<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items
}
