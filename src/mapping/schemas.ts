import type { X2crmDropdown, X2crmField } from '../source/x2crm/types.ts'

export type { X2crmDropdown } from '../source/x2crm/types.ts'

/** What the mapping needs to know about X2CRM: each class's fields and the dropdown lists they use. */
export interface SourceSchema {
  /** X2CRM class name (`Contacts`) → its fields */
  entities: Readonly<Record<string, readonly X2crmField[]>>
  dropdowns: readonly X2crmDropdown[]
}

/** A choice option of a Picklist, MultiSelectPicklist, State or Status column. */
export interface ChoiceOption {
  value: number
  label: string
  state?: number
}

/** One Dataverse column, in the shape of tables.json (see docs/dataverse/README.md). */
export interface ColumnMetadata {
  name: string
  type: string
  maxLength?: number
  required?: string
  options?: readonly ChoiceOption[]
  target?: readonly string[]
  nav?: Readonly<Record<string, string>>
  readOnly?: boolean
  primaryId?: boolean
  primaryName?: boolean
  note?: string
}

/** One Dataverse table, in the shape of tables.json, plus its alternate keys when known. */
export interface TableMetadata {
  entitySet: string
  primaryId: string
  primaryName: string
  ownershipType?: string
  columns: readonly ColumnMetadata[]
  /** Alternate keys: key name → its columns. */
  keys?: Readonly<Record<string, readonly string[]>>
  /** A custom table (created by x2d365 or by the customer). */
  custom?: boolean
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
