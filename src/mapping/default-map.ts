import type { TableRef } from '../target/dataverse/types.ts'
import { DEFAULT_DEDUPE } from './default-objects.ts'
import { defaultTimeline } from './default-timeline.ts'
import type { FieldMap, Mapping } from './types.ts'

export const ACCOUNT: TableRef = { logicalName: 'account', entitySet: 'accounts', primaryId: 'accountid' }
export const CONTACT: TableRef = { logicalName: 'contact', entitySet: 'contacts', primaryId: 'contactid' }

/** X2CRM's address block is the same on Accounts and Contacts; it becomes Dataverse's first address. */
const ADDRESS: readonly FieldMap[] = [
  { source: 'address', target: 'address1_line1', transform: 'text' },
  { source: 'address2', target: 'address1_line2', transform: 'text' },
  { source: 'city', target: 'address1_city', transform: 'text' },
  { source: 'state', target: 'address1_stateorprovince', transform: 'text' },
  { source: 'zipcode', target: 'address1_postalcode', transform: 'text' },
  { source: 'country', target: 'address1_country', transform: 'text' },
]

/** Ownership, consent flags and the original creation date, common to both. */
const COMMON: readonly FieldMap[] = [
  { source: 'assignedTo', target: 'ownerid', transform: 'owner' },
  { source: 'doNotCall', target: 'donotphone', transform: 'boolean' },
  { source: 'doNotEmail', target: 'donotemail', transform: 'boolean' },
  // Dataverse shows this as the row's "Created On"; its own load time moves to overriddencreatedon.
  { source: 'createDate', target: 'overriddencreatedon', transform: 'unixToIso' },
]

/**
 * X2CRM's default Accounts and Contacts fields (the built-in map without the timeline), in load order: accounts
 * first so that a contact's company binds in pass 1. An account's parent account (self-reference) and primary
 * contact (contacts load later; contact → account closes a cycle) are set in pass 2. Accounts are matched to the
 * rows already in Dataverse by name and website (dedupe); contacts are not matched.
 */
export function accountsContactsMapping(): Mapping {
  return {
    entities: [
      {
        entity: 'Accounts',
        table: ACCOUNT,
        fields: [
          { source: 'name', target: 'name', transform: 'text' },
          { source: 'website', target: 'websiteurl', transform: 'url' },
          { source: 'phone', target: 'telephone1', transform: 'phone' },
          { source: 'phone2', target: 'telephone2', transform: 'phone' },
          { source: 'email', target: 'emailaddress1', transform: 'email' },
          { source: 'tickerSymbol', target: 'tickersymbol', transform: 'text' },
          { source: 'employees', target: 'numberofemployees', transform: 'integer' },
          { source: 'annualRevenue', target: 'revenue', transform: 'decimal' },
          ...ADDRESS,
          { source: 'description', target: 'description', transform: 'text' },
          ...COMMON,
          {
            source: 'parentAccount',
            target: 'parentaccountid',
            transform: 'link',
            linkTo: { entity: 'Accounts', table: ACCOUNT },
            pass: 2,
          },
          {
            source: 'primaryContact',
            target: 'primarycontactid',
            transform: 'link',
            linkTo: { entity: 'Contacts', table: CONTACT },
            pass: 2,
          },
        ],
        // An account already in Dataverse with the same name and website is updated, not duplicated.
        dedupe: { columns: DEFAULT_DEDUPE['account'] ?? [] },
      },
      {
        entity: 'Contacts',
        table: CONTACT,
        fields: [
          { source: 'firstName', target: 'firstname', transform: 'text' },
          { source: 'lastName', target: 'lastname', transform: 'text' },
          { source: 'title', target: 'jobtitle', transform: 'text' },
          { source: 'email', target: 'emailaddress1', transform: 'email' },
          { source: 'businessEmail', target: 'emailaddress2', transform: 'email' },
          { source: 'personalEmail', target: 'emailaddress3', transform: 'email' },
          { source: 'phone', target: 'telephone1', transform: 'phone' },
          { source: 'phone2', target: 'telephone2', transform: 'phone' },
          { source: 'website', target: 'websiteurl', transform: 'url' },
          ...ADDRESS,
          { source: 'backgroundInfo', target: 'description', transform: 'text' },
          {
            source: 'company',
            target: 'parentcustomerid_account',
            transform: 'link',
            linkTo: { entity: 'Accounts', table: ACCOUNT },
            pass: 1,
          },
          ...COMMON,
        ],
      },
    ],
  }
}

/** The built-in map: accounts and contacts, then their timeline (opportunities closed last, actions by type, files). */
export function defaultMapping(): Mapping {
  return { entities: [...accountsContactsMapping().entities, ...defaultTimeline(ACCOUNT, CONTACT)] }
}
