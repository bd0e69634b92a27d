import type { ColumnJson } from '../tables.ts'

/** MinValue, MaxValue and Precision of a number column, as its AttributeMetadata reports them. */
export interface NumberBounds {
  minValue: number
  maxValue: number
  /** digits after the decimal point (Decimal, Double, Money) */
  precision?: number
}

/**
 * The documented defaults per type, used when a column says nothing else:
 * https://learn.microsoft.com/en-us/dotnet/api/microsoft.xrm.sdk.metadata.integerattributemetadata.minsupportedvalue
 * (Integer ±2,147,483,647), DecimalAttributeMetadata and DoubleAttributeMetadata (±100,000,000,000,
 * precision 2 by default), MoneyAttributeMetadata (±922,337,203,685,477, precision 2 from the
 * currency). BigInt's ±9,223,372,036,854,775,807 is not exact in a JSON number: the reader's
 * safe-integer check stands in for it.
 */
export const typeBounds: Readonly<Record<string, NumberBounds>> = {
  Integer: { minValue: -2_147_483_648, maxValue: 2_147_483_647 },
  Decimal: { minValue: -100_000_000_000, maxValue: 100_000_000_000, precision: 2 },
  Double: { minValue: -100_000_000_000, maxValue: 100_000_000_000, precision: 2 },
  Money: { minValue: -922_337_203_685_477, maxValue: 922_337_203_685_477, precision: 2 },
}

/**
 * Standard columns whose reference page documents narrower bounds than their type's:
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/reference/entities/account (revenue, numberofemployees)
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/reference/entities/lead (revenue, numberofemployees)
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/reference/entities/product (price, costs, quantities)
 */
export const standardBounds: Readonly<Record<string, Partial<NumberBounds>>> = {
  'account.revenue': { minValue: 0, maxValue: 100_000_000_000_000 },
  'account.numberofemployees': { minValue: 0, maxValue: 1_000_000_000 },
  'lead.revenue': { minValue: 0, maxValue: 100_000_000_000_000 },
  'lead.numberofemployees': { minValue: 0, maxValue: 1_000_000 },
  'product.price': { minValue: 0, maxValue: 1_000_000_000_000 },
  'product.currentcost': { minValue: 0, maxValue: 1_000_000_000_000 },
  'product.standardcost': { minValue: 0, maxValue: 1_000_000_000_000 },
  'product.quantitydecimal': { minValue: 0, maxValue: 5 },
  'product.quantityonhand': { minValue: 0, maxValue: 1_000_000_000 },
  'product.stockvolume': { minValue: 0, maxValue: 1_000_000_000 },
  'product.stockweight': { minValue: 0, maxValue: 1_000_000_000 },
}

/** The bounds of a number column: what the column says (custom columns), else its standard or type default. */
export function numberBounds(table: string, column: ColumnJson): NumberBounds | undefined {
  const base = typeBounds[column.type]
  if (!base) return undefined
  const standard = standardBounds[`${table}.${column.name}`] ?? {}
  const bounds: NumberBounds = {
    minValue: column.minValue ?? standard.minValue ?? base.minValue,
    maxValue: column.maxValue ?? standard.maxValue ?? base.maxValue,
  }
  const precision = column.precision ?? standard.precision ?? base.precision
  if (precision !== undefined) bounds.precision = precision
  return bounds
}
