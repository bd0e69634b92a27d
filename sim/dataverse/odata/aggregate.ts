import { DataverseFault, faults } from '../errors.ts'
import { formattedValue, formattedValueTerm, type FormatContext } from '../formatted-values.ts'
import { propertyName, readableProperties } from '../representation.ts'
import type { StoredRow } from '../store.ts'
import type { ColumnJson, Table } from '../tables.ts'
import {
  compareValues,
  evaluateFilter,
  filterProperties,
  parseFilter,
  type FilterExpression,
} from './filter.ts'
import type { AnnotationFilter } from './prefer.ts'

type Method = 'sum' | 'average' | 'min' | 'max' | 'countdistinct'

/** One `aggregate(…)` item: `$count as n` or `revenue with sum as total`. */
export type Aggregate = { alias: string } & (
  { kind: 'count' } | { kind: 'column'; property: string; method: Method }
)

export type Transformation =
  | { type: 'filter'; filter: FilterExpression }
  | { type: 'groupby'; properties: string[]; aggregates: Aggregate[] }
  | { type: 'aggregate'; aggregates: Aggregate[] }

/** Dataverse aggregates at most 50,000 rows (AggregateQueryRecordLimit). */
export const aggregateRowLimit = 50_000

const unsupported = (what: string) =>
  new DataverseFault(400, '0x80060888', `${what} in $apply is not supported by the simulator.`)

/**
 * `$apply`: `filter(…)`, `groupby((a,b))`, `groupby((a),aggregate(…))` and `aggregate(…)`, joined
 * with `/`; aggregate methods `$count`, `sum`, `average`, `min`, `max`, `countdistinct`.
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/aggregate-data
 * Grouping by a related table's column (`primarycontactid/fullname`) is not simulated: 400, said so.
 */
export function parseApply(table: Table, text: string): Transformation[] {
  const readable = readableProperties(table)
  const check = (name: string) => {
    if (name.includes('/')) throw unsupported(`Grouping or aggregating by a related column ('${name}')`)
    if (!readable.has(name)) throw faults.queryProperty(table.logicalName, name)
  }
  return splitOutside(text, '/').map((step) => {
    const match = /^(filter|groupby|aggregate)\((.*)\)$/s.exec(step.trim())
    if (!match) throw unsupported(`The transformation '${step.trim()}'`)
    const [, kind = '', inner = ''] = match
    if (kind === 'filter') {
      const filter = parseFilter(inner)
      filterProperties(filter).forEach(check)
      return { type: 'filter', filter }
    }
    if (kind === 'aggregate') return { type: 'aggregate', aggregates: parseAggregates(inner, check) }
    const [group = '', rest] = splitOutside(inner, ',', 2)
    const properties = /^\((.*)\)$/s
      .exec(group.trim())?.[1]
      ?.split(',')
      .map((p) => p.trim())
    if (!properties) throw faults.querySyntax(`Syntax error in groupby: '${inner}'.`)
    properties.forEach(check)
    const aggregate = rest === undefined ? undefined : /^aggregate\((.*)\)$/s.exec(rest.trim())?.[1]
    if (rest !== undefined && aggregate === undefined) throw unsupported(`'${rest.trim()}' inside groupby`)
    return { type: 'groupby', properties, aggregates: aggregate ? parseAggregates(aggregate, check) : [] }
  })
}

function parseAggregates(text: string, check: (name: string) => void): Aggregate[] {
  return splitOutside(text, ',').map((item) => {
    const count = /^\$count\s+as\s+(\w+)$/.exec(item.trim())
    if (count) return { kind: 'count', alias: count[1] ?? 'count' }
    const column = /^([\w/]+)\s+with\s+(\w+)\s+as\s+(\w+)$/.exec(item.trim())
    if (!column) throw faults.querySyntax(`Syntax error in aggregate: '${item.trim()}'.`)
    const [, property = '', method = '', alias = ''] = column
    if (!['sum', 'average', 'min', 'max', 'countdistinct'].includes(method))
      throw unsupported(`The method '${method}'`)
    check(property)
    return { kind: 'column', property, method: method as Method, alias }
  })
}

/** Runs the transformations over the table's rows; the result rows carry only grouped and aggregated values. */
export function runApply(
  table: Table,
  rows: readonly StoredRow[],
  entities: readonly Record<string, unknown>[],
  transformations: readonly Transformation[],
  options: { annotations?: AnnotationFilter; format: FormatContext },
): Record<string, unknown>[] {
  let current = rows.map((row, i) => ({ row, entity: entities[i] ?? {} }))
  for (const step of transformations) {
    if (step.type === 'filter') {
      current = current.filter(({ entity }) => evaluateFilter(step.filter, entity))
      continue
    }
    if (current.length > aggregateRowLimit) {
      // [C] AggregateQueryRecordLimit
      throw new DataverseFault(
        400,
        '0x8004e023',
        'AggregateQueryRecordLimit exceeded. Cannot perform this operation.',
      )
    }
    const groups = new Map<string, typeof current>()
    const properties = step.type === 'groupby' ? step.properties : []
    for (const item of current) {
      const key = JSON.stringify(properties.map((p) => item.entity[p] ?? null))
      groups.set(key, [...(groups.get(key) ?? []), item])
    }
    if (groups.size === 0 && step.type === 'aggregate') groups.set('[]', [])
    const formats = options.annotations?.(formattedValueTerm) ? options.format : undefined
    return [...groups.values()].map((members) => {
      const out: Record<string, unknown> = {}
      const first = members[0]
      for (const property of properties) {
        const value = first?.entity[property] ?? null
        if (value === null) continue // a group on an empty value leaves the property out
        const formatted = first && formats && formatOf(table, property, first.row, formats)
        if (formatted !== undefined && formatted !== '') out[`${property}@${formattedValueTerm}`] = formatted
        out[property] = value
      }
      for (const aggregate of step.aggregates) {
        const value = aggregateOf(
          aggregate,
          members.map((m) => m.entity),
        )
        const formatted = formats && formatAggregate(table, aggregate, value, first?.row, formats)
        if (formatted !== undefined && formatted !== '')
          out[`${aggregate.alias}@${formattedValueTerm}`] = formatted
        out[aggregate.alias] = value
      }
      return out
    })
  }
  return current.map(({ entity }) => entity)
}

function aggregateOf(aggregate: Aggregate, entities: readonly Record<string, unknown>[]): unknown {
  if (aggregate.kind === 'count') return entities.length
  const values = entities.map((e) => e[aggregate.property]).filter((v) => v !== null && v !== undefined)
  switch (aggregate.method) {
    case 'countdistinct':
      return new Set(values.map((v) => JSON.stringify(v))).size
    case 'sum':
      return values.reduce((sum: number, v) => sum + (typeof v === 'number' ? v : 0), 0)
    case 'average': {
      const numbers = values.filter((v): v is number => typeof v === 'number')
      return numbers.length === 0 ? null : numbers.reduce((a, b) => a + b, 0) / numbers.length
    }
    case 'min':
    case 'max': {
      let best: unknown = null
      for (const v of values) {
        const order = best === null ? 1 : (compareValues(v, best) ?? 0)
        if (best === null || (aggregate.method === 'min' ? order < 0 : order > 0)) best = v
      }
      return best
    }
  }
}

function columnOf(table: Table, property: string): ColumnJson | undefined {
  return table.columns.find((c) => propertyName(c) === property)
}

function formatOf(table: Table, property: string, row: StoredRow, format: FormatContext): string | undefined {
  const column = columnOf(table, property)
  return column && column.name !== table.primaryId ? formattedValue(column, row, format) : undefined
}

/** An aggregate's formatted value: a count as a number, sums and averages like the column they add up. */
function formatAggregate(
  table: Table,
  aggregate: Aggregate,
  value: unknown,
  row: StoredRow | undefined,
  format: FormatContext,
): string | undefined {
  if (typeof value === 'number' && (aggregate.kind === 'count' || aggregate.method === 'countdistinct'))
    return value.toLocaleString('en-US')
  if (aggregate.kind === 'count' || value === null) return undefined
  const column = columnOf(table, aggregate.property)
  if (!column) return undefined
  const valued: StoredRow = {
    table: table.logicalName,
    id: '',
    values: { [column.name]: value },
    lookups: row?.lookups.transactioncurrencyid
      ? { transactioncurrencyid: row.lookups.transactioncurrencyid }
      : {},
    version: 0,
  }
  return formattedValue(column, valued, format)
}

/** Splits on `separator` outside parentheses and quotes (`limit` pieces at most, the last keeps the rest). */
function splitOutside(text: string, separator: string, limit = Infinity): string[] {
  const parts: string[] = []
  let depth = 0
  let quoted = false
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const char = text[i]
    if (char === "'") quoted = !quoted
    else if (!quoted && char === '(') depth++
    else if (!quoted && char === ')') depth--
    else if (!quoted && depth === 0 && char === separator && parts.length < limit - 1) {
      parts.push(text.slice(start, i))
      start = i + 1
    }
  }
  parts.push(text.slice(start))
  return parts.filter((p) => p.trim() !== '')
}
