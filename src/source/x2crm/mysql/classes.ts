/**
 * The table of each X2CRM class that API v2 serves (api.md §2). Custom modules (`x2_modules.custom = 1`) keep their
 * records in `x2_{module name}` under a class of the same name, capitalized; pass those in `tables`.
 */
export const CLASS_TABLES: Readonly<Record<string, string>> = {
  Accounts: 'x2_accounts',
  Contacts: 'x2_contacts',
  X2Leads: 'x2_x2leads',
  Opportunity: 'x2_opportunities',
  Product: 'x2_products',
  Quote: 'x2_quotes',
  Services: 'x2_services',
  Actions: 'x2_actions',
  Campaign: 'x2_campaigns',
  X2List: 'x2_lists',
  Media: 'x2_media',
  Docs: 'x2_docs',
  Groups: 'x2_groups',
}

/** Tables every X2CRM since 5.x has: without them the database is not an X2CRM database. */
export const REQUIRED_TABLES = ['x2_fields', 'x2_users', 'x2_profile', 'x2_admin', 'x2_contacts'] as const

/**
 * Fields X2CRM computes on read instead of storing (no column): the API returns them as null. Actions' description
 * and event subtype/status are not here: they are stored in side tables and joined.
 */
export const TRANSIENT_FIELDS: Readonly<Record<string, ReadonlySet<string>>> = {
  Actions: new Set(['notificationUsers', 'notificationTime']),
  Quote: new Set(['products', 'existingProducts']),
}

/** Actions fields stored in side tables (api.md §1.9), joined per page of actions. */
export const ACTION_SIDE_FIELDS = {
  actionDescription: { table: 'x2_action_text', column: 'text' },
  eventSubtype: { table: 'x2_action_meta_data', column: 'eventSubtype' },
  eventStatus: { table: 'x2_action_meta_data', column: 'eventStatus' },
} as const

export function tableForClass(
  entity: string,
  extra: Readonly<Record<string, string>> = {},
): string | undefined {
  return extra[entity] ?? CLASS_TABLES[entity]
}
