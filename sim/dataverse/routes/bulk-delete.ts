import type { SimRequest } from '../../serve.ts'
import { DataverseFault, faults, payloadFault, textOf } from '../errors.ts'
import type { StoredRow } from '../store.ts'
import { lookupTypes, type TableJson, type Table } from '../tables.ts'
import { createRow, updateRow } from '../write/apply.ts'
import { deleteWithCascade } from '../write/cascade.ts'
import { jsonResponse, type ApiContext } from './context.ts'
import { readJson } from './entity.ts'

/**
 * System jobs. `asyncoperation` statecode/statuscode: Ready/Waiting For Resources (0/0), Locked/In
 * Progress (2/20), Completed/Succeeded (3/30) or Failed (3/31); operationtype 13 is Bulk Delete.
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/reference/entities/asyncoperation
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/reference/entities/bulkdeleteoperation
 */
export const asyncOperationTable: TableJson = {
  entitySet: 'asyncoperations',
  primaryId: 'asyncoperationid',
  primaryName: 'name',
  ownershipType: 'UserOwned',
  columns: [
    { name: 'asyncoperationid', type: 'Uniqueidentifier', primaryId: true, required: 'SystemRequired' },
    { name: 'name', type: 'String', maxLength: 256, primaryName: true, readOnly: true },
    {
      name: 'operationtype',
      type: 'Picklist',
      readOnly: true,
      options: [{ value: 13, label: 'Bulk Delete' }],
    },
    {
      name: 'statecode',
      type: 'State',
      required: 'SystemRequired',
      options: [
        { value: 0, label: 'Ready' },
        { value: 1, label: 'Suspended' },
        { value: 2, label: 'Locked' },
        { value: 3, label: 'Completed' },
      ],
    },
    {
      name: 'statuscode',
      type: 'Status',
      options: [
        { value: 0, label: 'Waiting For Resources', state: 0 },
        { value: 10, label: 'Waiting', state: 1 },
        { value: 20, label: 'In Progress', state: 2 },
        { value: 30, label: 'Succeeded', state: 3 },
        { value: 31, label: 'Failed', state: 3 },
        { value: 32, label: 'Canceled', state: 3 },
      ],
    },
    { name: 'postponeuntil', type: 'DateTime', readOnly: true },
    { name: 'startedon', type: 'DateTime', readOnly: true },
    { name: 'completedon', type: 'DateTime', readOnly: true },
    { name: 'message', type: 'Memo', maxLength: 1_048_576, readOnly: true },
    { name: 'friendlymessage', type: 'Memo', maxLength: 1_048_576, readOnly: true },
    { name: 'createdon', type: 'DateTime', readOnly: true },
    { name: 'modifiedon', type: 'DateTime', readOnly: true },
    { name: 'versionnumber', type: 'BigInt', readOnly: true },
  ],
}

export const bulkDeleteOperationTable: TableJson = {
  entitySet: 'bulkdeleteoperations',
  primaryId: 'bulkdeleteoperationid',
  primaryName: 'name',
  ownershipType: 'UserOwned',
  columns: [
    { name: 'bulkdeleteoperationid', type: 'Uniqueidentifier', primaryId: true, required: 'SystemRequired' },
    { name: 'name', type: 'String', maxLength: 256, primaryName: true, readOnly: true },
    {
      name: 'asyncoperationid',
      type: 'Lookup',
      readOnly: true,
      target: ['asyncoperation'],
      nav: { asyncoperation: 'asyncoperationid' },
    },
    { name: 'successcount', type: 'Integer', readOnly: true },
    { name: 'failurecount', type: 'Integer', readOnly: true },
    { name: 'createdon', type: 'DateTime', readOnly: true },
    { name: 'modifiedon', type: 'DateTime', readOnly: true },
    { name: 'versionnumber', type: 'BigInt', readOnly: true },
  ],
}

/**
 * [U] named assumptions of the job timing (the docs say only that the job runs asynchronously):
 * a job waits `bulkDeleteQueueSeconds` for resources after its StartDateTime, then deletes
 * `bulkDeleteRowsPerSecond` rows a second; all on the simulator clock.
 */
export const bulkDeleteQueueSeconds = 5
export const bulkDeleteRowsPerSecond = 1000

/** A QueryExpression's criteria: conditions and nested filters joined by And or Or. */
interface Criteria {
  FilterOperator?: 'And' | 'Or'
  Conditions?: { AttributeName?: string; Operator?: string; Values?: unknown[] }[]
  Filters?: Criteria[]
}

interface PendingJob {
  jobId: string
  operationId: string
  queries: { table: Table; matches: (row: StoredRow) => boolean }[]
  startAt: number
}

export type BulkDeleteJobs = PendingJob[]

/**
 * POST BulkDelete: validates the QuerySet and answers the job id at once; the rows are deleted
 * when the job completes on the simulator clock (`advanceBulkDeleteJobs`, called on every request).
 * Only one-off jobs: a RecurrencePattern is refused, said so.
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/delete-data-bulk
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/reference/bulkdelete
 */
export async function bulkDelete(
  context: ApiContext,
  request: SimRequest,
  jobs: BulkDeleteJobs,
): Promise<Response> {
  if (request.method !== 'POST') throw faults.methodNotAllowed(request.method)
  context.count('BulkDelete')
  const operationTable = context.catalog.byName('asyncoperation')
  const bulkTable = context.catalog.byName('bulkdeleteoperation')
  if (!operationTable || !bulkTable) throw faults.segmentNotFound('BulkDelete')
  const body = (await readJson(request, operationTable)) as Record<string, unknown>
  const required = (name: string) => {
    if (body[name] === undefined || body[name] === null)
      throw payloadFault('BulkDelete', `The parameter '${name}' is required.`)
    return body[name]
  }
  const jobName = required('JobName')
  const querySet = required('QuerySet')
  for (const name of [
    'SendEmailNotification',
    'ToRecipients',
    'CCRecipients',
    'RecurrencePattern',
    'StartDateTime',
  ])
    required(name)
  if (typeof jobName !== 'string' || !Array.isArray(querySet) || querySet.length === 0)
    throw payloadFault(
      'BulkDelete',
      "'JobName' must be text and 'QuerySet' a non-empty array of QueryExpression.",
    )
  if (textOf(body.RecurrencePattern) !== '' && body.RecurrencePattern !== '""') {
    throw new DataverseFault(
      400,
      '0x80040203',
      'Recurring bulk delete jobs are not simulated: send RecurrencePattern "".',
    )
  }
  const queries = (querySet as unknown[]).map((query) => readQuery(context, query))
  const start = Date.parse(textOf(body.StartDateTime))
  if (Number.isNaN(start))
    throw payloadFault('BulkDelete', `'StartDateTime' is not a date: ${textOf(body.StartDateTime)}.`)
  const operation = createRow(
    operationTable,
    { values: { name: jobName, operationtype: 13, statuscode: 0 }, lookups: {} },
    { ...context, caller: context.caller },
  )
  createRow(
    bulkTable,
    {
      values: { name: jobName, successcount: 0, failurecount: 0 },
      lookups: { asyncoperationid: { table: 'asyncoperation', id: operation.id } },
    },
    context,
  )
  jobs.push({
    jobId: operation.id,
    operationId: operation.id,
    queries,
    startAt: Math.max(start, context.clock()) + bulkDeleteQueueSeconds * 1000,
  })
  return jsonResponse(200, {
    '@odata.context': `${context.apiUrl}$metadata#Microsoft.Dynamics.CRM.BulkDeleteResponse`,
    JobId: operation.id,
  })
}

/** Moves the jobs along the simulator clock: In Progress once started, rows deleted and Succeeded once done. */
export function advanceBulkDeleteJobs(context: ApiContext, jobs: BulkDeleteJobs): void {
  const now = context.clock()
  for (const job of [...jobs]) {
    if (now < job.startAt) continue
    const operationTable = context.catalog.byName('asyncoperation')
    const bulkTable = context.catalog.byName('bulkdeleteoperation')
    const operation = context.store.get('asyncoperation', job.operationId)
    if (!operationTable || !bulkTable || !operation) {
      jobs.splice(jobs.indexOf(job), 1)
      continue
    }
    const matched = job.queries.flatMap(({ table, matches }) =>
      context.store.list(table.logicalName).filter(matches),
    )
    const doneAt = job.startAt + Math.max(1000, (matched.length / bulkDeleteRowsPerSecond) * 1000)
    const stamp = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`
    if (now < doneAt) {
      if (operation.values.statuscode !== 20) {
        updateRow(
          operationTable,
          operation,
          { values: { statecode: 2, statuscode: 20, startedon: stamp(job.startAt) }, lookups: {} },
          context,
        )
      }
      continue
    }
    let deleted = 0
    for (const row of matched) {
      if (!context.store.get(row.table, row.id)) continue
      deleteWithCascade(context, row)
      deleted++
    }
    const current = context.store.get('asyncoperation', job.operationId) ?? operation
    updateRow(
      operationTable,
      current,
      {
        values: { statecode: 3, statuscode: 30, startedon: stamp(job.startAt), completedon: stamp(doneAt) },
        lookups: {},
      },
      context,
    )
    const bulk = context.store
      .list('bulkdeleteoperation')
      .find((b) => b.lookups.asyncoperationid?.id === job.operationId)
    if (bulk)
      updateRow(bulkTable, bulk, { values: { successcount: deleted, failurecount: 0 }, lookups: {} }, context)
    jobs.splice(jobs.indexOf(job), 1)
  }
}

/** One QueryExpression of the QuerySet: its table and a predicate from its Criteria. */
function readQuery(context: ApiContext, query: unknown): PendingJob['queries'][number] {
  const expression = (query ?? {}) as { EntityName?: unknown; Criteria?: Criteria }
  const table = context.catalog.byName(textOf(expression.EntityName ?? ''))
  if (!table) {
    throw new DataverseFault(
      404,
      '0x80040217',
      `Could not find entity with name '${textOf(expression.EntityName ?? '')}'.`,
    )
  }
  return { table, matches: predicateOf(table, expression.Criteria ?? {}) }
}

const operators: Record<string, (value: unknown, operands: unknown[]) => boolean> = {
  Equal: (v, [o]) => same(v, o),
  NotEqual: (v, [o]) => !same(v, o),
  GreaterThan: (v, [o]) => order(v, o) > 0,
  GreaterEqual: (v, [o]) => order(v, o) >= 0,
  LessThan: (v, [o]) => order(v, o) < 0,
  LessEqual: (v, [o]) => order(v, o) <= 0,
  Null: (v) => v === null || v === undefined,
  NotNull: (v) => v !== null && v !== undefined,
  In: (v, os) => os.some((o) => same(v, o)),
  NotIn: (v, os) => !os.some((o) => same(v, o)),
  Like: (v, [o]) => like(v, o),
  NotLike: (v, [o]) => !like(v, o),
  BeginsWith: (v, [o]) => typeof v === 'string' && v.toLowerCase().startsWith(textOf(o).toLowerCase()),
  EndsWith: (v, [o]) => typeof v === 'string' && v.toLowerCase().endsWith(textOf(o).toLowerCase()),
}

/** ConditionOperator names: https://learn.microsoft.com/en-us/dotnet/api/microsoft.xrm.sdk.query.conditionoperator */
function predicateOf(table: Table, criteria: Criteria): (row: StoredRow) => boolean {
  const conditions = (criteria.Conditions ?? []).map((condition) => {
    const column = table.columnsByName.get(condition.AttributeName ?? '')
    if (!column) throw faults.queryProperty(table.logicalName, condition.AttributeName ?? '')
    const test = operators[condition.Operator ?? '']
    if (!test) {
      throw new DataverseFault(
        400,
        '0x80040203',
        `The condition operator '${condition.Operator ?? ''}' is not simulated.`,
      )
    }
    const operands = (condition.Values ?? []).map((v) =>
      typeof v === 'object' && v !== null && 'Value' in v ? v.Value : v,
    )
    return (row: StoredRow) => {
      const value = lookupTypes.has(column.type)
        ? row.lookups[column.name]?.id
        : column.name === table.primaryId
          ? row.id
          : row.values[column.name]
      return test(value ?? null, operands)
    }
  })
  const filters = (criteria.Filters ?? []).map((f) => predicateOf(table, f))
  const all = [...conditions, ...filters]
  return criteria.FilterOperator === 'Or'
    ? (row) => all.length === 0 || all.some((p) => p(row))
    : (row) => all.every((p) => p(row))
}

function same(value: unknown, operand: unknown): boolean {
  if (typeof value === 'string' && typeof operand === 'string')
    return value.toLowerCase() === operand.toLowerCase()
  return value === operand
}

function order(value: unknown, operand: unknown): number {
  if (typeof value === 'number' && typeof operand === 'number') return value - operand
  if (typeof value === 'string' && typeof operand === 'string')
    return value < operand ? -1 : value > operand ? 1 : 0
  return Number.NaN
}

/** SQL LIKE: `%` any run, `_` one character, case-insensitive. */
function like(value: unknown, pattern: unknown): boolean {
  if (typeof value !== 'string') return false
  const re = textOf(pattern)
    .split('')
    .map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('')
  return new RegExp(`^${re}$`, 'is').test(value)
}
