/** What a delta does with the Dataverse row of a record deleted in X2CRM. */
export type DeletionPolicy = 'deactivate' | 'delete' | 'ignore'

export interface InactiveState {
  statecode: number
  statuscode: number
}

/**
 * The state a row is put in when its X2CRM record was deleted and deletions deactivate, set by a PATCH of
 * statecode + statuscode (the status reason must belong to the state: webapi.md, tables.json notes). Activities
 * become Canceled, leads Disqualified/Canceled, everything with Active/Inactive becomes Inactive. Tables whose
 * closing needs an action (opportunity: LoseOpportunity, incident: CloseIncident, quote: CloseQuote) or that have
 * no state at all get `undefined`: the delta skips them and says why. Pure.
 */
export function inactiveState(logicalName: string): InactiveState | undefined {
  if (CLOSED_BY_ACTION.has(logicalName) || STATELESS.has(logicalName)) return undefined
  return CANCELED[logicalName] ?? { statecode: 1, statuscode: 2 }
}

/** Why {@link inactiveState} has nothing for a table, in words for the ledger. */
export function cannotDeactivate(logicalName: string): string {
  return CLOSED_BY_ACTION.has(logicalName)
    ? `a ${logicalName} is closed by an action, not by a state change; close or delete the row by hand, or set run.delta.deletions: delete`
    : `a ${logicalName} has no active/inactive state; set run.delta.deletions: delete to remove such rows`
}

const CANCELED: Readonly<Record<string, InactiveState>> = {
  lead: { statecode: 2, statuscode: 7 },
  task: { statecode: 2, statuscode: 6 },
  phonecall: { statecode: 2, statuscode: 3 },
  appointment: { statecode: 2, statuscode: 4 },
  email: { statecode: 2, statuscode: 5 },
  campaign: { statecode: 1, statuscode: 6 },
  list: { statecode: 1, statuscode: 1 },
  pricelevel: { statecode: 1, statuscode: 100002 },
  product: { statecode: 1, statuscode: 2 },
}

const CLOSED_BY_ACTION = new Set(['opportunity', 'incident', 'quote', 'salesorder', 'invoice'])
const STATELESS = new Set([
  'annotation',
  'activityparty',
  'uom',
  'listmember',
  'productpricelevel',
  'opportunityproduct',
  'quotedetail',
  'activitymimeattachment',
  'systemuser',
  'team',
  'teammembership',
  'businessunit',
  'teammembership',
])

/** The columns a row's state lives in: kept in before-images so a rollback can reactivate it. */
export const STATE_COLUMNS: readonly string[] = ['statecode', 'statuscode']
