import type { TableRef } from '../target/dataverse/types.ts'
import { actionMaps, mediaMap } from './default-actions.ts'
import { DEFAULT_OPPORTUNITY_CLOSE } from './default-objects.ts'
import type { EntityMap } from './types.ts'

export const OPPORTUNITY: TableRef = {
  logicalName: 'opportunity',
  entitySet: 'opportunities',
  primaryId: 'opportunityid',
}

/**
 * X2CRM opportunities → opportunity, with the account and contact they are for. Loaded open; the won and lost ones
 * are closed last (WinOpportunity / LoseOpportunity with an opportunityclose carrying the deal's amount and expected
 * close date). The sales stage is kept as the step name.
 */
export function opportunityMap(account: TableRef, contact: TableRef): EntityMap {
  return {
    entity: 'Opportunity',
    table: OPPORTUNITY,
    fields: [
      { source: 'name', target: 'name', transform: 'text' },
      {
        source: 'accountName',
        target: 'customerid_account',
        transform: 'link',
        linkTo: { entity: 'Accounts', table: account },
        pass: 1,
      },
      {
        source: 'contactName',
        target: 'parentcontactid',
        transform: 'link',
        linkTo: { entity: 'Contacts', table: contact },
        pass: 1,
      },
      { source: 'quoteAmount', target: 'estimatedvalue', transform: 'decimal' },
      { source: 'salesStage', target: 'stepname', transform: 'text' },
      { source: 'expectedCloseDate', target: 'estimatedclosedate', transform: 'unixToDate' },
      { source: 'probability', target: 'closeprobability', transform: 'integer' },
      { source: 'description', target: 'description', transform: 'text' },
      { source: 'assignedTo', target: 'ownerid', transform: 'owner' },
      { source: 'createDate', target: 'overriddencreatedon', transform: 'unixToIso' },
    ],
    close: DEFAULT_OPPORTUNITY_CLOSE,
  }
}

/**
 * The customer's timeline in the built-in map: opportunities (closed last), every action routed by type into its
 * activity table or a note, about the account, contact or opportunity it names, and Media files as notes with the
 * file. The plan loads them after the records they are about.
 */
export function defaultTimeline(account: TableRef, contact: TableRef): EntityMap[] {
  const regardingTo = [
    { entity: 'Accounts', table: account },
    { entity: 'Contacts', table: contact },
    { entity: 'Opportunity', table: OPPORTUNITY },
  ]
  return [opportunityMap(account, contact), ...actionMaps(regardingTo), mediaMap(regardingTo)]
}
