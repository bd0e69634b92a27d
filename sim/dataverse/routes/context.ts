import type { AppUser } from '../auth/tokens.ts'
import { jsonResponse } from '../errors.ts'
import type { SchemaSettings } from '../metadata/schema.ts'
import type { ColumnIndex } from '../odata/column-index.ts'
import type { FormatContext } from '../formatted-values.ts'
import { annotationFilter, type AnnotationFilter, type Preferences } from '../odata/prefer.ts'
import type { Store } from '../store.ts'
import type { BulkDeleteJobs } from './bulk-delete.ts'
import type { RecordCountSnapshots } from './record-count.ts'
import type { Catalog, Table } from '../tables.ts'
import type { ApplyContext } from '../write/apply.ts'

/** What a Web API route needs for one authenticated request. */
export interface ApiContext extends ApplyContext {
  catalog: Catalog
  store: Store
  /** `{origin}/api/data/v9.2/` */
  apiUrl: string
  organizationId: string
  user: AppUser
  prefer: Preferences
  /** counts the request under a message name, for stats() */
  count(operation: string): void
  /** adds simulated execution time (service protection execution-time limit) */
  addCost(ms: number): void
  /** publisher prefix, option prefix and key build delay for metadata writes */
  schema?: SchemaSettings
  /** organization.maxuploadfilesize (webapi.md §5.2) */
  maxUploadBytes?: number
  /** BulkDelete jobs not completed yet */
  bulkDeleteJobs?: BulkDeleteJobs
  /** RetrieveTotalRecordCount's snapshots, kept across requests */
  recordCounts?: RecordCountSnapshots
  /** rows by text column, for `$filter`s of `eq` terms (odata/column-index.ts) */
  columns?: ColumnIndex
  /** resolves an alternate-key reference `name='v'` to a row id (binds, @odata.id) */
  resolveKey?: (table: Table, key: string) => string | undefined
}

/** The annotations the request's `Prefer` asked for, and what formatting them needs. */
export function representationOf(context: ApiContext): {
  annotations?: AnnotationFilter
  format: FormatContext
} {
  return {
    annotations: annotationFilter(context.prefer.includeAnnotations),
    format: { store: context.store, catalog: context.catalog },
  }
}

export function entityIdUrl(context: ApiContext, table: Table, id: string): string {
  return `${context.apiUrl}${table.entitySet}(${id})`
}

export function contextUrl(
  context: ApiContext,
  table: Table,
  select: readonly string[] | undefined,
  single: boolean,
) {
  const columns = select ? `(${select.join(',')})` : ''
  return `${context.apiUrl}$metadata#${table.entitySet}${columns}${single ? '/$entity' : ''}`
}

export function noContent(headers: Record<string, string> = {}): Response {
  return new Response(null, { status: 204, headers: { 'odata-version': '4.0', ...headers } })
}

export { jsonResponse }
