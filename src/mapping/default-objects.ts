import type { OpportunityCloseRule } from './types.ts'

/**
 * The default object map (DESIGN.md): X2CRM class → Dataverse table, in load order. The proposer starts here; the
 * user confirms. Actions load as tasks; their split by type (phone call, appointment, e-mail, note) is a later step.
 */
export const DEFAULT_OBJECTS: readonly { entity: string; table: string }[] = [
  { entity: 'Accounts', table: 'account' },
  { entity: 'Contacts', table: 'contact' },
  { entity: 'X2Leads', table: 'lead' },
  { entity: 'Opportunity', table: 'opportunity' },
  { entity: 'Product', table: 'product' },
  { entity: 'Services', table: 'incident' },
  { entity: 'Campaign', table: 'campaign' },
  { entity: 'X2List', table: 'list' },
  { entity: 'Actions', table: 'task' },
]

/**
 * X2CRM's sales stages (dropdown 105: Working, Won, Lost) that close an opportunity, its amount as the actual revenue,
 * and its expected close date (X2CRM keeps no other; users move it when they close a deal), else its last update, as
 * the actual close date.
 */
export const DEFAULT_OPPORTUNITY_CLOSE: OpportunityCloseRule = {
  field: 'salesStage',
  won: ['Won'],
  lost: ['Lost'],
  revenue: 'quoteAmount',
  closeDate: ['expectedCloseDate', 'lastUpdated'],
}

/** Constant values the proposer sets for columns Dataverse requires and X2CRM has no field for. */
export const DEFAULT_VALUES: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  // 1 = a product (not a family or bundle); X2CRM has only plain products.
  product: { productstructure: 1 },
  // A static marketing list of contacts: X2CRM lists are of contacts unless modelName says otherwise.
  list: { createdfromcode: 2, type: false },
}

/**
 * Columns the proposer matches existing rows by (dedupe), per table, when the map fills all of them: an account with
 * the same name and website is the same company. Contacts have none by default (people share names, and an e-mail
 * address is often missing or shared); `dedupe: { columns: [emailaddress1] }` is a common choice to add by hand.
 */
export const DEFAULT_DEDUPE: Readonly<Record<string, readonly string[]>> = {
  account: ['name', 'websiteurl'],
}
