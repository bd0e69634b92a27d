import { sourceKeyOf, type SourceKey } from '../domain/source-key.ts'
import type { Ledger } from '../ledger/ledger.ts'
import { targetIdFor } from '../mapping/target-id.ts'
import type { Mapping } from '../mapping/types.ts'
import type { PlannedPhase } from '../plan/plan-load.ts'
import { TAGS_FIELD } from '../source/x2crm/normalize/tags.ts'
import type { X2crmRecord, X2crmSource } from '../source/x2crm/types.ts'
import type { DataverseBulkTarget, TableRef, TargetRow } from '../target/dataverse/types.ts'
import { CLOSING_PHASES, recordPlannedRows, type IntentScope } from './closing-intents.ts'

/** What filling the tag table did. */
export interface TagRowsSummary {
  /** Tag rows written (one per record and tag). */
  rows: number
  failed: { sourceKey: SourceKey; reason: string }[]
}

/** The tag table of `settings.tags` (`mode: table`), as `schema apply` creates it. Pure. */
export function tagTableOf(table: string): TableRef {
  return { logicalName: table, entitySet: `${table}s`, primaryId: `${table}id` }
}

/**
 * The tag table's rows of one record: one per tag, named after it, with the lookup to the record's row (the column
 * `schema apply` made: `<prefix><table>id`); its id is deterministic, so a later run writes the same rows. Pure.
 */
export function tagRowsOf(
  instance: string,
  record: X2crmRecord,
  entity: string,
  row: { table: TableRef; targetId: string },
  prefix: string,
): TargetRow[] {
  const value = record[TAGS_FIELD]
  if (typeof value !== 'string' || value === '') return []
  const id = Number(record['id'])
  const lookup = `${prefix}${row.table.logicalName.replace(/^[a-z0-9]+_/, '')}id`
  return value.split(', ').map((tag) => ({
    targetId: targetIdFor(instance, 'Tags', `${entity}:${id}:${tag.toLowerCase()}`),
    values: {
      [`${prefix}name`]: tag,
      [`${lookup}@odata.bind`]: `/${row.table.entitySet}(${row.targetId})`,
    },
  }))
}

/**
 * After every phase, for `settings.tags` `mode: table`: one row in the tag table per record in Dataverse and tag it
 * carries, written through `$batch` so a refused row fails alone. A tag removed in X2CRM since an earlier run keeps
 * its row (not deleted yet).
 */
export async function writeTagRows(
  phases: readonly PlannedPhase[],
  mapping: Mapping,
  instance: string,
  deps: { source: X2crmSource; target: DataverseBulkTarget; ledger: Pick<Ledger, 'loaded'> },
  /** Where the intent of each tag row is recorded before its batch is sent. */
  scope?: IntentScope,
): Promise<TagRowsSummary> {
  const summary: TagRowsSummary = { rows: 0, failed: [] }
  const settings = mapping.settings
  if (settings?.tags.mode !== 'table') return summary
  const tagTable = tagTableOf(settings.tags.table)
  const done = new Set<string>()
  const tableOfPhase = new Map(phases.map((p) => [p.name, p.table]))
  for (const phase of phases) {
    if (phase.pass !== 1 || done.has(phase.entity)) continue
    done.add(phase.entity)
    let batch: X2crmRecord[] = []
    const flush = async () => {
      const keys = batch.map((r) => sourceKeyOf(phase.entity, Number(r['id'])))
      const loaded = await deps.ledger.loaded(keys)
      const rows: { row: TargetRow; sourceKey: SourceKey }[] = []
      for (const record of batch) {
        const sourceKey = sourceKeyOf(phase.entity, Number(record['id']))
        const at = loaded.get(sourceKey)
        const table = at === undefined ? undefined : tableOfPhase.get(at.phase)
        if (at === undefined || table === undefined) continue
        for (const row of tagRowsOf(
          instance,
          record,
          phase.entity,
          { table, targetId: at.targetId },
          settings.publisherPrefix,
        ))
          rows.push({ row, sourceKey })
      }
      batch = []
      if (rows.length === 0) return
      await recordPlannedRows(
        scope,
        CLOSING_PHASES.tagRows,
        tagTable,
        rows.map((r) => ({ targetId: r.row.targetId, sourceKey: r.sourceKey })),
        deps.target,
      )
      const results = await deps.target.batch(
        tagTable,
        rows.map((r) => r.row),
      )
      results.forEach((result, n) => {
        if (result.status === 'loaded') summary.rows++
        else
          summary.failed.push({
            sourceKey: rows[n]?.sourceKey ?? sourceKeyOf(phase.entity, 0),
            reason: `Dataverse refused the tag row (${result.httpStatus} ${result.code}): ${result.reason}`,
          })
      })
    }
    for await (const record of deps.source.records(phase.entity)) {
      if (typeof record[TAGS_FIELD] !== 'string') continue
      batch.push(record)
      if (batch.length >= 100) await flush()
    }
    await flush()
  }
  return summary
}
