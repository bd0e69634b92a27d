import type { SourceKey } from '../domain/source-key.ts'
import type { Ledger, RecordOutcome } from '../ledger/ledger.ts'
import { rowPhaseName, type PlannedPhase } from '../plan/plan-load.ts'
import type { DataverseTarget } from '../target/dataverse/types.ts'
import { readExisting } from './before-image.ts'

/**
 * For a delta, before it loads these changed quotes: the ones whose row is won (statecode 2) or closed (3) in
 * Dataverse, which is read-only then (ReviseQuote makes a new draft revision, a new quote: nothing x2d365 does), with
 * the outcome that says so. They are skipped, not sent to be refused.
 * https://learn.microsoft.com/previous-versions/dynamicscrm-2016/developers-guide/mt607543(v=crm.8)
 */
export async function closedQuotes(
  phase: PlannedPhase,
  sourceKeys: readonly SourceKey[],
  runId: string,
  deps: { target: Pick<DataverseTarget, 'query'>; ledger: Pick<Ledger, 'loaded'> },
): Promise<Map<SourceKey, RecordOutcome>> {
  const skipped = new Map<SourceKey, RecordOutcome>()
  if (phase.pass !== 1 || phase.entityMap.quoteStates === undefined || sourceKeys.length === 0) return skipped
  const loaded = [...(await deps.ledger.loaded(sourceKeys)).values()].filter(
    (r) => rowPhaseName(r.phase) === phase.name,
  )
  if (loaded.length === 0) return skipped
  const states = await readExisting(
    deps.target,
    phase.table,
    loaded.map((r) => r.targetId),
    ['statecode'],
  )
  for (const row of loaded) {
    const state = states.get(row.targetId)?.['statecode']
    if (state !== 2 && state !== 3) continue
    skipped.set(row.sourceKey, {
      runId,
      phase: phase.name,
      sourceKey: row.sourceKey,
      targetId: row.targetId,
      status: 'skipped',
      reason: `the quote is ${state === 2 ? 'won' : 'closed'} in Dataverse and read-only: the change is not written (revise the quote in Dataverse to change it)`,
    })
  }
  return skipped
}
