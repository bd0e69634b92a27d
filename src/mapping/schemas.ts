import type { X2crmDropdown, X2crmField } from '../source/x2crm/types.ts'
import type { ColumnMetadata, TableMetadata } from '../target/dataverse/table-metadata.ts'

export type { X2crmDropdown } from '../source/x2crm/types.ts'

/** What the mapping needs to know about X2CRM: each class's fields and the dropdown lists they use. */
export interface SourceSchema {
  /** X2CRM class name (`Contacts`) → its fields */
  entities: Readonly<Record<string, readonly X2crmField[]>>
  dropdowns: readonly X2crmDropdown[]
}

/** What the mapping needs to know about Dataverse: logical table name → table (tables.json shape). */
export type TargetSchema = Readonly<Record<string, TableMetadata>>

export function columnOf(table: TableMetadata | undefined, name: string): ColumnMetadata | undefined {
  return table?.columns.find((column) => column.name === name)
}

/** The lookup column that a navigation property (`parentcustomerid_account`) writes, with the table it points at. */
export function navOf(
  table: TableMetadata | undefined,
  nav: string,
): { column: ColumnMetadata; target: string } | undefined {
  for (const column of table?.columns ?? []) {
    for (const [target, name] of Object.entries(column.nav ?? {})) {
      if (name === nav) return { column, target }
    }
  }
  return undefined
}
