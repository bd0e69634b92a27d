/** The part of a table's metadata (sim/dataverse/tables.json) that limits string lengths. */
export interface TableColumns {
  columns: readonly { name: string; type: string; maxLength?: number }[]
}

/**
 * Column values longer than Dataverse allows, as messages (`firstname: 312 characters, Dataverse allows 50`).
 * Dataverse counts UTF-16 code units, as `String.length` does. Nothing is cut: the caller decides whether to warn,
 * quarantine or let the server refuse the row.
 */
export function checkLengths(values: Readonly<Record<string, unknown>>, table: TableColumns): string[] {
  const problems: string[] = []
  for (const column of table.columns) {
    const value = values[column.name]
    if (typeof value === 'string' && column.maxLength !== undefined && value.length > column.maxLength) {
      problems.push(`${column.name}: ${value.length} characters, Dataverse allows ${column.maxLength}`)
    }
  }
  return problems
}
