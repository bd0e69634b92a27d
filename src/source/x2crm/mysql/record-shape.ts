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
  /** Columns of type FLOAT: selected as the server's text and read back as numbers (see `selectList`). */
  floats: readonly string[]
  /** Columns whose values may come as Buffers (BLOB, BINARY…): decoded as UTF-8 text, as the API returns them. */
  bytes: readonly string[]
}

/**
 * The `SELECT` list of a shape's columns, in `shape.columns` order. Rows are read with the binary protocol, which
 * sends a FLOAT as its 4 bytes (0.1 arrives as 0.10000000149011612); the text protocol and API v2 give the server's
 * text of it (0.1, 0.333333), which only the server knows how to write, so FLOAT columns are asked for as text.
 */
export function selectList(shape: RecordShape): string {
  const floats = new Set(shape.floats)
  return shape.columns
    .map((c) => (floats.has(c) ? `CAST(\`${c}\` AS CHAR) AS \`${c}\`` : `\`${c}\``))
    .join(', ')
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
  floatColumns: ReadonlySet<string> = new Set(),
  byteColumns: ReadonlySet<string> = new Set(),
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
  const floats = columns.filter((c) => floatColumns.has(c))
  const bytes = columns.filter((c) => byteColumns.has(c))
  return { entity, table, fields, columns, side, missing, floats, bytes }
}

/** One row, read as an array in `shape.columns` order, and its side-table values, as the API returns the record. */
export type RecordBuilder = (
  row: readonly unknown[],
  sideValues?: Readonly<Record<string, unknown>>,
) => X2crmRecord

const builders = new WeakMap<RecordShape, RecordBuilder>()

/**
 * The record builder of a shape, compiled once: an object literal with the shape's keys in its order, each value
 * read from its array index, so that every record of a class shares one hidden class and is built in one
 * allocation (a loop of `record[field] = …` costs about a third more CPU, a row object read by name twice that).
 * mysql2's defaults already give the API's JSON types: integers and unix dates as numbers, DECIMAL as strings
 * ("19.99"), text as strings; only `shape.bytes` columns (BLOB, BINARY) need decoding, and only they pay for the
 * check (it was 4 % of the reader's time when every value paid it). Fields without a column or side value are null.
 */
export function recordBuilder(shape: RecordShape): RecordBuilder {
  let build = builders.get(shape)
  if (!build) builders.set(shape, (build = compileBuilder(shape)))
  return build
}

function compileBuilder(shape: RecordShape): RecordBuilder {
  const side = new Set<string>(shape.side)
  const floats = new Set(shape.floats)
  const bytes = new Set(shape.bytes)
  const entries = shape.fields.map((field) => {
    const at = shape.columns.indexOf(field)
    // JSON.stringify makes any field name (it comes from the database) a plain string literal; `__proto__` as a
    // plain literal key would set the prototype, so it alone is written as a computed key (an own property).
    const key = field === '__proto__' ? `[${JSON.stringify(field)}]` : JSON.stringify(field)
    if (at >= 0 && floats.has(field)) return `${key}: floatOf(row[${at}])`
    if (at >= 0 && bytes.has(field)) return `${key}: value(row[${at}])`
    // A text, number or date column: mysql2 gives a string, a number or null, kept as it is.
    if (at >= 0) return `${key}: row[${at}]`
    if (side.has(field))
      return `${key}: value(sideValues === undefined ? undefined : sideValues[${JSON.stringify(field)}])`
    return `${key}: null`
  })
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from field names quoted as JSON only
  const make = new Function(
    'value',
    'floatOf',
    `return (row, sideValues) => ({ ${entries.join(', ')} })`,
  ) as (value: (raw: unknown) => unknown, floatOf: (raw: unknown) => unknown) => RecordBuilder
  return make(valueOf, floatOf)
}

/** mysql2 returns binary strings (BLOB, VARBINARY) as Buffers; the API returns them as text. */
function valueOf(raw: unknown): unknown {
  if (raw === undefined) return null
  if (typeof raw === 'object' && raw !== null && Buffer.isBuffer(raw)) return raw.toString('utf8')
  return raw
}

/** A FLOAT selected as the server's text, as mysql2's text protocol reads it: a number (`Number` of the text). */
function floatOf(raw: unknown): unknown {
  if (raw === null || raw === undefined) return null
  return Number(typeof raw === 'string' ? raw : valueOf(raw))
}

function isSideField(name: string): name is SideField {
  return Object.hasOwn(ACTION_SIDE_FIELDS, name)
}
