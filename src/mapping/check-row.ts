import { isEmptyValue } from './blank-text.ts'
import { checkLengths } from './check-lengths.ts'
import { numberBoundsOf, numberProblem, plainNumber } from './number-bounds.ts'
import type { ColumnMetadata, TableMetadata } from '../target/dataverse/table-metadata.ts'
import { columnOf } from './schemas.ts'
import type { EntityMap } from './types.ts'

/** Something in a row Dataverse would refuse, found before sending it. */
export interface RowProblem {
  /** Dataverse column */
  column: string
  /** The X2CRM field the column is filled from (`id` for the X2CRM id column, the column itself for a map default). */
  field: string
  /** What is wrong, the same for every record that breaks it (`contact.lastname holds at most 50 characters`). */
  rule: string
  /** The reason a person reads for this record, prefixed with the X2CRM field like the transform's messages. */
  message: string
  value: unknown
  /**
   * Which check: `number` (MinValue/MaxValue/Precision) and `blank` (a required text that shows nothing) are what
   * Dataverse does not refuse with a message of its own; the others it refuses itself.
   */
  check: 'column' | 'required' | 'blank' | 'length' | 'number' | 'option'
}

/**
 * The checks Dataverse makes on a row that can be made offline from the table's metadata, in the order it makes them
 * (webapi.md §2.2, §2.6, §2.7): the column exists; a SystemRequired column is not emptied; strings fit MaxLength
 * (UTF-16 code units, via `checkLengths`); numbers lie within the column's MinValue and MaxValue and have no more
 * decimals than its Precision (`numberBoundsOf`: the metadata's, else the type's supported range); choice values are
 * options of the column. A required text that shows nothing (only white space and invisible format characters such as
 * U+200B) is empty. Nothing is rounded, clipped or cut: the record is quarantined with the value and the limit.
 * Lookups (`x@odata.bind`) are the run's business, and read-only columns are dropped by Dataverse without error.
 * Pure.
 */
export function checkRow(
  map: EntityMap,
  values: Readonly<Record<string, unknown>>,
  table: TableMetadata,
): RowProblem[] {
  const tableName = map.table.logicalName
  const problems: RowProblem[] = []
  // checkLengths says `lastname: 312 characters, Dataverse allows 50`: keyed by column, the rest kept for the message.
  const tooLong = new Map(
    checkLengths(values, table).map((message) => {
      const colon = message.indexOf(': ')
      return [message.slice(0, colon), message.slice(colon + 2)]
    }),
  )
  for (const [column, value] of Object.entries(values)) {
    if (column.includes('@')) continue
    const field = fieldOf(map, column)
    const problem = (check: RowProblem['check'], rule: string, detail: string) =>
      problems.push({ column, field, rule, message: `${field}: ${detail}`, value, check })
    const metadata = columnOf(table, column)
    if (metadata === undefined) {
      const rule = `${tableName}.${column} does not exist in Dataverse; add it with \`x2d365 schema apply\` or change the map`
      problem('column', rule, rule)
      continue
    }
    if (metadata.readOnly === true) continue
    if (isEmptyValue(value)) {
      if (metadata.required === 'SystemRequired' && metadata.type !== 'State' && metadata.type !== 'Status') {
        const rule = `${tableName}.${column} is required by Dataverse and cannot be empty`
        problem(typeof value === 'string' ? 'blank' : 'required', rule, rule)
      }
      continue
    }
    const length = tooLong.get(column)
    if (length !== undefined) {
      problem(
        'length',
        `${tableName}.${column} holds at most ${metadata.maxLength ?? 0} characters`,
        `${tableName}.${column} has ${length}`,
      )
      continue
    }
    const bounds = numberBoundsOf(metadata)
    if (bounds !== undefined && typeof value === 'number') {
      const wrong = numberProblem(value, bounds)
      if (wrong !== undefined) {
        const range = `between ${plainNumber(bounds.minValue)} and ${plainNumber(bounds.maxValue)}`
        problem(
          'number',
          bounds.precision === 0
            ? `${tableName}.${column} is a whole number ${range}`
            : `${tableName}.${column} is a number ${range} with at most ${bounds.precision} decimals`,
          `${wrong}: ${tableName}.${column} is a ${bounds.precision === 0 ? 'whole number' : 'number'} ${range}` +
            (bounds.precision === 0 ? '' : ` with at most ${bounds.precision} decimals`) +
            '; not rounded or cut',
        )
        continue
      }
    }
    const notOptions = notOptionsOf(metadata, value)
    if (notOptions.length > 0) {
      problem(
        'option',
        `not an option of ${tableName}.${column}`,
        `${notOptions.join(', ')} ${notOptions.length > 1 ? 'are not options' : 'is not an option'} of ${tableName}.${column}`,
      )
    }
  }
  return problems
}

/** The X2CRM field a column comes from, for messages in the user's terms. */
function fieldOf(map: EntityMap, column: string): string {
  if (column === map.sourceIdColumn) return 'id'
  return map.fields.find((f) => f.target === column)?.source ?? column
}

/** Choice values the column does not offer (none when the column has no known options). */
function notOptionsOf(column: ColumnMetadata, value: unknown): number[] {
  const options = column.options
  if (options === undefined) return []
  const offered = (n: number) => options.some((o) => o.value === n)
  if (column.type === 'Picklist' || column.type === 'State' || column.type === 'Status') {
    return typeof value === 'number' && !offered(value) ? [value] : []
  }
  if (column.type === 'MultiSelectPicklist' && typeof value === 'string') {
    return value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '')
      .map(Number)
      .filter((n) => !offered(n))
  }
  return []
}
