import { DataverseFault, faults } from '../errors.ts'
import { toEntity, type RepresentationOptions } from '../representation.ts'
import type { Store, StoredRow } from '../store.ts'
import type { Catalog, NavProperty, Table } from '../tables.ts'
import { isCollectionNav } from '../write/parties.ts'
import { parseSelect } from './query.ts'

/** One `$expand` item: a single-valued navigation property and the columns to return of its row. */
export interface Expansion {
  nav: string
  property: NavProperty
  select?: string[]
}

/**
 * `$expand=primarycontactid($select=fullname),parentcustomerid_account` (webapi.md §2.8).
 * Single-valued navigation properties only; each expands to the related row or null.
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/join-tables
 * An unknown navigation property is the OData query layer's "Could not find a property named …"
 * (400 0x80060888), as for $select [C]. Collection-valued properties (`email_activity_parties`)
 * exist in Dataverse but the simulator does not expand them: 400, said so.
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
    if (!property) {
      if (isCollectionNav(table, catalog, nav)) {
        throw new DataverseFault(
          400,
          '0x80060888',
          `Expanding the collection-valued navigation property '${nav}' is not supported by the simulator; query the related table with $filter instead.`,
        )
      }
      throw faults.queryProperty(table.logicalName, nav)
    }
    expansions.push({ nav, property, ...selectOf(property, catalog, options) })
  }
  return expansions
}

/** The `$select` of `nav($select=a,b)`; any other nested option is refused explicitly. */
function selectOf(
  property: NavProperty,
  catalog: Catalog,
  options: string | undefined,
): { select?: string[] } {
  if (options === undefined || options.trim() === '') return {}
  const params = new URLSearchParams()
  for (const option of options.split(';')) {
    const [name = '', value = ''] = option.split(/=(.*)/s, 2)
    if (name.trim() !== '$select') {
      throw new DataverseFault(
        400,
        '0x80060888',
        `The query option '${name.trim()}' inside $expand is not supported by the simulator.`,
      )
    }
    params.set('$select', value)
  }
  let select: string[] | undefined
  for (const target of property.targets) {
    const related = catalog.byName(target)
    if (related) select = parseSelect(related, params)
  }
  return select ? { select } : {}
}

/** Adds each expansion to `entity`: the related row as the Web API returns it, or null. */
export function expandEntity(
  entity: Record<string, unknown>,
  row: StoredRow,
  expansions: readonly Expansion[],
  context: { catalog: Catalog; store: Store } & Pick<RepresentationOptions, 'annotations' | 'format'>,
): Record<string, unknown> {
  for (const { nav, property, select } of expansions) {
    const ref = row.lookups[property.column.name]
    const related =
      ref && property.targets.includes(ref.table) ? context.store.get(ref.table, ref.id) : undefined
    const relatedTable = related && context.catalog.byName(related.table)
    entity[nav] =
      related && relatedTable
        ? toEntity(relatedTable, related, {
            select,
            annotations: context.annotations,
            format: context.format,
          })
        : null
  }
  return entity
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
