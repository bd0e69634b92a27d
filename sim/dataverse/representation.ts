import { formattedValue, formattedValueTerm, type FormatContext } from './formatted-values.ts'
import type { AnnotationFilter } from './odata/prefer.ts'
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
  /**
   * The annotations `Prefer: odata.include-annotations` asked for; `true` means the lookup ones
   * (`Microsoft.Dynamics.CRM.*`), as `sim.rows()` shows them.
   */
  annotations?: boolean | AnnotationFilter
  /** Needed for `@OData.Community.Display.V1.FormattedValue` (related rows' names, currencies). */
  format?: FormatContext
}

const lookupAnnotations: AnnotationFilter = (term) => term.startsWith('Microsoft.Dynamics.CRM.')

/**
 * A row as the Web API returns it: `@odata.etag`, every column (null when unset), lookups as
 * `_x_value`, and the requested annotations before each value, in Dataverse's order
 * (https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/select-columns#lookup-property-data).
 */
export function toEntity(
  table: Table,
  row: StoredRow,
  options: RepresentationOptions = {},
): Record<string, unknown> {
  const wanted = options.select ? new Set([...options.select, table.primaryId]) : undefined
  const wants: AnnotationFilter =
    options.annotations === true
      ? lookupAnnotations
      : typeof options.annotations === 'function'
        ? options.annotations
        : () => false
  const formats = options.format && wants(formattedValueTerm) ? options.format : undefined
  const entity: Record<string, unknown> = { '@odata.etag': etagOf(row) }
  for (const column of table.columns) {
    const name = propertyName(column)
    if (name === undefined || (wanted && !wanted.has(name))) continue
    const formatted =
      formats && column.name !== table.primaryId ? formattedValue(column, row, formats) : undefined
    if (formatted !== undefined) entity[`${name}@${formattedValueTerm}`] = formatted
    if (!lookupTypes.has(column.type)) {
      entity[name] = column.name === table.primaryId ? row.id : (row.values[column.name] ?? null)
      continue
    }
    const ref = row.lookups[column.name]
    if (ref) {
      const nav = column.nav?.[ref.table]
      if (nav !== undefined && wants('Microsoft.Dynamics.CRM.associatednavigationproperty'))
        entity[`${name}@Microsoft.Dynamics.CRM.associatednavigationproperty`] = nav
      if (wants('Microsoft.Dynamics.CRM.lookuplogicalname'))
        entity[`${name}@Microsoft.Dynamics.CRM.lookuplogicalname`] = ref.table
    }
    entity[name] = ref?.id ?? null
  }
  return entity
}
