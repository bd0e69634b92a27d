import type { TableRef } from '../target/dataverse/types.ts'
import type { CaseCloseRule, EntityMap } from './types.ts'

export const INCIDENT: TableRef = { logicalName: 'incident', entitySet: 'incidents', primaryId: 'incidentid' }
export const LIST: TableRef = { logicalName: 'list', entitySet: 'lists', primaryId: 'listid' }

/**
 * X2CRM's case statuses (dropdown 109) that close a case: "Closed - Resolved" is resolved through CloseIncident,
 * "Closed - No Response" (and a custom Cancelled) cancelled; every other status leaves the case open. The resolution
 * text becomes the incidentresolution's subject, the last update its date (X2CRM keeps no resolution date).
 */
export const DEFAULT_CASE_CLOSE: CaseCloseRule = {
  field: 'status',
  resolved: ['Closed - Resolved', 'Resolved', 'Closed'],
  cancelled: ['Closed - No Response', 'Cancelled', 'Canceled'],
  resolution: 'resolution',
  closeDate: ['lastUpdated'],
}

/** Case impact (dropdown 108) → prioritycode (1 High, 2 Normal, 3 Low). */
export const CASE_PRIORITY: Readonly<Record<string, number>> = {
  '1 - Severe': 1,
  '2 - Critical': 1,
  '3 - Moderate': 2,
  '4 - Minor': 3,
}

/** Case origin (dropdown 112) → caseorigincode (1 Phone, 2 Email, 3 Web). */
export const CASE_ORIGIN: Readonly<Record<string, number>> = { Phone: 1, Email: 2, Web: 3 }

/**
 * X2CRM Services → incident: the subject as the title, the contact as the customer (an incident needs one: a case
 * whose contact did not migrate is refused by Dataverse and quarantined with its reason), the parent case in the
 * second pass (a self-reference), priority and origin as choices, the owner, the original creation date. Closed last
 * by {@link DEFAULT_CASE_CLOSE}.
 */
export function servicesMap(contacts: { entity: string; table: TableRef }): EntityMap {
  return {
    entity: 'Services',
    table: INCIDENT,
    fields: [
      { source: 'subject', target: 'title', transform: 'text' },
      { source: 'description', target: 'description', transform: 'text' },
      { source: 'email', target: 'emailaddress', transform: 'email' },
      { source: 'contactId', target: 'customerid_contact', transform: 'link', linkTo: contacts, pass: 1 },
      {
        source: 'parentCase',
        target: 'parentcaseid',
        transform: 'link',
        linkTo: { entity: 'Services', table: INCIDENT },
        pass: 2,
      },
      { source: 'impact', target: 'prioritycode', transform: 'choice', choices: CASE_PRIORITY },
      { source: 'origin', target: 'caseorigincode', transform: 'choice', choices: CASE_ORIGIN },
      { source: 'assignedTo', target: 'ownerid', transform: 'owner' },
      { source: 'createDate', target: 'overriddencreatedon', transform: 'unixToIso' },
    ],
    caseClose: DEFAULT_CASE_CLOSE,
  }
}

/**
 * X2CRM X2List → marketing list (of contacts: X2CRM's lists hold contacts), static lists with their members added
 * after everything else; a dynamic list is created empty (Dataverse's dynamic lists hold a FetchXML query, which its
 * X2CRM criteria do not translate to) and its criteria go to the reconstruction document.
 */
export function listMap(contacts: { entity: string; table: TableRef }): EntityMap {
  return {
    entity: 'X2List',
    table: LIST,
    defaults: { createdfromcode: 2, type: false },
    fields: [
      { source: 'name', target: 'listname', transform: 'text' },
      { source: 'description', target: 'description', transform: 'text' },
      { source: 'assignedTo', target: 'ownerid', transform: 'owner' },
      { source: 'createDate', target: 'overriddencreatedon', transform: 'unixToIso' },
    ],
    listMembers: { typeField: 'type', memberOf: contacts },
  }
}
