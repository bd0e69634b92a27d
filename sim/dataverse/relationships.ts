import type { Catalog, ColumnJson, Table } from './tables.ts'

/** A one-to-many relationship seen from its "one" side: a collection-valued navigation property. */
export interface CollectionNav {
  /** the collection-valued navigation property on the referenced table, e.g. `contact_customer_accounts` */
  name: string
  /** the table its rows are in (referencing table), e.g. contact */
  child: Table
  /** the child's lookup column that points back, e.g. parentcustomerid */
  column: ColumnJson
}

/**
 * Collection-valued navigation properties of the standard one-to-many relationships, as the Web API
 * EntityType reference lists them (account: contact_customer_accounts, opportunity_customer_accounts,
 * account_parent_account, Account_Tasks, …):
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/reference/account#collection-valued-navigation-properties
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/reference/contact#collection-valued-navigation-properties
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/reference/opportunity#collection-valued-navigation-properties
 * [referenced table, navigation property, referencing table, lookup column]
 */
const oneToMany: readonly (readonly [string, string, string, string])[] = [
  ['account', 'contact_customer_accounts', 'contact', 'parentcustomerid'],
  ['account', 'opportunity_customer_accounts', 'opportunity', 'customerid'],
  ['account', 'incident_customer_accounts', 'incident', 'customerid'],
  ['account', 'account_parent_account', 'account', 'parentaccountid'],
  ['account', 'Account_Tasks', 'task', 'regardingobjectid'],
  ['account', 'Account_Phonecalls', 'phonecall', 'regardingobjectid'],
  ['account', 'Account_Appointments', 'appointment', 'regardingobjectid'],
  ['account', 'Account_Emails', 'email', 'regardingobjectid'],
  ['account', 'Account_Annotation', 'annotation', 'objectid'],
  ['contact', 'contact_customer_contacts', 'contact', 'parentcustomerid'],
  ['contact', 'opportunity_customer_contacts', 'opportunity', 'customerid'],
  ['contact', 'incident_customer_contacts', 'incident', 'customerid'],
  ['contact', 'account_primary_contact', 'account', 'primarycontactid'],
  ['contact', 'Contact_Tasks', 'task', 'regardingobjectid'],
  ['contact', 'Contact_Phonecalls', 'phonecall', 'regardingobjectid'],
  ['contact', 'Contact_Appointments', 'appointment', 'regardingobjectid'],
  ['contact', 'Contact_Emails', 'email', 'regardingobjectid'],
  ['contact', 'Contact_Annotation', 'annotation', 'objectid'],
  ['lead', 'Lead_Tasks', 'task', 'regardingobjectid'],
  ['lead', 'Lead_Annotation', 'annotation', 'objectid'],
  ['opportunity', 'Opportunity_Tasks', 'task', 'regardingobjectid'],
  ['opportunity', 'Opportunity_Annotation', 'annotation', 'objectid'],
  ['opportunity', 'product_opportunities', 'opportunityproduct', 'opportunityid'],
]

/** The collection-valued navigation property `name` of `table`, if both ends exist in the catalog. */
export function collectionNav(catalog: Catalog, table: Table, name: string): CollectionNav | undefined {
  const entry = oneToMany.find(([referenced, nav]) => referenced === table.logicalName && nav === name)
  if (!entry) return undefined
  const child = catalog.byName(entry[2])
  const column = child?.columnsByName.get(entry[3])
  if (!child || !column || !(column.target ?? []).includes(table.logicalName)) return undefined
  return { name, child, column }
}
