/** Where rows of one Dataverse table go. Logical name for `@odata.type`, entity set for URLs. */
export interface TableRef {
  logicalName: string
  entitySet: string
  primaryId: string
}

/**
 * One row to write. `targetId` is the deterministic primary key (UUID v5 of the source record); `values` holds
 * column values and `<nav>@odata.bind` entries, never the primary key itself.
 */
export interface TargetRow {
  targetId: string
  values: Readonly<Record<string, unknown>>
}

/** The server's verdict on one row of a bulk load. */
export type RowResult =
  | { status: 'loaded'; targetId: string }
  | { status: 'rejected'; targetId: string; httpStatus: number; code: string; reason: string }

export interface QueryOptions {
  select?: readonly string[]
  filter?: string
  top?: number
  /** `Prefer: odata.maxpagesize` @default 5000 */
  pageSize?: number
}

/** What the migration calls on Dataverse. `createDataverseClient()` implements it over the Web API. */
export interface DataverseTarget {
  /**
   * `POST {entitySet}/Microsoft.Dynamics.CRM.UpsertMultiple`. On a standard table one bad row rolls back the whole
   * call: this throws the HttpError and loads nothing.
   */
  upsertMultiple(table: TableRef, rows: readonly TargetRow[]): Promise<void>
  /** `PATCH {entitySet}({id})` without conditions: create or update one row. */
  upsert(table: TableRef, row: TargetRow): Promise<void>
  /** Rows of a query, following `@odata.nextLink`. */
  query(entitySet: string, options?: QueryOptions): AsyncIterable<Record<string, unknown>>
}
