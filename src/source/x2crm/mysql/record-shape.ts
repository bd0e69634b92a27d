import type { X2crmRecord } from '../types.ts'
import { ACTION_SIDE_FIELDS, TRANSIENT_FIELDS } from './classes.ts'

export type SideField = keyof typeof ACTION_SIDE_FIELDS

export interface FieldDefinition {
  fieldName: string
  /** `x2_fields.isVirtual`: the API computes it; there is no column. */
  isVirtual: boolean
}

/** How a class's records are read from its table so that they come out as API v2 returns them. */
export interface RecordShape {
  entity: string
  table: string
  /** The record's keys, in `x2_fields` order (the API's order): the field set of API v2. */
  fields: readonly string[]
  /** The columns to select: fields that have one. */
  columns: readonly string[]
  /** Actions fields stored in side tables. */
  side: readonly SideField[]
  /** Fields X2CRM stores but this table lacks (an older or damaged schema); read as null, reported once. */
  missing: readonly string[]
}

/**
 * Decides, per field of `x2_fields`, where its value comes from: its column, a side table (Actions), or nowhere
 * (virtual and transient fields, which the API also returns as null). Table columns without an `x2_fields` row are
 * not read: the API does not return them either (e.g. `x2_accounts.firstName`).
 */
export function planShape(
  entity: string,
  table: string,
  definitions: readonly FieldDefinition[],
  tableColumns: ReadonlySet<string>,
): RecordShape {
  const fields: string[] = []
  const columns: string[] = []
  const side: SideField[] = []
  const missing: string[] = []
  const transient = TRANSIENT_FIELDS[entity] ?? new Set<string>()
  for (const { fieldName, isVirtual } of definitions) {
    if (fields.includes(fieldName)) continue
    fields.push(fieldName)
    if (tableColumns.has(fieldName)) columns.push(fieldName)
    else if (entity === 'Actions' && isSideField(fieldName)) side.push(fieldName)
    else if (!isVirtual && !transient.has(fieldName)) missing.push(fieldName)
  }
  if (!columns.includes('id')) columns.unshift('id')
  return { entity, table, fields, columns, side, missing }
}

/**
 * One row (and its side-table values) as the API returns it. mysql2's defaults already give the API's JSON types:
 * integers and unix dates as numbers, DECIMAL as strings ("19.99"), text as strings; only binary strings need
 * decoding.
 */
export function toRecord(
  shape: RecordShape,
  row: Readonly<Record<string, unknown>>,
  sideValues: Readonly<Record<string, unknown>> = {},
): X2crmRecord {
  // Once per row of every page: plain property reads (mysql2 gives null, never undefined, for a selected column),
  // and the Buffer check only on objects.
  const record: Record<string, unknown> = {}
  for (const field of shape.fields) {
    let value = row[field]
    if (value === undefined) value = sideValues[field]
    if (value === undefined) value = null
    else if (typeof value === 'object' && value !== null && Buffer.isBuffer(value))
      value = value.toString('utf8')
    record[field] = value
  }
  return record
}

function isSideField(name: string): name is SideField {
  return Object.hasOwn(ACTION_SIDE_FIELDS, name)
}
