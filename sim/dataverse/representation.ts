import type { StoredRow } from './store.ts'
import { lookupTypes, type Table } from './tables.ts'

/** Weak ETag from the row version (webapi.md §1.5). */
export function etagOf(row: StoredRow): string {
  return `W/"${row.version}"`
}

/** The name a column is read back as: `_<name>_value` for lookups (webapi.md §1.4). */
export function propertyName(column: { name: string; type: string }): string | undefined {
  if (column.type === 'PartyList') return undefined
  return lookupTypes.has(column.type) ? `_${column.name}_value` : column.name
}

export function readableProperties(table: Table): Set<string> {
  const names = new Set<string>()
  for (const column of table.columns) {
    const name = propertyName(column)
    if (name !== undefined) names.add(name)
  }
  return names
}

export interface RepresentationOptions {
  /** `$select`: only these properties (the primary key always comes back). */
  select?: readonly string[]
  /** `Prefer: odata.include-annotations` adds lookup annotations. */
  annotations?: boolean
}

/** A row as the Web API returns it: `@odata.etag`, every column (null when unset), lookups as `_x_value`. */
export function toEntity(
  table: Table,
  row: StoredRow,
  options: RepresentationOptions = {},
): Record<string, unknown> {
  const wanted = options.select ? new Set([...options.select, table.primaryId]) : undefined
  const entity: Record<string, unknown> = { '@odata.etag': etagOf(row) }
  for (const column of table.columns) {
    const name = propertyName(column)
    if (name === undefined || (wanted && !wanted.has(name))) continue
    if (!lookupTypes.has(column.type)) {
      entity[name] = column.name === table.primaryId ? row.id : (row.values[column.name] ?? null)
      continue
    }
    const ref = row.lookups[column.name]
    if (ref && options.annotations) {
      entity[`${name}@Microsoft.Dynamics.CRM.lookuplogicalname`] = ref.table
      const nav = column.nav?.[ref.table]
      if (nav !== undefined) entity[`${name}@Microsoft.Dynamics.CRM.associatednavigationproperty`] = nav
    }
    entity[name] = ref?.id ?? null
  }
  return entity
}
