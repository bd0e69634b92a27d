import type { SourceKey } from '../domain/source-key.ts'
import type { OutcomeStatus, RecordOutcome } from '../ledger/ledger.ts'
import type { TransformResult } from '../mapping/types.ts'
import type { RowResult } from '../target/dataverse/types.ts'

/** A first-pass batch as it was sent, to read the loader's results against. */
export interface FirstPassBatch {
  runId: string
  phase: string
  /** Every record of the batch, in source order (one outcome each). */
  transformed: readonly TransformResult[]
  /** Where each record that transformed was sent: the row the ledger holds, a dedupe match, else its computed id. */
  targetIdOf: ReadonlyMap<SourceKey, string>
  /** Each record's warnings: the transform's, then dedupe's and the links left empty. */
  warningsOf: ReadonlyMap<SourceKey, readonly string[]>
  /** Rows that were in Dataverse before this write: their records are `updated`, the others `created`. */
  existed: ReadonlySet<string>
}

/**
 * The ledger outcomes of a first-pass batch: skipped and invalid records as the transform said, a row the loader
 * loaded as created or updated, any other quarantined with the server's reason. Pure.
 */
export function firstPassOutcomes(batch: FirstPassBatch, results: readonly RowResult[]): RecordOutcome[] {
  const resultById = new Map(results.map((r) => [r.targetId, r]))
  return batch.transformed.map((t): RecordOutcome => {
    const base = { runId: batch.runId, phase: batch.phase, sourceKey: t.sourceKey }
    if (t.status === 'skipped') return { ...base, status: 'skipped', reason: t.reason }
    if (t.status === 'invalid') return { ...base, status: 'quarantined', reason: t.issues.join('; ') }
    const targetId = batch.targetIdOf.get(t.sourceKey) ?? t.targetId
    const result = resultById.get(targetId)
    const warnings = batch.warningsOf.get(t.sourceKey) ?? []
    if (result?.status !== 'loaded') {
      return { ...base, status: 'quarantined', targetId, reason: rejectionReason(result), warnings }
    }
    const status: OutcomeStatus = batch.existed.has(targetId) ? 'updated' : 'created'
    return { ...base, status, targetId, warnings }
  })
}

/** A link-pass batch as it was sent. */
export interface LinkPassBatch {
  runId: string
  phase: string
  transformed: readonly TransformResult[]
  /** Records settled before sending (nothing to patch, or the record itself not loaded), by source key. */
  settled: ReadonlyMap<SourceKey, RecordOutcome>
  /** The rows sent, by target id: whose they are, and the warnings of the links left empty. */
  pending: ReadonlyMap<string, { sourceKey: SourceKey; warnings: readonly string[] }>
}

/**
 * The ledger outcomes of a link-pass batch, in source order: the settled ones, and each patched row updated or
 * quarantined with the server's reason. Pure.
 */
export function linkPassOutcomes(batch: LinkPassBatch, results: readonly RowResult[]): RecordOutcome[] {
  const outcomes = new Map(batch.settled)
  for (const result of results) {
    const entry = batch.pending.get(result.targetId)
    if (entry === undefined) continue
    const base = {
      runId: batch.runId,
      phase: batch.phase,
      sourceKey: entry.sourceKey,
      targetId: result.targetId,
      warnings: entry.warnings,
    }
    outcomes.set(
      entry.sourceKey,
      result.status === 'loaded'
        ? { ...base, status: 'updated' }
        : { ...base, status: 'quarantined', reason: rejectionReason(result) },
    )
  }
  return batch.transformed
    .map((t) => outcomes.get(t.sourceKey))
    .filter((o): o is RecordOutcome => o !== undefined)
}

/** Why a row did not load, in the server's words (or ours, when the loader gave no result for it). */
export function rejectionReason(result: RowResult | undefined): string {
  if (result === undefined) return 'no result from the loader (internal error)'
  if (result.status === 'loaded') return ''
  return `Dataverse rejected the row (${result.httpStatus}${result.code ? ` ${result.code}` : ''}): ${result.reason}`
}

/** Outcomes of a batch, counted by status. */
export function countStatuses(outcomes: readonly RecordOutcome[]): Record<OutcomeStatus, number> {
  const counts: Record<OutcomeStatus, number> = {
    created: 0,
    updated: 0,
    quarantined: 0,
    skipped: 0,
    deleted: 0,
    restored: 0,
  }
  for (const o of outcomes) counts[o.status]++
  return counts
}
