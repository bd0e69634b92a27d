import type { SourceKey } from '../domain/source-key.ts'
import type { Ledger } from '../ledger/ledger.ts'
import { rowPhaseName, type PlannedPhase } from '../plan/plan-load.ts'
import type { DataverseBulkTarget, DataverseTarget } from '../target/dataverse/types.ts'
import { readRowsById } from './rollback-check.ts'

/** Whether a phase loads rows Dataverse makes read-only once closed: cases (resolved, cancelled), opportunities. */
export const closesRows = (phase: PlannedPhase): boolean =>
  phase.pass === 1 && (phase.entityMap.caseClose !== undefined || phase.entityMap.close !== undefined)

/** The write that reopens a closed case or opportunity: Open (statecode 0) with In Progress (statuscode 1). */
export const REOPEN = { statecode: 0, statuscode: 1 } as const

type ReopenTarget = Pick<DataverseTarget, 'query'> & Pick<DataverseBulkTarget, 'update'>

/**
 * Before a phase of cases or opportunities loads: a closed case or opportunity is read-only in Dataverse ("When you
 * close an opportunity, the opportunity is marked as complete, and can't be changed. To make further changes to an
 * opportunity, you can reopen it." https://learn.microsoft.com/en-us/troubleshoot/dynamics-365/sales/troubleshoot-opportunities-issues),
 * so each closed row of the phase's table that a run of x2d365 wrote is reopened, to be loaded and closed again at
 * the end as X2CRM says. Rows no run wrote are left alone. Returns how many were reopened.
 */
export async function reopenClosedRows(
  phase: PlannedPhase,
  deps: { target: ReopenTarget; ledger: Pick<Ledger, 'sourcesOf'> },
): Promise<number> {
  if (!closesRows(phase)) return 0
  const { entitySet, primaryId } = phase.table
  const closed: string[] = []
  for await (const row of deps.target.query(entitySet, { select: [primaryId], filter: 'statecode ne 0' }))
    if (typeof row[primaryId] === 'string') closed.push(row[primaryId])
  if (closed.length === 0) return 0
  const ours = await deps.ledger.sourcesOf(closed)
  let reopened = 0
  for (const id of closed) {
    if ((ours.get(id)?.length ?? 0) === 0) continue
    if ((await deps.target.update(phase.table, { targetId: id, values: REOPEN })) === 'updated') reopened++
  }
  return reopened
}

/**
 * For a delta, before it loads these changed records of a phase of cases or opportunities: the rows they were loaded
 * into that are closed in Dataverse are reopened (so the change can be written), to be closed again at the end when
 * X2CRM still says so; a record X2CRM reopened stays open. Returns the source keys whose rows were reopened.
 */
export async function reopenChangedRows(
  phase: PlannedPhase,
  sourceKeys: readonly SourceKey[],
  deps: { target: ReopenTarget; ledger: Pick<Ledger, 'loaded'> },
): Promise<SourceKey[]> {
  if (!closesRows(phase) || sourceKeys.length === 0) return []
  const loaded = await deps.ledger.loaded(sourceKeys)
  const rows = [...loaded.values()].filter((r) => rowPhaseName(r.phase) === phase.name)
  if (rows.length === 0) return []
  const states = await readRowsById(
    deps.target,
    phase.table,
    rows.map((r) => r.targetId),
    ['statecode'],
  )
  const reopened: SourceKey[] = []
  for (const row of rows) {
    const state = states.get(row.targetId)?.['statecode']
    if (typeof state !== 'number' || state === 0) continue
    if ((await deps.target.update(phase.table, { targetId: row.targetId, values: REOPEN })) === 'updated')
      reopened.push(row.sourceKey)
  }
  return reopened
}
