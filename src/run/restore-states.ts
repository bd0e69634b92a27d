import type { BeforeImage, RunLedger } from '../ledger/ledger.ts'
import { tableRefFor } from '../mapping/known-tables.ts'
import { uuidV5, X2D365_NAMESPACE } from '../mapping/target-id.ts'
import type { DataverseBulkTarget, DataverseTarget, TableRef } from '../target/dataverse/types.ts'
import { readRowsById } from './rollback-check.ts'

const PRODUCT = tableRefFor('product')
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
 * The write that puts a product back in the Active (0) or Retired (1) state its image holds, when it is in the other
 * one now (a delta retired it, or activated it again: the product lifecycle's Retire and Activate are SetState). A
 * draft or a product under revision is left. Pure.
 * https://learn.microsoft.com/dynamics365/sales/developer/publish-revise-revert-retire-activate-products
 */
export function productStateFor(
  image: Pick<BeforeImage, 'entitySet' | 'values'>,
  current: unknown,
): { statecode: number; statuscode: number } | undefined {
  const state = image.values['statecode']
  if (image.entitySet !== PRODUCT.entitySet || (state !== 0 && state !== 1)) return undefined
  if ((current !== 0 && current !== 1) || current === state) return undefined
  const status = image.values['statuscode']
  return { statecode: state, statuscode: typeof status === 'number' ? status : state === 0 ? 1 : 2 }
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
    if (image.entitySet === PRODUCT.entitySet) {
      const row = (await readRowsById(target, PRODUCT, [image.targetId], ['statecode'])).get(image.targetId)
      const values = productStateFor(image, row?.['statecode'])
      if (
        values !== undefined &&
        (await target.update(PRODUCT, { targetId: image.targetId, values })) === 'updated'
      )
        closed++
      continue
    }
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
