import { newGuid } from './guid.ts'
import type { LookupRef, Store, StoredRow } from './store.ts'
import { lookupTypes, type Catalog, type Table } from './tables.ts'
import { defaultState, defaultStatus } from './write/state.ts'

/**
 * Puts trusted rows straight into the store (no validation beyond column names): users,
 * teams, currencies, pre-existing accounts. Lookups may be given as `_x_value` (with an optional
 * `_x_value@Microsoft.Dynamics.CRM.lookuplogicalname`) or as the plain column name.
 */
export function seedRows(
  catalog: Catalog,
  store: Store,
  logicalName: string,
  rows: Record<string, unknown>[],
  defaults: { ownerId: string; now: string },
): StoredRow[] {
  const table = tableOrThrow(catalog, logicalName)
  return rows.map((input) => {
    const given = input[table.primaryId]
    const id = (typeof given === 'string' ? given : newGuid()).toLowerCase()
    const values: Record<string, unknown> = {}
    const lookups: Record<string, LookupRef> = {}
    for (const [key, value] of Object.entries(input)) {
      if (key.includes('@') || key === table.primaryId) continue
      const name = /^_(.+)_value$/.exec(key)?.[1] ?? key
      const column = table.columnsByName.get(name)
      if (!column) throw new Error(`seed(${logicalName}): the table has no column '${key}'`)
      if (!lookupTypes.has(column.type)) {
        values[name] = value
        continue
      }
      if (typeof value !== 'string') continue
      const annotated = input[`_${name}_value@Microsoft.Dynamics.CRM.lookuplogicalname`]
      const target = typeof annotated === 'string' ? annotated : (column.target?.[0] ?? '')
      lookups[name] = { table: target, id: value.toLowerCase() }
    }
    const state = typeof values.statecode === 'number' ? values.statecode : defaultState(table)
    if (state !== undefined && table.columnsByName.has('statecode')) values.statecode ??= state
    const status = defaultStatus(table, state)
    if (status !== undefined && table.columnsByName.has('statuscode')) values.statuscode ??= status
    const owner = table.columns.find((c) => c.type === 'Owner')
    if (owner && !lookups[owner.name]) lookups[owner.name] = { table: 'systemuser', id: defaults.ownerId }
    // As a write sets it (write/apply.ts setOwner): a user-owned row's owninguser is its owner.
    const ownerRef = owner === undefined ? undefined : lookups[owner.name]
    if (ownerRef?.table === 'systemuser' && table.columnsByName.has('owninguser'))
      lookups.owninguser ??= ownerRef
    for (const stamp of ['createdon', 'modifiedon']) {
      if (table.columnsByName.has(stamp)) values[stamp] ??= defaults.now
    }
    const version = store.nextVersion()
    if (table.columnsByName.has('versionnumber')) values.versionnumber = version
    const row: StoredRow = { table: logicalName, id, values, lookups, version }
    store.put(row)
    return row
  })
}

export function tableOrThrow(catalog: Catalog, logicalName: string): Table {
  const table = catalog.byName(logicalName)
  if (!table) throw new Error(`Unknown Dataverse table '${logicalName}' (not in tables.json)`)
  return table
}
