import type { RunInfo } from '../ledger/ledger.ts'
import { tableRefFor } from '../mapping/known-tables.ts'
import type { DataverseTarget, DataverseBulkTarget } from '../target/dataverse/types.ts'

const OPPORTUNITY = tableRefFor('opportunity')
const OPPORTUNITY_CLOSE = tableRefFor('opportunityclose')

/** The opportunities a migrate or delta run closed (WinOpportunity / LoseOpportunity), as its summary keeps them. */
export function closedByRun(run: Pick<RunInfo, 'summary'>): string[] {
  const closed = run.summary?.['closed']
  if (typeof closed !== 'object' || closed === null) return []
  const ids = (closed as { closedIds?: unknown }).closedIds
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : []
}

/**
 * Undoes the closes of a run, before its rows are undone: each opportunity it closed is reopened (a closed opportunity
 * is read-only until it is: "When you close an opportunity, the opportunity is marked as complete, and can't be
 * changed. To make further changes to an opportunity, you can reopen it."
 * https://learn.microsoft.com/en-us/troubleshoot/dynamics-365/sales/troubleshoot-opportunities-issues), by setting
 * statecode 0 (Open) with statuscode 1 (In Progress), and the opportunityclose rows the run's close created (created
 * since the run started) are deleted. An opportunity gone already is skipped. Returns the rows it deleted and the
 * opportunities it reopened.
 */
export async function undoCloses(
  run: Pick<RunInfo, 'summary' | 'startedAt'>,
  target: Pick<DataverseTarget, 'query'> & Pick<DataverseBulkTarget, 'update' | 'delete'>,
): Promise<{ reopened: number; closesDeleted: number }> {
  let reopened = 0
  let closesDeleted = 0
  const since = Date.parse(run.startedAt)
  for (const id of closedByRun(run)) {
    let state: unknown
    for await (const row of target.query(OPPORTUNITY.entitySet, {
      select: ['statecode'],
      filter: `${OPPORTUNITY.primaryId} eq ${id}`,
    }))
      state = row['statecode']
    if (state === undefined) continue
    if (state !== 0 && state !== null) {
      if (
        (await target.update(OPPORTUNITY, { targetId: id, values: { statecode: 0, statuscode: 1 } })) ===
        'updated'
      )
        reopened++
    }
    const closes: string[] = []
    for await (const row of target.query(OPPORTUNITY_CLOSE.entitySet, {
      select: ['activityid', 'createdon'],
      filter: `_opportunityid_value eq ${id}`,
    })) {
      const created = typeof row['createdon'] === 'string' ? Date.parse(row['createdon']) : Number.NaN
      // Only what this run created: an earlier close (a run before, or a person) stays.
      if (typeof row['activityid'] === 'string' && !(created < since - 1000)) closes.push(row['activityid'])
    }
    for (const close of closes)
      if ((await target.delete(OPPORTUNITY_CLOSE, close)) === 'deleted') closesDeleted++
  }
  return { reopened, closesDeleted }
}
