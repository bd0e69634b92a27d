/**
 * How API v2 turns query parameters into a list query (`Api2Controller::getDataProvider`, Yii
 * `CDbCriteria::compare` and `CPagination`), as pure functions over rows held in memory.
 */

export type Row = Readonly<Record<string, unknown>>

/** GET parameters as PHP reads them: `a[]=1&a[]=2` is an array, otherwise the last value wins. */
export type QueryParams = Record<string, string | string[]>

export function readQueryParams(search: URLSearchParams): QueryParams {
  const params: QueryParams = {}
  for (const [key, value] of search) {
    if (key.endsWith('[]')) {
      const name = key.slice(0, -2)
      const previous = params[name]
      params[name] = Array.isArray(previous) ? [...previous, value] : [value]
    } else {
      params[key] = value
    }
  }
  return params
}

export type Operator = '=' | '<>' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'NOT LIKE' | 'IN'

export interface Condition {
  column: string
  operator: Operator
  /** For LIKE: the SQL pattern with `%`/`_` wildcards. For IN: the list. */
  value: string | readonly string[]
}

export interface CompareOptions {
  /** `_partial=1`: a plain value becomes `LIKE %value%`, `<>value` becomes `NOT LIKE`. */
  partial: boolean
  /** `_escape=0` lets the caller's own `%`/`_` through (and then no `%` is added around the value). */
  escape: boolean
}

/**
 * `CDbCriteria::compare`: an operator prefix (`<>`, `<=`, `>=`, `<`, `>`, `=`) and the rest of the value.
 * Returns `undefined` when Yii adds no condition (empty value or empty list).
 */
export function parseCondition(
  column: string,
  raw: string | readonly string[],
  options: CompareOptions,
): Condition | undefined {
  if (typeof raw !== 'string') return raw.length === 0 ? undefined : { column, operator: 'IN', value: raw }
  const match = /^(?:\s*(<>|<=|>=|<|>|=))?(.*)$/s.exec(raw)
  const prefix = (match?.[1] ?? '') as Operator | ''
  const value = match?.[2] ?? ''
  if (value === '') return undefined
  if (options.partial && (prefix === '' || prefix === '<>')) {
    const pattern = options.escape ? `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : value
    return { column, operator: prefix === '' ? 'LIKE' : 'NOT LIKE', value: pattern }
  }
  return { column, operator: prefix === '' ? '=' : prefix, value }
}

/** Whether a stored value satisfies a condition, the way MySQL with a `_ci` collation decides it. */
export function satisfies(stored: unknown, condition: Condition, numeric: boolean): boolean {
  if (stored === null || stored === undefined) return false
  const { operator, value } = condition
  if (operator === 'IN')
    return (value as readonly string[]).some((item) => compareSql(stored, item, numeric) === 0)
  if (operator === 'LIKE' || operator === 'NOT LIKE') {
    const matches = likeToRegExp(value as string).test(sqlText(stored))
    return operator === 'LIKE' ? matches : !matches
  }
  const order = compareSql(stored, value as string, numeric)
  switch (operator) {
    case '=':
      return order === 0
    case '<>':
      return order !== 0
    case '<':
      return order < 0
    case '<=':
      return order <= 0
    case '>':
      return order > 0
    case '>=':
      return order >= 0
  }
}

/** MySQL compares a number column with a string parameter numerically, text case-insensitively. */
function compareSql(stored: unknown, parameter: string, numeric: boolean): number {
  if (numeric || typeof stored === 'number' || typeof stored === 'boolean') {
    return Math.sign(sqlNumber(stored) - sqlNumber(parameter))
  }
  return compareText(sqlText(stored), parameter)
}

function compareText(left: string, right: string): number {
  const a = left.toLowerCase().trimEnd()
  const b = right.toLowerCase().trimEnd()
  return a < b ? -1 : a > b ? 1 : 0
}

/** MySQL's string-to-number cast: the leading numeric part, else 0. */
export function sqlNumber(value: unknown): number {
  if (typeof value === 'number') return value
  if (typeof value === 'boolean') return value ? 1 : 0
  const match = /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?/i.exec(sqlText(value))
  return match ? Number(match[0]) : 0
}

function sqlText(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean')
    return String(value === true ? 1 : value === false ? 0 : value)
  return JSON.stringify(value)
}

export function likeToRegExp(pattern: string): RegExp {
  let source = ''
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern.charAt(i)
    if (char === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern.charAt(++i))
    else if (char === '%') source += '.*'
    else if (char === '_') source += '.'
    else source += escapeRegExp(char)
  }
  return new RegExp(`^${source}$`, 'is')
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

export interface Order {
  column: string
  descending: boolean
}

/**
 * `_order`: `col`, `+col`, ` col` (a raw `+` decoded to a space) or `-col`. Anything else is ignored, as the
 * server's pattern does not match it. Whether the column exists is the caller's check (400).
 */
export function parseOrder(raw: string | string[] | undefined): Order | undefined {
  if (typeof raw !== 'string') return undefined
  const match = /^([+\-\s])?([^+\-\s]+)$/.exec(raw)
  if (!match?.[2]) return undefined
  return { column: match[2], descending: match[1] === '-' }
}

/** Stable sort like MySQL: NULL first ascending, last descending; numbers numerically, text case-insensitively. */
export function sortRows(rows: readonly Row[], order: Order): Row[] {
  const direction = order.descending ? -1 : 1
  return [...rows].sort((left, right) => direction * compareForSort(left[order.column], right[order.column]))
}

function compareForSort(left: unknown, right: unknown): number {
  const leftNull = left === null || left === undefined
  const rightNull = right === null || right === undefined
  if (leftNull || rightNull) return leftNull === rightNull ? 0 : leftNull ? -1 : 1
  if (typeof left === 'number' && typeof right === 'number') return Math.sign(left - right)
  return compareText(sqlText(left), sqlText(right))
}

export const DEFAULT_MAX_PAGE_SIZE = 1000
/** Yii's `CPagination::DEFAULT_PAGE_SIZE`, used when `_limit=0`. */
const YII_DEFAULT_PAGE_SIZE = 10

export interface Paging {
  pageSize: number
  page: number
}

/** `_limit` and `_page` are used only when all digits; `_limit` is capped at `maxPageSize`. */
export function parsePaging(params: QueryParams, maxPageSize: number): Paging {
  const limit = params._limit
  const page = params._page
  const requested =
    typeof limit === 'string' && /^\d+$/.test(limit) ? Math.min(Number(limit), maxPageSize) : maxPageSize
  return {
    pageSize: requested <= 0 ? YII_DEFAULT_PAGE_SIZE : requested,
    page: typeof page === 'string' && /^\d+$/.test(page) ? Number(page) : 0,
  }
}

/** `CPagination`: zero-based pages, and a page past the end is clamped to the last page (never `[]`). */
export function pageOf<T>(rows: readonly T[], paging: Paging): T[] {
  const pageCount = Math.ceil(rows.length / paging.pageSize)
  const page = Math.max(0, Math.min(paging.page, pageCount - 1))
  return rows.slice(page * paging.pageSize, (page + 1) * paging.pageSize)
}

/**
 * Date codes in filters on date/dateTime fields: a value ending in `now`, `yesterday` or `tomorrow` gets that
 * unix time instead (`>yesterday` -> `>{now - 86400}`).
 */
export function replaceDateCodes(value: string | string[], now: number): string | string[] {
  const replace = (text: string) =>
    text
      .replace(/now$/, String(now))
      .replace(/yesterday$/, String(now - 86400))
      .replace(/tomorrow$/, String(now + 86400))
  return typeof value === 'string' ? replace(value) : value.map(replace)
}

/** The search options of the query string. */
export function readCompareOptions(params: QueryParams): CompareOptions & { or: boolean } {
  const flag = (name: string, fallback: boolean) => {
    const value = params[name]
    return typeof value === 'string' ? phpInt(value) !== 0 : fallback
  }
  return { partial: flag('_partial', false), escape: flag('_escape', true), or: flag('_or', false) }
}

/** PHP `(integer) "12abc"` is 12, `(integer) "abc"` is 0. */
function phpInt(value: string): number {
  const match = /^\s*[-+]?\d+/.exec(value)
  return match ? Number(match[0]) : 0
}
