import type { BeforeImage, RunLedger } from '../ledger/ledger.ts'
import { tableRefFor } from '../mapping/known-tables.ts'
import { uuidV5, X2D365_NAMESPACE } from '../mapping/target-id.ts'
import type { DataverseBulkTarget, DataverseTarget, TableRef } from '../target/dataverse/types.ts'
import { readRowsById } from './rollback-check.ts'

const OPPORTUNITY = tableRefFor('opportunity')
const OPPORTUNITY_CLOSE = tableRefFor('opportunityclose')
const INCIDENT = tableRefFor('incident')
const INCIDENT_RESOLUTION = tableRefFor('incidentresolution', {
  entitySet: 'incidentresolutions',
  primaryId: 'activityid',
})

export type StateRestoreTarget = Pick<DataverseTarget, 'query'> &
  Pick<DataverseBulkTarget, 'update' | 'delete'> &
  Partial<Pick<DataverseBulkTarget, 'callAction'>>

/** How a row gets back to the closed state its image holds: the action (or PATCH) that closes it. Pure. */
export function closeStepFor(
  image: Pick<BeforeImage, 'entitySet' | 'targetId' | 'values'>,
  closeId: string,
): { table: TableRef; action?: string; body: Record<string, unknown>; helperRow?: TableRef } | undefined {
  const state = image.values['statecode']
  const status = image.values['statuscode']
  if (typeof state !== 'number' || state === 0) return undefined
  if (image.entitySet === OPPORTUNITY.entitySet && (state === 1 || state === 2))
    return {
      table: OPPORTUNITY,
      action: state === 1 ? 'WinOpportunity' : 'LoseOpportunity',
      body: {
        Status: typeof status === 'number' ? status : state === 1 ? 3 : 4,
        OpportunityClose: {
          activityid: closeId,
          subject: 'Closed again by rollback',
          'opportunityid@odata.bind': `/opportunities(${image.targetId})`,
        },
      },
      helperRow: OPPORTUNITY_CLOSE,
    }
  if (image.entitySet === INCIDENT.entitySet && state === 1)
    return {
      table: INCIDENT,
      action: 'CloseIncident',
      body: {
        Status: typeof status === 'number' ? status : 5,
        IncidentResolution: {
          activityid: closeId,
          subject: 'Resolved again by rollback',
          'incidentid@odata.bind': `/incidents(${image.targetId})`,
        },
      },
      helperRow: INCIDENT_RESOLUTION,
    }
  if (image.entitySet === INCIDENT.entitySet)
    return {
      table: INCIDENT,
      body: { statecode: state, ...(typeof status === 'number' && { statuscode: status }) },
    }
  return undefined
}

/**
 * After a run's rows are restored: an opportunity or case whose before-image says it was closed (won, lost, resolved,
 * cancelled) and that is open now (the run reopened it to load a change, or X2CRM reopened it) is closed again as the
 * image says. Dataverse closes an opportunity or resolves a case only through its action, which writes a close
 * activity; the row is as it was with its own earlier close, so the one the action wrote here is deleted again.
 * Returns how many rows were closed again.
 */
export async function restoreClosedStates(
  runId: string,
  ledger: Pick<RunLedger, 'beforeImages'>,
  target: StateRestoreTarget,
): Promise<number> {
  let closed = 0
  for await (const image of ledger.beforeImages(runId)) {
    const closeId = uuidV5(`rollback\n${runId}\n${image.targetId.toLowerCase()}`, X2D365_NAMESPACE)
    const step = closeStepFor(image, closeId)
    if (step === undefined) continue
    const row = (await readRowsById(target, step.table, [image.targetId], ['statecode'])).get(image.targetId)
    if (row === undefined || row['statecode'] !== 0) continue
    if (step.action === undefined) {
      if ((await target.update(step.table, { targetId: image.targetId, values: step.body })) === 'updated')
        closed++
      continue
    }
    if (target.callAction === undefined) continue
    await target.callAction(step.action, step.body)
    if (step.helperRow !== undefined) await target.delete(step.helperRow, closeId)
    closed++
  }
  return closed
}
