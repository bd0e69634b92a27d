import { textOf } from './errors.ts'
import { numberBounds } from './metadata/numbers.ts'
import type { LookupRef, Store, StoredRow } from './store.ts'
import type { Catalog, ColumnJson } from './tables.ts'

/** What formatting a value needs besides the row: related rows (lookup names, the row's currency). */
export interface FormatContext {
  store: Store
  catalog: Catalog
}

export const formattedValueTerm = 'OData.Community.Display.V1.FormattedValue'

/**
 * The `@OData.Community.Display.V1.FormattedValue` of a column, as Dataverse returns it for
 * `Prefer: odata.include-annotations="OData.Community.Display.V1.FormattedValue"`: choice labels,
 * the related row's primary name for lookups, money with the currency symbol, numbers with
 * thousands separators and dates in the user's format; none for text and ids.
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/select-columns#formatted-values
 * (`revenue` 20000.0000 → "$20,000.00", `customertypecode` 1 → "Competitor",
 * `modifiedon` → "4/7/2023 2:59 PM", `_primarycontactid_value` → the contact's full name,
 * `_transactioncurrencyid_value` → "US Dollar").
 * [U] The simulated users' time zone and locale are UTC and en-US; numbers use the column's
 * Precision (metadata/numbers.ts).
 */
export function formattedValue(
  column: ColumnJson,
  row: StoredRow,
  context: FormatContext,
): string | undefined {
  const ref = row.lookups[column.name]
  if (column.type === 'Lookup' || column.type === 'Customer' || column.type === 'Owner')
    return ref && primaryNameOf(ref, context)
  const value = row.values[column.name]
  if (value === undefined || value === null) return undefined
  switch (column.type) {
    case 'Picklist':
    case 'State':
    case 'Status':
      return column.options?.find((o) => o.value === value)?.label
    case 'Boolean': {
      const option = column.options?.find((o) => o.value === (value === true ? 1 : 0))
      return option?.label ?? (value === true ? 'Yes' : 'No')
    }
    case 'MultiSelectPicklist':
      // [C] selected labels joined with "; " in the order stored
      return textOf(value)
        .split(',')
        .map((v) => column.options?.find((o) => o.value === Number(v))?.label ?? v.trim())
        .join('; ')
    case 'Integer':
    case 'BigInt':
      return typeof value === 'number' ? formatNumber(value, 0) : undefined
    case 'Decimal':
    case 'Double':
      return typeof value === 'number'
        ? formatNumber(value, numberBounds(row.table, column)?.precision ?? 2)
        : undefined
    case 'Money':
      return typeof value === 'number' ? formatMoney(value, column, row, context) : undefined
    case 'DateTime':
      return typeof value === 'string' ? formatDate(value, column.format === 'DateOnly') : undefined
    default:
      return undefined
  }
}

function primaryNameOf(ref: LookupRef, context: FormatContext): string | undefined {
  const table = context.catalog.byName(ref.table)
  const name = table && context.store.get(ref.table, ref.id)?.values[table.primaryName]
  return typeof name === 'string' ? name : undefined
}

function formatNumber(value: number, precision: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: precision, maximumFractionDigits: precision })
}

/** The row's currency (its `transactioncurrencyid`), else the organization's base currency (the first one). */
function formatMoney(value: number, column: ColumnJson, row: StoredRow, context: FormatContext): string {
  const ref = row.lookups.transactioncurrencyid
  const currency =
    (ref && context.store.get('transactioncurrency', ref.id)) ?? context.store.list('transactioncurrency')[0]
  const symbol = typeof currency?.values.currencysymbol === 'string' ? currency.values.currencysymbol : '$'
  const precision = numberBounds(row.table, column)?.precision ?? 2
  const text = formatNumber(Math.abs(value), precision)
  return value < 0 ? `-${symbol}${text}` : `${symbol}${text}`
}

/** `M/d/yyyy h:mm AM/PM`, or `M/d/yyyy` for a date-only column or value. */
export function formatDate(value: string, dateOnly: boolean): string | undefined {
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value)
  if (Number.isNaN(date.getTime())) return undefined
  const day = `${date.getUTCMonth() + 1}/${date.getUTCDate()}/${date.getUTCFullYear()}`
  if (dateOnly || /^\d{4}-\d{2}-\d{2}$/.test(value)) return day
  const hours = date.getUTCHours()
  const minutes = String(date.getUTCMinutes()).padStart(2, '0')
  return `${day} ${hours % 12 === 0 ? 12 : hours % 12}:${minutes} ${hours < 12 ? 'AM' : 'PM'}`
}
