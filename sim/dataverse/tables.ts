import { readFileSync } from 'node:fs'

/** One column as described in tables.json (see /work/shared/dataverse/README.md). */
export interface ColumnJson {
  name: string
  type: string
  maxLength?: number
  required?: string
  options?: { value: number; label: string; state?: number }[]
  target?: string[]
  nav?: Record<string, string>
  readOnly?: boolean
  primaryId?: boolean
  primaryName?: boolean
  note?: string
}

export interface TableJson {
  entitySet: string
  primaryId: string
  primaryName: string
  ownershipType: string
  columns: ColumnJson[]
}

/** The shape of tables.json: logical table name → table. */
export type TablesJson = Record<string, TableJson>

/** A navigation property usable as `<nav>@odata.bind`, resolved to its column and target table. */
export interface NavProperty {
  nav: string
  column: ColumnJson
  targets: string[]
}

export interface Table extends TableJson {
  logicalName: string
  columnsByName: Map<string, ColumnJson>
  /** nav name (case-sensitive) → the lookup column it writes */
  navs: Map<string, NavProperty>
}

export interface Catalog {
  byName(logicalName: string): Table | undefined
  bySet(entitySet: string): Table | undefined
  tables(): Table[]
}

/** Column types read back as `_<name>_value` and written only through `<nav>@odata.bind`. */
export const lookupTypes: ReadonlySet<string> = new Set(['Lookup', 'Customer', 'Owner'])

export function loadDefaultTables(): TablesJson {
  return JSON.parse(readFileSync(new URL('./tables.json', import.meta.url), 'utf8')) as TablesJson
}

export function createCatalog(json: TablesJson): Catalog {
  const byName = new Map<string, Table>()
  const bySet = new Map<string, Table>()
  for (const [logicalName, table] of Object.entries(json)) {
    const navs = new Map<string, NavProperty>()
    for (const column of table.columns) {
      for (const [target, nav] of Object.entries(column.nav ?? {})) {
        const existing = navs.get(nav)
        if (existing) existing.targets.push(target)
        else navs.set(nav, { nav, column, targets: [target] })
      }
    }
    const entry: Table = {
      ...table,
      logicalName,
      columnsByName: new Map(table.columns.map((c) => [c.name, c])),
      navs,
    }
    byName.set(logicalName, entry)
    bySet.set(table.entitySet, entry)
  }
  return {
    byName: (name) => byName.get(name),
    bySet: (set) => bySet.get(set),
    tables: () => [...byName.values()],
  }
}
