import { payloadFault } from '../errors.ts'
import { isGuid } from '../guid.ts'
import type { ColumnJson } from '../tables.ts'

const edmTypes: Record<string, string> = {
  String: 'Edm.String',
  Memo: 'Edm.String',
  EntityName: 'Edm.String',
  Integer: 'Edm.Int32',
  Picklist: 'Edm.Int32',
  State: 'Edm.Int32',
  Status: 'Edm.Int32',
  BigInt: 'Edm.Int64',
  Decimal: 'Edm.Decimal',
  Money: 'Edm.Decimal',
  Double: 'Edm.Double',
  Boolean: 'Edm.Boolean',
  DateTime: 'Edm.DateTimeOffset',
  Uniqueidentifier: 'Edm.Guid',
  MultiSelectPicklist: 'Edm.String',
}

const dateOnlyRe = /^\d{4}-\d{2}-\d{2}$/
const dateTimeRe = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/

/**
 * Converts a JSON value to a column's type the way the OData JSON reader does, or throws its
 * 400 0x80048d19 error ("Cannot convert the literal … to the expected type 'Edm.Int32'") [C].
 * DateTime values are normalised to ISO-8601 UTC without milliseconds (webapi.md §1.4).
 */
export function convertValue(entitySet: string, column: ColumnJson, value: unknown): unknown {
  if (value === null) return null
  const edm = edmTypes[column.type]
  if (edm === undefined) return value // ManagedProperty and other complex values are kept as sent
  if (typeof value === 'object') {
    throw payloadFault(
      entitySet,
      "A node of type 'StartObject' was read from the JSON reader when trying to read a value of a property; however, a 'PrimitiveValue' or 'StartArray' node was expected.",
    )
  }
  const literal = () =>
    payloadFault(
      entitySet,
      `Cannot convert the literal '${literalText(value)}' to the expected type '${edm}'.`,
    )
  switch (edm) {
    case 'Edm.String':
      if (typeof value !== 'string') {
        throw payloadFault(
          entitySet,
          "Cannot convert a primitive value to the expected type 'Edm.String'. See the inner exception for more details.",
        )
      }
      return value
    case 'Edm.Int32':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31)
        throw literal()
      return value
    case 'Edm.Int64':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw literal()
      return value
    case 'Edm.Decimal':
    case 'Edm.Double':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw literal()
      return value
    case 'Edm.Boolean':
      if (typeof value !== 'boolean') throw literal()
      return value
    case 'Edm.Guid':
      if (!isGuid(value)) throw literal()
      return value.toLowerCase()
    case 'Edm.DateTimeOffset': {
      if (typeof value !== 'string') throw literal()
      if (dateOnlyRe.test(value) && !isNaN(Date.parse(value))) return value
      if (!dateTimeRe.test(value) || isNaN(Date.parse(value))) throw literal()
      return `${new Date(value).toISOString().slice(0, 19)}Z`
    }
    default:
      return value
  }
}

function literalText(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}
