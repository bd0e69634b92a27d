import {
  pageOf,
  parseCondition,
  parseOrder,
  parsePaging,
  readCompareOptions,
  replaceDateCodes,
  satisfies,
  sortRows,
  type Condition,
  type QueryParams,
  type Row,
} from './query.ts'
import { ApiReply } from './responses.ts'

/** `Api2Controller::getDataProvider`: attribute filters, `_order`, `_limit`/`_page` over rows in database order. */

export interface ProviderSource {
  /** Candidate rows in database order, already narrowed by access and tag criteria. */
  rows: readonly Row[]
  /** Class name for the 400 on an unknown `_order` column. */
  className: string
  attributes: ReadonlySet<string>
  numericColumns?: ReadonlySet<string>
  dateColumns?: ReadonlySet<string>
  /** More criteria, ANDed (e.g. the record a relationship list belongs to). */
  extra?: (row: Row) => boolean
  /**
   * Secondary indexes (column lists). With no `_order`, an equality filter on an index's first column makes
   * MariaDB read through that index, so rows come in index order instead of id order.
   */
  indexes?: readonly (readonly string[])[]
  /** Rewrites a filter value before comparing (the Actions `associationType` kludge). */
  rewrite?: (column: string, value: string | string[]) => string | string[]
}

export interface ProviderSettings {
  now: number
  maxPageSize: number
}

export interface Provided {
  /** The requested page */
  page: Row[]
  /** `getTotalItemCount()`: all matching rows */
  total: number
}

export function provide(params: QueryParams, source: ProviderSource, settings: ProviderSettings): Provided {
  const options = readCompareOptions(params)
  const conditions: Condition[] = []
  for (const [column, raw] of Object.entries(params)) {
    if (!source.attributes.has(column)) continue
    let value = source.dateColumns?.has(column) ? replaceDateCodes(raw, settings.now) : raw
    if (source.rewrite) value = source.rewrite(column, value)
    const condition = parseCondition(column, value, options)
    if (condition) conditions.push(condition)
  }
  const test = (row: Row, condition: Condition) =>
    satisfies(row[condition.column], condition, source.numericColumns?.has(condition.column) ?? false)
  const matching = source.rows.filter(
    (row) =>
      (source.extra?.(row) ?? true) &&
      (conditions.length === 0 ||
        (options.or ? conditions.some((c) => test(row, c)) : conditions.every((c) => test(row, c)))),
  )
  const order = parseOrder(params._order)
  if (order && !source.attributes.has(order.column)) {
    throw new ApiReply(
      400,
      `Specified attribute to order results by (${order.column}) does not exist in active record class "${source.className}".`,
    )
  }
  const index = options.or
    ? undefined
    : source.indexes?.find((columns) => conditions.some((c) => c.operator === '=' && c.column === columns[0]))
  const sorted = order ? sortRows(matching, order) : index ? sortByIndex(matching, index) : matching
  return { page: pageOf(sorted, parsePaging(params, settings.maxPageSize)), total: sorted.length }
}

function sortByIndex(rows: readonly Row[], columns: readonly string[]): Row[] {
  return [...columns, 'id'].reduceRight<Row[]>(
    (sorted, column) => sortRows(sorted, { column, descending: false }),
    [...rows],
  )
}

/** Attributes of rows without field definitions (users, relationships, dropdowns): their keys. */
export function attributesOfRows(rows: readonly Row[], fallback: readonly string[]): Set<string> {
  const attributes = new Set(fallback)
  for (const row of rows) for (const key of Object.keys(row)) attributes.add(key)
  return attributes
}
