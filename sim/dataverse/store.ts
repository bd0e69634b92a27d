/** A lookup value: the row it points to. Read back as `_<column>_value`. */
export interface LookupRef {
  table: string
  id: string
}

/** A stored row. Rows are replaced, never mutated, so a snapshot is a copy of the maps. */
export interface StoredRow {
  table: string
  id: string
  /** non-lookup columns by logical name */
  values: Readonly<Record<string, unknown>>
  /** lookup columns by logical name */
  lookups: Readonly<Record<string, LookupRef>>
  /** row version behind the weak ETag; changes on every write */
  version: number
}

export interface Store {
  get(table: string, id: string): StoredRow | undefined
  put(row: StoredRow): void
  delete(table: string, id: string): boolean
  list(table: string): StoredRow[]
  nextVersion(): number
  /** Captures every table; calling the result restores it (all-or-nothing writes). */
  snapshot(): () => void
}

export function createStore(): Store {
  let tables = new Map<string, Map<string, StoredRow>>()
  let version = 1_000_000
  const rowsOf = (table: string) => {
    let rows = tables.get(table)
    if (!rows) {
      rows = new Map<string, StoredRow>()
      tables.set(table, rows)
    }
    return rows
  }
  return {
    get: (table, id) => tables.get(table)?.get(id.toLowerCase()),
    put: (row) => void rowsOf(row.table).set(row.id.toLowerCase(), row),
    delete: (table, id) => tables.get(table)?.delete(id.toLowerCase()) ?? false,
    list: (table) => [...(tables.get(table)?.values() ?? [])],
    nextVersion: () => ++version,
    snapshot() {
      const saved = new Map<string, Map<string, StoredRow>>()
      for (const [name, rows] of tables) saved.set(name, new Map(rows))
      const savedVersion = version
      return () => {
        tables = saved
        version = savedVersion
      }
    },
  }
}
