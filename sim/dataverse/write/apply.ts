import { DataverseFault, faults } from '../errors.ts'
import { newGuid } from '../guid.ts'
import type { LookupRef, Store, StoredRow } from '../store.ts'
import type { ColumnJson, Table } from '../tables.ts'
import type { KeyIndex } from '../metadata/keys.ts'
import type { PartyChanges } from './parties.ts'
import type { Changes } from './payload.ts'
import { checkIncidentWrite } from './incident-state.ts'
import { checkOpportunityWrite } from './opportunity-state.ts'
import { checkQuoteWrite } from './quote-state.ts'
import { defaultState, resolveState } from './state.ts'
import { checkSalesRow } from './sales-rules.ts'

export interface Caller {
  systemUserId: string
  businessUnitId: string
  /** the app user acting when `systemUserId` is an impersonated user (createdonbehalfby) */
  onBehalfOf?: string
}

export interface ApplyContext {
  store: Store
  clock: () => number
  caller: Caller
  /** alternate keys whose uniqueness writes must respect */
  keys?: KeyIndex
}

/** SystemRequired columns the platform copies or defaults although tables.json has no note saying so [U]. */
const platformFilled: ReadonlySet<string> = new Set([
  'productpricelevel.productnumber', // copied from the bound product
  'systemuser.defaultodbfoldername', // defaults to "CRM"
])

/**
 * SystemRequired columns the server rejects a create without (README: only SystemRequired is
 * enforced). Columns the platform fills are exempt: the primary key, read-only columns,
 * state/status (defaults), owner (defaults to the caller), booleans, choices and numbers (defaults),
 * and anything whose note says the platform fills or defaults it.
 */
export function isEnforcedRequired(table: Table, column: ColumnJson): boolean {
  if (column.required !== 'SystemRequired' || column.readOnly || column.name === table.primaryId) return false
  if (!['String', 'Memo', 'Lookup', 'Customer'].includes(column.type)) return false
  if (platformFilled.has(`${table.logicalName}.${column.name}`)) return false
  return !/(filled|default|auto-?number)/i.test(column.note ?? '')
}

/** The table's enforced required columns, by its column list (metadata writes add or remove columns). */
const enforcedByColumns = new WeakMap<readonly ColumnJson[], { count: number; columns: ColumnJson[] }>()

/** {@link isEnforcedRequired} columns of a table, worked out once per column list rather than on every create. */
function enforcedRequired(table: Table): ColumnJson[] {
  const cached = enforcedByColumns.get(table.columns)
  if (cached && cached.count === table.columns.length) return cached.columns
  const columns = table.columns.filter((column) => isEnforcedRequired(table, column))
  enforcedByColumns.set(table.columns, { count: table.columns.length, columns })
  return columns
}

/** The last second stamped: rows written in the same second share its text instead of formatting a Date each. */
let lastStamp = { second: Number.NaN, text: '' }

/** `createdon`/`modifiedon`: ISO 8601 UTC to the second (webapi.md §1.4). */
function stamp(now: number): string {
  const second = Math.floor(now / 1000)
  if (second !== lastStamp.second)
    lastStamp = { second, text: `${new Date(second * 1000).toISOString().slice(0, 19)}Z` }
  return lastStamp.text
}

function hasColumn(table: Table, name: string): boolean {
  return table.columnsByName.has(name)
}

/**
 * The platform fills the EntityName column that names the table of a polymorphic lookup:
 * `annotation.objecttypecode` from `objectid_<table>@odata.bind`, `activitymimeattachment.objecttypecode`,
 * `connection.record1idobjecttypecode` (tables.json notes; "the objecttypecode is set to the logical name
 * of the table", https://learn.microsoft.com/en-us/power-apps/developer/data-platform/annotation-file-attachment).
 */
const typeCodeColumns: readonly { table: string; lookup: string; typeCode: string }[] = [
  { table: 'annotation', lookup: 'objectid', typeCode: 'objecttypecode' },
  { table: 'activitymimeattachment', lookup: 'objectid', typeCode: 'objecttypecode' },
  { table: 'connection', lookup: 'record1id', typeCode: 'record1idobjecttypecode' },
  { table: 'connection', lookup: 'record2id', typeCode: 'record2idobjecttypecode' },
]

function fillTypeCodes(
  table: Table,
  values: Record<string, unknown>,
  lookups: Readonly<Record<string, LookupRef>>,
): void {
  for (const { lookup, typeCode } of typeCodeColumns.filter((c) => c.table === table.logicalName)) {
    const ref = lookups[lookup]
    if (ref) values[typeCode] = ref.table
    else if (values[typeCode] === undefined) values[typeCode] = null
  }
}

/** Fills computed columns the platform maintains (contact/lead fullname). */
function computeNames(table: Table, values: Record<string, unknown>): void {
  if (hasColumn(table, 'fullname') && hasColumn(table, 'firstname') && hasColumn(table, 'lastname')) {
    const parts = [values.firstname, values.lastname].filter(
      (p): p is string => typeof p === 'string' && p !== '',
    )
    values.fullname = parts.length > 0 ? parts.join(' ') : null
  }
}

function setOwner(table: Table, lookups: Record<string, LookupRef>, caller: Caller): void {
  const owner = table.columns.find((c) => c.type === 'Owner')
  if (!owner) return
  const ref = lookups[owner.name] ?? { table: 'systemuser', id: caller.systemUserId }
  lookups[owner.name] = ref
  delete lookups.owninguser
  delete lookups.owningteam
  if (hasColumn(table, 'owninguser') && ref.table === 'systemuser') lookups.owninguser = ref
  if (hasColumn(table, 'owningteam') && ref.table === 'team') lookups.owningteam = ref
  if (hasColumn(table, 'owningbusinessunit')) {
    lookups.owningbusinessunit = { table: 'businessunit', id: caller.businessUnitId }
  }
}

function mergeLookups(
  base: Readonly<Record<string, LookupRef>>,
  changes: Changes,
): Record<string, LookupRef> {
  const lookups: Record<string, LookupRef> = { ...base }
  for (const [name, ref] of Object.entries(changes.lookups)) {
    if (ref === null) delete lookups[name]
    else lookups[name] = ref
  }
  return lookups
}

/** Creates a row; 412 0x80040237 when the primary key is taken (webapi.md §2.7). */
export function createRow(
  table: Table,
  changes: Changes,
  context: ApplyContext,
  options: { id?: string; duplicateMessage?: string } = {},
): StoredRow {
  const { store, caller } = context
  const id = (options.id ?? changes.primaryId ?? newGuid()).toLowerCase()
  // Deep insert: the related rows this one points at are created first (webapi create-entity docs).
  for (const related of changes.related ?? []) {
    const created = createRow(related.table, related.changes, context)
    changes.lookups[related.column] = { table: related.table.logicalName, id: created.id }
  }
  if (store.get(table.logicalName, id)) {
    throw new DataverseFault(
      412,
      '0x80040237',
      options.duplicateMessage ?? 'Operation failed due to a SQL integrity violation.',
    )
  }
  const values: Record<string, unknown> = { ...changes.values }
  for (const column of enforcedRequired(table)) {
    const present =
      column.type === 'Lookup' || column.type === 'Customer'
        ? changes.lookups[column.name]
        : values[column.name]
    if (present === undefined || present === null) throw faults.required(table.logicalName, column.name)
  }
  checkSalesRow(table, changes, context.store)
  delete values.statecode // not valid for create: a new row starts in the default state
  Object.assign(
    values,
    resolveState(table, id, { statecode: defaultState(table) }, { statuscode: numberOf(values.statuscode) }),
  )
  const lookups = mergeLookups({}, changes)
  setOwner(table, lookups, caller)
  const now = stamp(context.clock())
  const version = store.nextVersion()
  for (const [name, value] of [
    ['createdon', now],
    ['modifiedon', now],
    ['versionnumber', version],
  ] as const) {
    if (hasColumn(table, name)) values[name] = value
  }
  // webapi.md §7.1: overriddencreatedon becomes createdon; the load time is kept in overriddencreatedon.
  if (typeof values.overriddencreatedon === 'string' && hasColumn(table, 'createdon')) {
    values.createdon = values.overriddencreatedon
    values.overriddencreatedon = now
  }
  for (const name of ['createdby', 'modifiedby']) {
    if (hasColumn(table, name)) lookups[name] = { table: 'systemuser', id: caller.systemUserId }
  }
  stampOnBehalfOf(table, lookups, caller, ['createdonbehalfby', 'modifiedonbehalfby'])
  computeNames(table, values)
  fillTypeCodes(table, values, lookups)
  const row: StoredRow = { table: table.logicalName, id, values, lookups, version }
  context.keys?.checkUnique(table, row, context.clock())
  store.put(row)
  if (changes.parties) writeParties(row, changes.parties, context)
  for (const child of changes.children ?? []) {
    child.changes.lookups[child.column] = { table: table.logicalName, id: row.id }
    createRow(child.table, child.changes, context)
  }
  return row
}

export function updateRow(
  table: Table,
  existing: StoredRow,
  changes: Changes,
  context: ApplyContext,
  options: { viaCloseIncident?: boolean } = {},
): StoredRow {
  checkIncidentWrite(existing, changes, options.viaCloseIncident === true)
  checkOpportunityWrite(existing, changes, false)
  checkQuoteWrite(existing)
  const values: Record<string, unknown> = { ...existing.values, ...changes.values }
  Object.assign(
    values,
    resolveState(
      table,
      existing.id,
      { statecode: numberOf(existing.values.statecode), statuscode: numberOf(existing.values.statuscode) },
      { statecode: numberOf(changes.values.statecode), statuscode: numberOf(changes.values.statuscode) },
    ),
  )
  const lookups = mergeLookups(existing.lookups, changes)
  if (table.columns.some((c) => c.type === 'Owner') && Object.keys(changes.lookups).includes('ownerid')) {
    setOwner(table, lookups, context.caller)
  }
  const version = context.store.nextVersion()
  if (hasColumn(table, 'modifiedon')) values.modifiedon = stamp(context.clock())
  if (hasColumn(table, 'versionnumber')) values.versionnumber = version
  if (hasColumn(table, 'modifiedby'))
    lookups.modifiedby = { table: 'systemuser', id: context.caller.systemUserId }
  stampOnBehalfOf(table, lookups, context.caller, ['modifiedonbehalfby'])
  computeNames(table, values)
  fillTypeCodes(table, values, lookups)
  const row: StoredRow = { ...existing, values, lookups, version }
  context.keys?.checkUnique(table, row, context.clock())
  context.store.put(row)
  if (changes.parties) {
    // [U] an update that carries the collection replaces the activity's parties.
    deleteParties(context.store, row.id)
    writeParties(row, changes.parties, context)
  }
  return row
}

/** Stores one activityparty row per item, each with `activityid` → the activity (webapi.md §7.5). */
function writeParties(activity: StoredRow, parties: PartyChanges, context: ApplyContext): void {
  for (const party of parties.rows) {
    const lookups = { ...party.lookups, activityid: { table: activity.table, id: activity.id } }
    createRow(parties.table, { ...party, lookups }, context)
  }
}

/** Removes the activityparty rows of an activity (an update replacing them, or a delete). */
export function deleteParties(store: Store, activityId: string): void {
  for (const party of store.list('activityparty')) {
    if (party.lookups.activityid?.id === activityId) store.delete('activityparty', party.id)
  }
}

/** Impersonated writes record the real caller in created/modifiedonbehalfby (webapi.md §7.2). */
function stampOnBehalfOf(
  table: Table,
  lookups: Record<string, LookupRef>,
  caller: Caller,
  names: string[],
): void {
  for (const name of names) {
    if (!hasColumn(table, name)) continue
    if (caller.onBehalfOf === undefined) delete lookups[name]
    else lookups[name] = { table: 'systemuser', id: caller.onBehalfOf }
  }
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined
}
