import { DataverseFault } from '../errors.ts'
import type { StoredRow } from '../store.ts'
import type { Changes } from './payload.ts'

/**
 * The platform's rules for writing a case (incident) [D]:
 * - Resolved (statecode 1) is reached only through the CloseIncident action: a PATCH or SetState to it fails with
 *   "This message can not be used to set the state of incident to Resolved. In order to set state of incident to
 *   Resolved, use the CloseIncidentRequest message instead." [C];
 * - a resolved or cancelled case is read-only: only reactivating it (statecode 0) is accepted; any other change is
 *   refused until then ("This case has already been resolved. Close and reopen the case record to see the updates.").
 * https://learn.microsoft.com/en-us/dynamics365/customer-service/use/customer-service-hub-user-guide-resolve-cancel-reassign-case
 */
export function checkIncidentWrite(existing: StoredRow, changes: Changes, viaCloseIncident: boolean): void {
  if (existing.table !== 'incident' || viaCloseIncident) return
  const requested = changes.values.statecode
  if (requested === 1) {
    throw new DataverseFault(
      400,
      '0x8004e002',
      'This message can not be used to set the state of incident to Resolved. In order to set state of incident to Resolved, use the CloseIncidentRequest message instead.',
    )
  }
  const state = existing.values.statecode
  if (state === undefined || state === null || state === 0 || requested === 0) return
  throw new DataverseFault(
    400,
    '0x80040203',
    'This case has already been resolved. Close and reopen the case record to see the updates.',
  )
}
