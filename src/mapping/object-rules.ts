import { DEFAULT_CASE_CLOSE } from './default-cases.ts'
import type { EntityMap } from './types.ts'

/**
 * What a class needs beyond its columns, by the table it loads into, for maps read from mapping.yaml (which cannot
 * spell these yet): cases (Services → incident) are resolved or cancelled after the load as X2CRM's status says, and
 * a list (X2List → list) gets its static members, contacts, in the table Contacts loads into. Pure.
 */
export function withObjectRules(map: EntityMap, contactsTable: EntityMap['table'] | undefined): EntityMap {
  if (map.where !== undefined) return map
  if (map.entity === 'Services' && map.table.logicalName === 'incident' && map.caseClose === undefined)
    return { ...map, caseClose: DEFAULT_CASE_CLOSE }
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
