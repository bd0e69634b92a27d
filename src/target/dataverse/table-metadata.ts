/**
 * Dataverse's tables, columns and choices as the metadata API describes them (in the shape of tables.json), and the
 * column definitions `schema apply` sends: what both the mapping and the metadata client speak of.
 */

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
  /** Number columns: the smallest and largest value the column takes (AttributeMetadata MinValue/MaxValue). */
  minValue?: number
  maxValue?: number
  /** Decimal, Double and Money columns: digits kept after the decimal point (AttributeMetadata Precision). */
  precision?: number
  /** RequiredLevel: `None`, `SystemRequired`, `ApplicationRequired` or `Recommended`. */
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

/** A column `schema apply` creates because the map needs it (a custom field, a new dropdown). */
export interface NewColumn {
  type:
    | 'String'
    | 'Memo'
    | 'Integer'
    | 'Decimal'
    | 'Money'
    | 'Boolean'
    | 'DateTime'
    | 'Picklist'
    | 'MultiSelectPicklist'
  /** String and Memo only */
  maxLength?: number
  /** Display name, from the X2CRM label */
  label: string
  /** Date only (no time) for DateTime columns. @default false */
  dateOnly?: boolean
}
