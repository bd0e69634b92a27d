import { DEFAULT_CASE_CLOSE } from './default-cases.ts'
import { DEFAULT_PRODUCT_STATES, DEFAULT_QUOTE_STATES } from './default-sales.ts'
import type { EntityMap } from './types.ts'

/**
 * What a class needs beyond its columns, by the table it loads into, for maps read from mapping.yaml (which cannot
 * spell these yet): cases (Services → incident) are resolved or cancelled after the load as X2CRM's status says, and
 * a list (X2List → list) gets its static members, contacts, in the table Contacts loads into; products (Product →
 * product) are published and the inactive ones retired, quotes (Quote → quote) activated, won or closed as their
 * status says. Pure.
 */
export function withObjectRules(map: EntityMap, contactsTable: EntityMap['table'] | undefined): EntityMap {
  if (map.where !== undefined) return map
  if (map.entity === 'Services' && map.table.logicalName === 'incident' && map.caseClose === undefined)
    return { ...map, caseClose: DEFAULT_CASE_CLOSE }
  if (map.entity === 'Product' && map.table.logicalName === 'product' && map.productStates === undefined)
    return { ...map, productStates: DEFAULT_PRODUCT_STATES }
  if (map.entity === 'Quote' && map.table.logicalName === 'quote' && map.quoteStates === undefined)
    return { ...map, quoteStates: DEFAULT_QUOTE_STATES }
  if (
    map.entity === 'X2List' &&
    map.table.logicalName === 'list' &&
    map.listMembers === undefined &&
    contactsTable !== undefined
  )
    return {
      ...map,
      listMembers: { typeField: 'type', memberOf: { entity: 'Contacts', table: contactsTable } },
    }
  return map
}
