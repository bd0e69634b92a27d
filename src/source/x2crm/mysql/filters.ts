import { ConfigError } from '../../../errors.ts'

const OPERATOR = /^(<>|<=|>=|<|>|=)?([\s\S]*)$/

/**
 * SQL conditions for API-style attribute filters (`{ lastUpdated: '>1700000000' }`), with the same meaning as API v2:
 * an operator prefix (`<`, `>`, `<=`, `>=`, `<>`, `=`) or equality, one condition per attribute, an empty value
 * ignored (api.md §1.5). Unlike the API, an attribute that is not a column is an error, not silently ignored.
 */
export function filterConditions(
  entity: string,
  filters: Readonly<Record<string, string>>,
  columns: ReadonlySet<string>,
): { sql: string[]; params: unknown[] } {
  const sql: string[] = []
  const params: unknown[] = []
  const unknown: string[] = []
  for (const [name, raw] of Object.entries(filters)) {
    if (!columns.has(name)) {
      unknown.push(`filter on ${entity}.${name}: ${entity} has no such column`)
      continue
    }
    const [, operator = '=', value = ''] = OPERATOR.exec(raw) ?? []
    if (value === '') continue
    sql.push(`\`${name}\` ${operator} ?`)
    params.push(value)
  }
  if (unknown.length > 0) throw new ConfigError(unknown)
  return { sql, params }
}
