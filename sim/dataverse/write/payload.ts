import { DataverseFault, faults, payloadFault } from '../errors.ts'
import { isGuid } from '../guid.ts'
import { defaultMaxUploadBytes, uploadColumns } from '../organization.ts'
import { checkPublisherPrefix } from '../solutions.ts'
import { numberBounds } from '../metadata/numbers.ts'
import type { LookupRef, Store } from '../store.ts'
import { lookupTypes, type Catalog, type ColumnJson, type Table } from '../tables.ts'
import { collectionNav } from '../relationships.ts'
import { isCollectionNav, readParties, type PartyChanges } from './parties.ts'
import { convertValue } from './values.ts'

export type WriteMode = 'create' | 'update'

/** A validated request body: what to write, by logical column name. */
export interface Changes {
  values: Record<string, unknown>
  lookups: Record<string, LookupRef | null>
  /** primary key sent in the body */
  primaryId?: string
  /** activity parties to write with the activity (`<activity>_activity_parties`, webapi.md §7.5) */
  parties?: PartyChanges
  /** deep insert: rows to create first and point a lookup of this row at (`primarycontactid: {…}`) */
  related?: { column: string; table: Table; changes: Changes }[]
  /** deep insert: rows to create after this row, pointing at it (`contact_customer_accounts: [{…}]`) */
  children?: { column: string; table: Table; changes: Changes }[]
}

export interface PayloadContext {
  catalog: Catalog
  store: Store
  table: Table
  mode: WriteMode
  /** organization.maxuploadfilesize, checked on note and attachment bodies. @default 5,242,880 */
  maxUploadBytes?: number
  /** resolves `set(key='v')` references in binds; undefined when the table has no such key */
  resolveKey?: (table: Table, key: string) => string | undefined
}

const bindSuffix = '@odata.bind'
const refRe = /^(?:[a-z]+:\/\/[^/]+)?(?:\/?api\/data\/v9\.\d\/)?\/?([A-Za-z_][A-Za-z0-9_]*)\(([^)]*)\)$/

export function isCreateOnly(column: ColumnJson): boolean {
  // overriddencreatedon's note says "set on create only" (webapi.md §7.1: treat as create-only)
  return /create-only/i.test(column.note ?? '') || column.name === 'overriddencreatedon'
}

/** webapi.md §7.6: the org's maxuploadfilesize applies to the Base64 text; 0x80044a02 [D]. */
function checkUploadSize(value: unknown, maxBytes: number): void {
  if (typeof value === 'string' && value.length > maxBytes) {
    throw new DataverseFault(400, '0x80044a02', 'Attachment file size is too big.')
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Reads a create/update body like Dataverse: first the OData reader (unknown properties,
 * navigation names, value types → 400 0x80048d19), then platform validation (lengths,
 * choices, SystemRequired nulls, bound rows exist). Read-only columns are dropped silently
 * (webapi.md §2.1 [D]).
 */
export function readPayload(body: unknown, context: PayloadContext): Changes {
  const { table, catalog, store, mode } = context
  const set = table.entitySet
  if (!isObject(body)) throw payloadFault(set, 'The request body must be a JSON object.')
  const changes: Changes = { values: {}, lookups: {} }
  const checks: (() => void)[] = []

  for (const [key, value] of Object.entries(body)) {
    if (key === '@odata.type') {
      checkODataType(table, value)
      continue
    }
    if (key.endsWith(bindSuffix)) {
      const nav = key.slice(0, -bindSuffix.length)
      const property = table.navs.get(nav)
      if (!property) throw faults.unknownNavigation(set, nav)
      const ref =
        value === null ? null : parseBind(set, nav, property.targets, value, catalog, context.resolveKey)
      const column = property.column
      if (column.readOnly || (mode === 'update' && isCreateOnly(column))) continue
      changes.lookups[column.name] = ref
      checks.push(() => {
        if (ref === null) checkNullable(table, column)
        else if (!store.get(ref.table, ref.id)) throw faults.notFound(ref.table, ref.id)
      })
      continue
    }
    if (key.includes('@')) continue // instance annotations are not data
    if (readDeepInsert(key, value, context, changes)) continue
    const lookup = key.startsWith('_') ? /^_(.+)_value$/.exec(key)?.[1] : undefined
    if (lookup !== undefined && lookupTypes.has(table.columnsByName.get(lookup)?.type ?? '')) {
      throw faults.lookupWrittenDirectly(set)
    }
    if (key.endsWith('_activity_parties') && isCollectionNav(table, catalog, key)) {
      changes.parties = readParties(key, value, context, readPayload)
      continue
    }
    const column = table.columnsByName.get(key)
    if (!column || column.type === 'PartyList') throw faults.unknownProperty(set, table.logicalName, key)
    if (lookupTypes.has(column.type)) throw faults.lookupWrittenDirectly(set)
    const converted = convertValue(set, column, value)
    if (column.name === table.primaryId) {
      if (typeof converted === 'string') changes.primaryId = converted
      continue
    }
    if (column.readOnly || (mode === 'update' && isCreateOnly(column))) continue
    changes.values[column.name] = converted
    checks.push(() => checkValue(table, column, converted))
    if (uploadColumns.has(`${table.logicalName}.${column.name}`)) {
      checks.push(() => checkUploadSize(converted, context.maxUploadBytes ?? defaultMaxUploadBytes))
    }
  }
  if (table.logicalName === 'publisher')
    checks.push(() => checkPublisherPrefix(changes.values.customizationprefix))
  for (const check of checks) check()
  return changes
}

/**
 * Deep insert: a single-valued navigation property given a JSON object creates that row and links
 * it; a collection-valued one given an array creates each row pointing back at this one. The nested
 * bodies are read like any body first, so nothing is written unless all of them are valid; the
 * whole create is one transaction. Only on create: an update cannot carry related rows [U message].
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/create-entity-web-api#create-related-table-rows-in-one-operation
 */
function readDeepInsert(key: string, value: unknown, context: PayloadContext, changes: Changes): boolean {
  const { table, catalog } = context
  const single = table.navs.get(key)
  // Only an array can be a collection's rows: other values need not look the name up.
  const many = single || !Array.isArray(value) ? undefined : collectionNav(catalog, table, key)
  if ((!single || !isObject(value)) && (!many || !Array.isArray(value))) return false
  if (context.mode !== 'create') {
    throw payloadFault(
      table.entitySet,
      `Related rows ('${key}') can only be created with the row that refers to them (deep insert on create), not in an update.`,
    )
  }
  if (single && isObject(value)) {
    const target = catalog.byName(nestedTarget(value, single.targets) ?? '')
    if (!target) throw faults.unknownNavigation(table.entitySet, key)
    if (single.column.readOnly) return true
    const nested = readPayload(value, { ...context, table: target, mode: 'create' })
    ;(changes.related ??= []).push({ column: single.column.name, table: target, changes: nested })
    return true
  }
  if (many && Array.isArray(value)) {
    for (const item of value as unknown[]) {
      const nested = readPayload(item, { ...context, table: many.child, mode: 'create' })
      ;(changes.children ??= []).push({ column: many.column.name, table: many.child, changes: nested })
    }
  }
  return true
}

/** The table of a nested row: its `@odata.type` when the navigation property has several targets. */
function nestedTarget(value: Record<string, unknown>, targets: readonly string[]): string | undefined {
  const type = value['@odata.type']
  if (typeof type !== 'string') return targets[0]
  const name = type.replace(/^#?Microsoft\.Dynamics\.CRM\./, '')
  return targets.includes(name) ? name : undefined
}

function checkODataType(table: Table, value: unknown): void {
  const expected = `Microsoft.Dynamics.CRM.${table.logicalName}`
  if (typeof value === 'string' && value.replace(/^#/, '') === expected) return
  throw payloadFault(
    table.entitySet,
    `The entity type '${String(value)}' is not compatible with the base type '${expected}' of the provided entity set '${table.entitySet}'. When an entity type is specified for an OData resource set or resource reader, it has to be the same or a subtype of the base type of the specified entity set.`,
  )
}

function parseBind(
  set: string,
  nav: string,
  targets: string[],
  value: unknown,
  catalog: Catalog,
  resolveKey: PayloadContext['resolveKey'],
): LookupRef {
  const match = typeof value === 'string' ? refRe.exec(value) : null
  if (!match) {
    throw payloadFault(
      set,
      `The value of '${nav}${bindSuffix}' is not a valid entity reference URI: '${String(value)}'.`,
    )
  }
  const [, targetSet = '', key = ''] = match
  const target = catalog.bySet(targetSet)
  if (!target) throw payloadFault(set, `Resource not found for the segment '${targetSet}'.`)
  if (!targets.includes(target.logicalName)) {
    throw payloadFault(
      set,
      `The entity set '${targetSet}' is not a valid target for the navigation property '${nav}'; expected one of: ${targets.join(', ')}.`,
    )
  }
  const id = key.startsWith(`${target.primaryId}=`) ? key.slice(target.primaryId.length + 1) : key
  if (isGuid(id)) return { table: target.logicalName, id: id.toLowerCase() }
  // An alternate-key reference (webapi.md §2.3 example): `/accounts(accountnumber='A-77')`.
  const resolved = resolveKey?.(target, key)
  if (resolved !== undefined) return { table: target.logicalName, id: resolved }
  throw new DataverseFault(400, '0x80060888', `The key '${key}' is not a valid key for '${targetSet}'.`)
}

function checkNullable(table: Table, column: ColumnJson): void {
  // webapi.md §2.2: SystemRequired columns cannot be set to null.
  if (column.required === 'SystemRequired') throw faults.required(table.logicalName, column.name)
}

function checkValue(table: Table, column: ColumnJson, value: unknown): void {
  if (value === null) {
    if (column.type !== 'State' && column.type !== 'Status') checkNullable(table, column)
    return
  }
  if ((column.type === 'String' || column.type === 'Memo') && typeof value === 'string') {
    if (column.maxLength !== undefined && value.length > column.maxLength) {
      throw faults.tooLong(table.logicalName, column.name, column.maxLength)
    }
  }
  // MinValue/MaxValue of the column's metadata (documented per type and per standard column).
  const bounds = typeof value === 'number' ? numberBounds(table.logicalName, column) : undefined
  if (typeof value === 'number' && bounds && (value < bounds.minValue || value > bounds.maxValue)) {
    throw faults.outOfRange(table.logicalName, column.name, value)
  }
  if (column.type === 'MultiSelectPicklist' && typeof value === 'string' && column.options) {
    // webapi.md §2.6: a string of comma-separated option values, at most 150 selected.
    const values = value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '')
    for (const v of values) {
      const n = Number(v)
      if (!/^-?\d+$/.test(v) || !column.options.some((o) => o.value === n)) {
        throw faults.outOfRange(table.logicalName, column.name, Number.isNaN(n) ? 0 : n)
      }
    }
    if (values.length > 150)
      throw faults.badRequest(`At most 150 options can be selected in '${column.name}'.`)
  }
  if ((column.type === 'Picklist' || column.type === 'State' || column.type === 'Status') && column.options) {
    if (typeof value === 'number' && !column.options.some((o) => o.value === value)) {
      throw faults.outOfRange(table.logicalName, column.name, value)
    }
  }
}
