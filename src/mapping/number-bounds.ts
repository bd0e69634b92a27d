import type { ColumnMetadata } from '../target/dataverse/table-metadata.ts'

/** The values a number column takes: MinValue, MaxValue and, for Decimal, Double and Money, Precision. */
export interface NumberBounds {
  minValue: number
  maxValue: number
  /** Digits after the decimal point; whole numbers have none. */
  precision: number
}

/**
 * The widest values each number type supports, for a column whose metadata does not say (tables.json lists few):
 * - Integer: IntegerAttributeMetadata.MinSupportedValue / MaxSupportedValue, −2,147,483,648 … 2,147,483,647
 *   https://learn.microsoft.com/dotnet/api/microsoft.xrm.sdk.metadata.integerattributemetadata.minsupportedvalue
 * - Decimal: DecimalAttributeMetadata MinValue/MaxValue "possible values are -100 billion to 100 billion", precision
 *   0–10, 2 by default https://learn.microsoft.com/dotnet/api/microsoft.xrm.sdk.metadata.decimalattributemetadata.minvalue
 * - Double: DoubleAttributeMetadata, ±100,000,000,000, precision 0–5, 2 by default
 *   https://learn.microsoft.com/dotnet/api/microsoft.xrm.sdk.metadata.doubleattributemetadata.minsupportedvalue
 * - Money: MoneyAttributeMetadata.MinSupportedValue / MaxSupportedValue, ±922,337,203,685,477, precision 2 (the
 *   currency's) by default https://learn.microsoft.com/dotnet/api/microsoft.xrm.sdk.metadata.moneyattributemetadata.minsupportedvalue
 * - BigInt: ±9,223,372,036,854,775,807, which a JSON number cannot hold exactly: safe integers stand in for it.
 */
export const SUPPORTED_BOUNDS: Readonly<Record<string, NumberBounds>> = {
  Integer: { minValue: -2_147_483_648, maxValue: 2_147_483_647, precision: 0 },
  BigInt: { minValue: Number.MIN_SAFE_INTEGER, maxValue: Number.MAX_SAFE_INTEGER, precision: 0 },
  Decimal: { minValue: -100_000_000_000, maxValue: 100_000_000_000, precision: 2 },
  Double: { minValue: -100_000_000_000, maxValue: 100_000_000_000, precision: 2 },
  Money: { minValue: -922_337_203_685_477, maxValue: 922_337_203_685_477, precision: 2 },
}

/** A number column's bounds: what its metadata says, else what its type supports. Undefined for other types. */
export function numberBoundsOf(column: ColumnMetadata): NumberBounds | undefined {
  const supported = SUPPORTED_BOUNDS[column.type]
  if (supported === undefined) return undefined
  return {
    minValue: column.minValue ?? supported.minValue,
    maxValue: column.maxValue ?? supported.maxValue,
    precision: supported.precision === 0 ? 0 : (column.precision ?? supported.precision),
  }
}

/** Why a number does not fit the column, or undefined when it does. Never rounds, clips or changes the value. */
export function numberProblem(value: number, bounds: NumberBounds): string | undefined {
  if (!Number.isFinite(value)) return `${String(value)} is not a number`
  if (value < bounds.minValue)
    return `${plainNumber(value)} is below the minimum ${plainNumber(bounds.minValue)}`
  if (value > bounds.maxValue)
    return `${plainNumber(value)} is above the maximum ${plainNumber(bounds.maxValue)}`
  const decimals = decimalsOf(value)
  if (decimals > bounds.precision) {
    return bounds.precision === 0
      ? `${plainNumber(value)} is not a whole number`
      : `${plainNumber(value)} has ${decimals} decimals, the column keeps ${bounds.precision}`
  }
  return undefined
}

/** Digits after the point in the number's shortest form (`1e-7` has 7). */
export function decimalsOf(value: number): number {
  const [mantissa = '', exponent] = String(Math.abs(value)).split('e')
  const fraction = mantissa.split('.')[1]?.length ?? 0
  return Math.max(0, fraction - Number(exponent ?? 0))
}

/** A number as digits, never in exponent form (`1e+21` → `1000000000000000000000`), for messages. */
export function plainNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value)
  const text = String(value)
  if (!text.includes('e')) return text
  return value.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 })
}
