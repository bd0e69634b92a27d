import type { X2crmDataset } from './dataset.ts'
import { defaultModels } from './defaults.ts'
import type { Row } from './query.ts'

/** The simulator's database: tables in insertion order (= database order), plus tags, relationships, hooks. */

export interface ClassInfo {
  name: string
  fields: readonly Row[]
  /** Column names: filters and `_order` accept these; others are ignored (filters) or 400 (`_order`). */
  attributes: ReadonlySet<string>
  /** Columns MySQL compares as numbers. */
  numericColumns: ReadonlySet<string>
  /** date/dateTime fields: filter values may end in `now`, `yesterday`, `tomorrow`. */
  dateColumns: ReadonlySet<string>
  /** Secondary indexes that decide row order (see `ProviderSource.indexes`). */
  indexes: readonly (readonly string[])[]
  /** Module name as Actions store it in `associationType` (`Opportunity` -> `opportunities`). */
  module: string
}

export interface TagRow {
  id: number
  type: string
  itemId: number
  taggedBy: string
  tag: string
  itemName: string | null
  timestamp: number
}

export interface Store {
  classInfo(className: string): ClassInfo | undefined
  classNames(): string[]
  /** Rows of a class in database order. */
  rows(className: string): Row[]
  /**
   * Rows of a class with ids above `afterId`, ascending, generated lazily. Only a virtual store (a generated
   * instance too big to hold) has it; keyset reads and counts then scan instead of filtering every row.
   */
  scan?(className: string, afterId: number): Iterable<Row>
  /**
   * Rows of a class with ids above `afterId`, ascending, from an id index kept until the class changes: what a
   * keyset read ordered by id (`_order=+id&id=>N`) needs, without copying and sorting the class for every page (a
   * 300k-record migration spent more CPU in the simulator than in x2d365 on that).
   */
  idOrder?(className: string, afterId: number): Iterable<Row>
  get(className: string, id: number): Row | undefined
  /** Inserts or replaces by `id` (a replaced row keeps its place); assigns the next id when there is none. */
  put(className: string, row: Row): Row
  /** Allocates the next auto-increment id of a table. */
  allocateId(table: string): number
  remove(className: string, id: number): boolean
  users: Row[]
  dropdowns: Row[]
  relationships: Row[]
  tags: TagRow[]
  hooks: Row[]
}

const numericFieldTypes = new Set([
  'int',
  'float',
  'currency',
  'percentage',
  'date',
  'dateTime',
  'boolean',
  'visibility',
  'rating',
])

export function createStore(dataset: X2crmDataset, now: number): Store {
  const tables = new Map<string, Map<number, Row>>()
  const infos = new Map<string, ClassInfo>()
  const nextIds = new Map<string, number>(Object.entries(dataset.nextIds ?? {}))

  for (const className of new Set([...Object.keys(dataset.fields), ...Object.keys(dataset.records)])) {
    const table = new Map<number, Row>()
    for (const record of dataset.records[className] ?? []) table.set(idOf(record), record)
    tables.set(className, table)
    infos.set(
      className,
      describeClass(className, dataset.fields[className] ?? [], dataset.records[className] ?? []),
    )
  }

  const relationships = (dataset.relationships ?? []).map((row) => ({ ...row }))
  const tags = tagRows(dataset, (className, id) => tables.get(className)?.get(id), now)

  const bumpNextId = (table: string, id: number) => {
    if (id >= (nextIds.get(table) ?? 1)) nextIds.set(table, id + 1)
  }
  for (const [className, table] of tables) for (const id of table.keys()) bumpNextId(className, id)
  for (const row of relationships) bumpNextId('relationships', idOf(row))
  for (const row of tags) bumpNextId('tags', row.id)
  const allocateId = (table: string) => {
    const id = nextIds.get(table) ?? 1
    nextIds.set(table, id + 1)
    return id
  }

  /** Each class's ids in ascending order, built on the first keyset read after a change. */
  const sortedIds = new Map<string, number[]>()
  function* idOrder(className: string, afterId: number): Generator<Row> {
    const table = tables.get(className)
    if (!table) return
    let ids = sortedIds.get(className)
    if (ids === undefined) sortedIds.set(className, (ids = [...table.keys()].sort((a, b) => a - b)))
    let low = 0
    let high = ids.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if ((ids[middle] ?? 0) > afterId) high = middle
      else low = middle + 1
    }
    for (let i = low; i < ids.length; i++) {
      const row = table.get(ids[i] ?? 0)
      if (row !== undefined) yield row
    }
  }

  return {
    classInfo: (className) => infos.get(className),
    idOrder,
    classNames: () => [...infos.keys()],
    rows: (className) => [...(tables.get(className)?.values() ?? [])],
    get: (className, id) => tables.get(className)?.get(id),
    put(className, row) {
      let table = tables.get(className)
      if (!table) {
        table = new Map()
        tables.set(className, table)
        infos.set(className, describeClass(className, [], [row]))
      }
      const stored = row.id === undefined || row.id === null ? { ...row, id: allocateId(className) } : row
      const id = idOf(stored)
      if (!table.has(id)) sortedIds.delete(className)
      table.set(id, stored)
      bumpNextId(className, id)
      return stored
    },
    allocateId,
    remove(className, id) {
      sortedIds.delete(className)
      return tables.get(className)?.delete(id) ?? false
    },
    users: dataset.users.map((row) => ({ ...row })),
    dropdowns: (dataset.dropdowns ?? []).filter(isRow),
    relationships,
    tags,
    hooks: [],
  }
}

function isRow(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function idOf(row: Row): number {
  const id = Number(row.id)
  if (!Number.isInteger(id)) throw new Error(`record has no integer id: ${JSON.stringify(row).slice(0, 200)}`)
  return id
}

function describeClass(name: string, fields: readonly Row[], records: readonly Row[]): ClassInfo {
  const defaults = defaultModels[name]
  const attributes = new Set<string>()
  const numericColumns = new Set<string>(['id'])
  const dateColumns = new Set<string>()
  for (const field of fields) {
    if (typeof field.fieldName !== 'string') continue
    if (!truthy(field.isVirtual)) attributes.add(field.fieldName)
    if (typeof field.type === 'string' && numericFieldTypes.has(field.type))
      numericColumns.add(field.fieldName)
    if (field.type === 'date' || field.type === 'dateTime') dateColumns.add(field.fieldName)
  }
  for (const column of defaults?.extraColumns ?? []) attributes.add(column)
  if (fields.length === 0)
    for (const record of records) for (const key of Object.keys(record)) attributes.add(key)
  attributes.add('id')
  return {
    name,
    fields,
    attributes,
    numericColumns,
    dateColumns,
    indexes: orderingIndexes[name] ?? [],
    module: defaults?.module ?? lowerFirst(name),
  }
}

/**
 * Multi-column indexes of the X2CRM 7.1 schema whose order shows in unordered lists (single-column ones keep
 * id order among equal values). `x2_actions`: UNIQUE (associationType, associationId, workflowId, stageNumber).
 */
const orderingIndexes: Record<string, string[][]> = {
  Actions: [['associationType', 'associationId', 'workflowId', 'stageNumber']],
}

function truthy(flag: unknown): boolean {
  return flag === true || flag === 1 || flag === '1'
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1)
}

function tagRows(
  dataset: X2crmDataset,
  find: (className: string, id: number) => Row | undefined,
  now: number,
): TagRow[] {
  const rows: TagRow[] = []
  for (const [type, byId] of Object.entries(dataset.tags ?? {})) {
    const ids = Object.keys(byId)
      .map(Number)
      .sort((a, b) => a - b)
    for (const itemId of ids) {
      for (const tag of byId[String(itemId)] ?? []) {
        const name = find(type, itemId)?.name
        rows.push({
          id: rows.length + 1,
          type,
          itemId,
          taggedBy: 'admin',
          tag,
          itemName: typeof name === 'string' ? name : null,
          timestamp: now,
        })
      }
    }
  }
  return rows
}

/** `X2Model::$associationModels`: Actions' `associationType` (any case) -> class name. */
const associationModels: Record<string, string> = {
  contacts: 'Contacts',
  accounts: 'Accounts',
  opportunities: 'Opportunity',
  quote: 'Quote',
  quotes: 'Quote',
  product: 'Product',
  products: 'Product',
  x2leads: 'X2Leads',
  services: 'Services',
  marketing: 'Campaign',
  campaign: 'Campaign',
  users: 'User',
  anoncontact: 'AnonContact',
  calendar: 'X2Calendar',
  media: 'Media',
  actions: 'Actions',
  bugreports: 'BugReports',
  social: 'Social',
}

/** The class an association type names: a module name (`opportunities`) or a class name (`Opportunity`). */
export function associationClass(associationType: string, store: Store): string | undefined {
  const mapped = associationModels[associationType.toLowerCase()]
  if (mapped) return mapped
  return store.classInfo(associationType) ? associationType : undefined
}

/** A record's `assignedTo`: usernames or group ids, comma separated; "Anyone" or "" means nobody. */
export function assignees(row: Row): string[] {
  const value = row.assignedTo
  if (typeof value !== 'string' && typeof value !== 'number') return []
  return String(value)
    .split(/\s*,\s*/)
    .filter((name) => name !== '' && name !== 'Anyone')
}

/**
 * X2CRM leaves a private record assigned to nobody (visibility 0, assignedTo "Anyone") out of every list and
 * count, even for an administrator; `GET /{Class}/{id}.json` still returns it.
 */
export function isHiddenFromLists(row: Row): boolean {
  return 'visibility' in row && Number(row.visibility) === 0 && assignees(row).length === 0
}
