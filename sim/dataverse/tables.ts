import { readFileSync } from 'node:fs'

/** One column as described in tables.json (see docs/dataverse/README.md). */
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
  /** Columns created through the metadata API keep what the payload said (webapi.md §6.2). */
  schemaName?: string
  custom?: boolean
  /** the global choice (GlobalOptionSetDefinitions Name) whose options this column shares */
  globalOptionSet?: string
  minValue?: number
  maxValue?: number
  precision?: number
  format?: string
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
  /** created through POST EntityDefinitions (webapi.md §6.4) */
  custom?: boolean
  schemaName?: string
}

export interface Catalog {
  byName(logicalName: string): Table | undefined
  bySet(entitySet: string): Table | undefined
  tables(): Table[]
  /** Adds a table (custom tables created through the metadata API). */
  addTable(logicalName: string, json: TableJson, extra?: { custom?: boolean; schemaName?: string }): Table
  /** Adds a column to a table; it is writable and validated from the next request on. */
  addColumn(table: Table, column: ColumnJson): void
  /** Removes a (custom) column and its navigation properties. */
  removeColumn(table: Table, name: string): void
}

/** Column types read back as `_<name>_value` and written only through `<nav>@odata.bind`. */
export const lookupTypes: ReadonlySet<string> = new Set(['Lookup', 'Customer', 'Owner'])

export function loadDefaultTables(): TablesJson {
  return JSON.parse(readFileSync(new URL('./tables.json', import.meta.url), 'utf8')) as TablesJson
}

export function createCatalog(json: TablesJson): Catalog {
  const byName = new Map<string, Table>()
  const bySet = new Map<string, Table>()
  const addNavs = (navs: Map<string, NavProperty>, column: ColumnJson) => {
    for (const [target, nav] of Object.entries(column.nav ?? {})) {
      const existing = navs.get(nav)
      if (existing) existing.targets.push(target)
      else navs.set(nav, { nav, column, targets: [target] })
    }
  }
  const catalog: Catalog = {
    byName: (name) => byName.get(name),
    bySet: (set) => bySet.get(set),
    tables: () => [...byName.values()],
    addTable(logicalName, table, extra = {}) {
      const navs = new Map<string, NavProperty>()
      for (const column of table.columns) addNavs(navs, column)
      const entry: Table = {
        ...table,
        columns: [...table.columns],
        logicalName,
        columnsByName: new Map(table.columns.map((c) => [c.name, c])),
        navs,
        ...extra,
      }
      byName.set(logicalName, entry)
      bySet.set(table.entitySet, entry)
      return entry
    },
    addColumn(table, column) {
      table.columns.push(column)
      table.columnsByName.set(column.name, column)
      addNavs(table.navs, column)
    },
    removeColumn(table, name) {
      table.columns = table.columns.filter((c) => c.name !== name)
      table.columnsByName.delete(name)
      for (const [nav, property] of table.navs) if (property.column.name === name) table.navs.delete(nav)
    },
  }
  for (const [logicalName, table] of Object.entries(json)) catalog.addTable(logicalName, table)
  return catalog
}
