import { DataverseFault, faults } from '../errors.ts'
import { toEntity, type RepresentationOptions } from '../representation.ts'
import type { Store, StoredRow } from '../store.ts'
import type { Catalog, NavProperty, Table } from '../tables.ts'
import { collectionNav, type CollectionNav } from '../relationships.ts'
import { isCollectionNav } from '../write/parties.ts'
import { evaluateFilter, type FilterExpression } from './filter.ts'
import { parseCollectionQuery, parseSelect, sortRows, type CollectionQuery } from './query.ts'

/** One `$expand` item: a navigation property and what to return of its row(s). */
export type Expansion =
  | { kind: 'single'; nav: string; property: NavProperty; select?: string[] }
  | {
      kind: 'collection'
      nav: string
      relation: CollectionNav
      select?: string[]
      filter?: FilterExpression
      orderBy: CollectionQuery['orderBy']
      top?: number
    }

/**
 * `$expand=primarycontactid($select=fullname),contact_customer_accounts($select=fullname;$filter=…;$orderby=…;$top=5)`.
 * A single-valued navigation property expands to the related row or null (nested `$select` only);
 * a collection-valued one to the array of rows pointing back, with nested `$select`, `$filter`,
 * `$orderby` and `$top`.
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/join-tables
 * An unknown navigation property is the OData query layer's "Could not find a property named …"
 * (400 0x80060888), as for $select [C].
 */
export function parseExpand(table: Table, catalog: Catalog, params: URLSearchParams): Expansion[] {
  const raw = params.get('$expand')
  if (raw === null) return []
  const expansions: Expansion[] = []
  for (const item of splitTopLevel(raw)) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?$/s.exec(item.trim())
    if (!match) throw faults.querySyntax(`Syntax error in $expand: '${item}'.`)
    const [, nav = '', options] = match
    const property = table.navs.get(nav)
    if (property) {
      expansions.push({ kind: 'single', nav, property, ...selectOf(property, catalog, options) })
      continue
    }
    const relation = collectionRelation(table, catalog, nav)
    if (!relation) throw faults.queryProperty(table.logicalName, nav)
    const query = parseCollectionQuery(
      relation.child,
      nestedParams(options, ['$select', '$filter', '$orderby', '$top']),
    )
    expansions.push({
      kind: 'collection',
      nav,
      relation,
      ...(query.select ? { select: query.select } : {}),
      ...(query.filter ? { filter: query.filter } : {}),
      orderBy: query.orderBy,
      ...(query.top === undefined ? {} : { top: query.top }),
    })
  }
  return expansions
}

/** A collection-valued navigation property: a standard one-to-many, or an activity's parties. */
function collectionRelation(table: Table, catalog: Catalog, nav: string): CollectionNav | undefined {
  const relation = collectionNav(catalog, table, nav)
  if (relation) return relation
  const parties = catalog.byName('activityparty')
  const activityid = parties?.columnsByName.get('activityid')
  if (isCollectionNav(table, catalog, nav) && parties && activityid) {
    return { name: nav, child: parties, column: activityid }
  }
  return undefined
}

/** `$select=a,b;$filter=…` inside `nav(…)` as query parameters; options not in `allowed` are refused. */
function nestedParams(options: string | undefined, allowed: readonly string[]): URLSearchParams {
  const params = new URLSearchParams()
  if (options === undefined || options.trim() === '') return params
  for (const option of options.split(';')) {
    const [name = '', value = ''] = option.split(/=(.*)/s, 2)
    if (!allowed.includes(name.trim())) {
      throw new DataverseFault(
        400,
        '0x80060888',
        `The query option '${name.trim()}' inside $expand is not supported by the simulator.`,
      )
    }
    params.set(name.trim(), value)
  }
  return params
}

/** The `$select` of `nav($select=a,b)`; any other nested option is refused explicitly. */
function selectOf(
  property: NavProperty,
  catalog: Catalog,
  options: string | undefined,
): { select?: string[] } {
  const params = nestedParams(options, ['$select'])
  let select: string[] | undefined
  for (const target of property.targets) {
    const related = catalog.byName(target)
    if (related) select = parseSelect(related, params)
  }
  return select ? { select } : {}
}

/** Adds each expansion to `entity`: the related row (or null), or the array of related rows. */
export function expandEntity(
  entity: Record<string, unknown>,
  row: StoredRow,
  expansions: readonly Expansion[],
  context: { catalog: Catalog; store: Store } & Pick<RepresentationOptions, 'annotations' | 'format'>,
): Record<string, unknown> {
  const shape = { annotations: context.annotations, format: context.format }
  for (const expansion of expansions) {
    if (expansion.kind === 'collection') {
      const { child, column } = expansion.relation
      let related = context.store
        .list(child.logicalName)
        .filter((r) => r.lookups[column.name]?.id === row.id && r.lookups[column.name]?.table === row.table)
        .map((r) => toEntity(child, r, shape))
      const filter = expansion.filter
      if (filter) related = related.filter((r) => evaluateFilter(filter, r))
      related = sortRows(related, expansion.orderBy)
      if (expansion.top !== undefined) related = related.slice(0, expansion.top)
      const select = expansion.select
      entity[expansion.nav] = select ? related.map((r) => keepSelected(r, child, select)) : related
      continue
    }
    const { nav, property, select } = expansion
    const ref = row.lookups[property.column.name]
    const related =
      ref && property.targets.includes(ref.table) ? context.store.get(ref.table, ref.id) : undefined
    const relatedTable = related && context.catalog.byName(related.table)
    entity[nav] = related && relatedTable ? toEntity(relatedTable, related, { select, ...shape }) : null
  }
  return entity
}

/** Only the selected properties (with their annotations), the primary key and the etag. */
function keepSelected(
  entity: Record<string, unknown>,
  table: Table,
  select: readonly string[],
): Record<string, unknown> {
  const keep = new Set([...select, table.primaryId, '@odata.etag'])
  return Object.fromEntries(Object.entries(entity).filter(([key]) => keep.has(key.split('@')[0] || key)))
}

/** The `@odata.context` columns: `name,primarycontactid(fullname)`. */
export function contextColumns(
  select: readonly string[] | undefined,
  expansions: readonly Expansion[],
): string[] | undefined {
  if (expansions.length === 0) return select ? [...select] : undefined
  return [...(select ?? []), ...expansions.map((e) => `${e.nav}(${(e.select ?? []).join(',')})`)]
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const char = text[i]
    if (char === '(') depth++
    else if (char === ')') depth--
    else if (char === ',' && depth === 0) {
      parts.push(text.slice(start, i))
      start = i + 1
    }
  }
  parts.push(text.slice(start))
  return parts.filter((part) => part.trim() !== '')
}
