import { DataverseFault } from '../errors.ts'
import type { Store, StoredRow } from '../store.ts'
import { lookupTypes, type Table } from '../tables.ts'

/** An alternate key (webapi.md §6.5). Its index is built asynchronously: Pending, then Active. */
export interface AlternateKey {
  metadataId: string
  table: string
  schemaName: string
  logicalName: string
  keyAttributes: string[]
  /** clock ms when the index build finishes */
  readyAt: number
  /** existing duplicate data makes the index build fail [D] */
  failed: boolean
}

export type KeyIndexStatus = 'Pending' | 'Active' | 'Failed'

export function keyStatus(key: AlternateKey, now: number): KeyIndexStatus {
  if (now < key.readyAt) return 'Pending'
  return key.failed ? 'Failed' : 'Active'
}

/** `name='v'` / `name=12` pairs of a key segment; `''` escapes a quote (OData URL conventions). */
export function parseKeySegment(text: string): Map<string, string | number> | undefined {
  const pairs = new Map<string, string | number>()
  const re = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?:'((?:[^']|'')*)'|(-?\d+(?:\.\d+)?))\s*(,|$)/y
  let at = 0
  while (at < text.length) {
    re.lastIndex = at
    const match = re.exec(text)
    if (!match) return undefined
    const [, name = '', quoted, number] = match
    pairs.set(name, quoted !== undefined ? quoted.replace(/''/g, "'") : Number(number))
    at = re.lastIndex
    if (match[4] === '') break
  }
  return pairs.size > 0 ? pairs : undefined
}

/** A comparable form of a key value: strings compare case-insensitively (SQL collation). */
function normalise(value: unknown): unknown {
  return typeof value === 'string' ? value.toLowerCase() : value
}

export function keyValuesOf(table: Table, key: AlternateKey, row: StoredRow): unknown[] | undefined {
  const values: unknown[] = []
  for (const name of key.keyAttributes) {
    const column = table.columnsByName.get(name)
    const value = column && lookupTypes.has(column.type) ? row.lookups[name]?.id : row.values[name]
    if (value === undefined || value === null) return undefined
    values.push(normalise(value))
  }
  return values
}

/**
 * Unique indexes behind alternate keys, kept in step with the store (including rollbacks).
 * Lookups are by the key's values; writes that would duplicate an Active key fail with
 * 412 0x80060892 (webapi.md §2.7, §5.2).
 */
export interface KeyIndex {
  add(table: Table, key: AlternateKey): void
  keysOf(table: string): AlternateKey[]
  /** the row id holding these key values, if any */
  find(key: AlternateKey, values: readonly unknown[]): string | undefined
  /** throws 0x80060892 when `row` would duplicate another row's Active key */
  checkUnique(table: Table, row: StoredRow, now: number): void
}

export function createKeyIndex(store: Store, tableOf: (logicalName: string) => Table | undefined): KeyIndex {
  const keys = new Map<string, AlternateKey[]>()
  const indexes = new Map<AlternateKey, Map<string, string>>()
  const indexKey = (values: readonly unknown[]) => JSON.stringify(values.map(normalise))

  store.onChange((tableName, before, after) => {
    const table = tableOf(tableName)
    if (!table) return
    for (const key of keys.get(tableName) ?? []) {
      const index = indexes.get(key)
      if (!index) continue
      const old = before && keyValuesOf(table, key, before)
      if (old && index.get(indexKey(old)) === before.id) index.delete(indexKey(old))
      const now = after && keyValuesOf(table, key, after)
      if (now) index.set(indexKey(now), after.id)
    }
  })

  return {
    add(table, key) {
      const index = new Map<string, string>()
      for (const row of store.list(table.logicalName)) {
        const values = keyValuesOf(table, key, row)
        if (!values) continue
        if (index.has(indexKey(values))) key.failed = true
        index.set(indexKey(values), row.id)
      }
      indexes.set(key, index)
      keys.set(table.logicalName, [...(keys.get(table.logicalName) ?? []), key])
    },
    keysOf: (table) => keys.get(table) ?? [],
    find: (key, values) => indexes.get(key)?.get(indexKey(values)),
    checkUnique(table, row, now) {
      for (const key of keys.get(table.logicalName) ?? []) {
        if (keyStatus(key, now) !== 'Active') continue
        const values = keyValuesOf(table, key, row)
        if (!values) continue
        const holder = indexes.get(key)?.get(indexKey(values))
        if (holder !== undefined && holder !== row.id) throw duplicateKey(key)
      }
    },
  }
}

/**
 * 0x80060892 DuplicateRecordEntityKey: "Entity Key {0} violated. A record with the same value for
 * {1} already exists. A duplicate record cannot be created…" — name and message [D], status 412 [C].
 */
export function duplicateKey(key: AlternateKey): DataverseFault {
  return new DataverseFault(
    412,
    '0x80060892',
    `Entity Key ${key.schemaName} violated. A record with the same value for ${key.keyAttributes.join(', ')} already exists. A duplicate record cannot be created. Please check the values of the columns in the key and try again.`,
  )
}
