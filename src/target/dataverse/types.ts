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
  /**
   * Create the row as this Entra ID user (`CallerObjectId`): its `createdby` is that user. Bulk calls send one request
   * per user. Only on rows a load creates (an update as another user would change `modifiedby`).
   */
  callerObjectId?: string
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

/** How a bulk call writes: upsert on the deterministic id (repeatable), or create (faster, only for new rows). */
export type WriteOperation = 'upsert' | 'create'

/**
 * What one `$batch` part does: a load's write, or a rollback's `update` (PATCH with `If-Match: *`, never re-creates a
 * row; a gone row is refused with 404) or `delete` (the row's values are not sent).
 */
export type BatchWrite = WriteOperation | 'update' | 'delete'

/** One unbound action (`WinOpportunity`, `CloseIncident`…) to send inside a `$batch`. */
export interface ActionCall {
  name: string
  body: Record<string, unknown>
}

/** What Dataverse answered one action of a `$batch`: done, or refused (a 4xx about the data) with its reason. */
export type ActionOutcome =
  { status: 'done' } | { status: 'refused'; httpStatus: number; code: string; reason: string }

/** The bulk-loading half of the Web API client (`createDataverseClient()` implements it). */
export interface DataverseBulkTarget extends DataverseTarget {
  /** `POST {entitySet}/Microsoft.Dynamics.CRM.CreateMultiple`: all or nothing on a standard table, like upsertMultiple. */
  createMultiple(table: TableRef, rows: readonly TargetRow[]): Promise<void>
  /**
   * `POST $batch` with one change set per row and `Prefer: odata.continue-on-error`: a bad row fails alone. Returns
   * one result per row, in order; throws on anything systemic (auth, throttling past retries, 5xx).
   * @param operation @default 'upsert'
   */
  batch(table: TableRef, rows: readonly TargetRow[], operation?: BatchWrite): Promise<RowResult[]>
  /**
   * `POST {entitySet}/Microsoft.Dynamics.CRM.UpdateMultiple`: updates existing rows by primary key, all or nothing on
   * a standard table (one missing row refuses the call with 404).
   */
  updateMultiple(table: TableRef, rows: readonly TargetRow[]): Promise<void>
  /** `PATCH {entitySet}({id})` with `If-Match: *`: update only, never re-create; 'missing' when the row is gone. */
  update(table: TableRef, row: TargetRow): Promise<'updated' | 'missing'>
  /** `DELETE {entitySet}({id})`; 'missing' when the row is already gone. */
  delete(table: TableRef, targetId: string): Promise<'deleted' | 'missing'>
  /** `POST {name}`: an unbound action such as `WinOpportunity`; throws the HttpError when Dataverse refuses it. */
  callAction?(name: string, body: Record<string, unknown>): Promise<void>
  /**
   * `POST $batch` of unbound actions, each a request of its own (no change set) with `Prefer: odata.continue-on-error`:
   * a refused one fails alone. One outcome per call, in order; throws on anything systemic, as `batch` does.
   */
  callActions?(calls: readonly ActionCall[]): Promise<ActionOutcome[]>
  /**
   * `POST {entitySet}({id})/Microsoft.Dynamics.CRM.{name}`: an action bound to a row (`PublishProductHierarchy`,
   * `AddMembersTeam`); throws the HttpError when Dataverse refuses it.
   */
  callBoundAction?(table: TableRef, id: string, name: string, body: Record<string, unknown>): Promise<void>
}
