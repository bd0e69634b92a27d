import { z } from 'zod'
import { ConfigError, HttpError, InternalError, MigrationError, redactUrl } from '../../errors.ts'
import type { Fetch } from '../../http/fetch.ts'
import { readBody, redactErrorBody } from '../../http/response-body.ts'
import { type RetryInfo, sendWithRetry, sleep as realSleep } from '../../http/send-with-retry.ts'
import { type BatchOperation, buildBatchBody, parseBatchResponse } from './batch-body.ts'
import { type Refusal, refusalOf, withRoleHint } from './refusal.ts'
import type {
  ActionOutcome,
  BatchWrite,
  DataverseBulkTarget,
  QueryOptions,
  RowResult,
  TableRef,
  TargetRow,
} from './types.ts'

export interface DataverseClientOptions {
  /** The environment's origin, e.g. `https://contoso.crm.dynamics.com` (a trailing `/api/data/v9.2` is accepted). */
  url: string
  fetch: Fetch
  /** A bearer token; with `forceRefresh` a new one, not the cached one (after a 401). */
  getToken: (options?: { forceRefresh?: boolean }) => Promise<string>
  /** @default setTimeout */
  sleep?: (ms: number) => Promise<void>
  /** @default 5 */
  maxAttempts?: number
  onRetry?: (info: RetryInfo) => void
  /**
   * Abort a request that has not answered in this many ms (a RequestTimeoutError; the bulk loader then sends
   * smaller batches). Dataverse's own clients give up after 2 to 4 minutes. @default 120_000
   */
  timeoutMs?: number
  /** Impersonate this Entra ID user (object id) on writes: `CallerObjectId` (needs prvActOnBehalfOfAnotherUser). */
  callerObjectId?: string
  /** `MSCRM.BypassBusinessLogicExecution` on writes: skip custom plug-ins (needs prvBypassCustomBusinessLogic). */
  bypassBusinessLogic?: 'CustomSync' | 'CustomAsync' | 'CustomSync,CustomAsync'
  /** `MSCRM.SuppressCallbackRegistrationExpanderJob: true` on writes: no Power Automate flows fire. */
  suppressFlows?: boolean
}

/** The headers a write carries for impersonation and bypass (webapi.md §1.3, §7.3). */
export function writeHeadersOf(
  options: Pick<DataverseClientOptions, 'callerObjectId' | 'bypassBusinessLogic' | 'suppressFlows'>,
): Record<string, string> {
  const headers: Record<string, string> = {}
  if (options.callerObjectId !== undefined) {
    if (!GUID.test(options.callerObjectId)) {
      throw new ConfigError([
        `dataverse callerObjectId: "${options.callerObjectId}" is not a GUID (the user's Entra ID object id)`,
      ])
    }
    headers['CallerObjectId'] = options.callerObjectId
  }
  if (options.bypassBusinessLogic !== undefined) {
    headers['MSCRM.BypassBusinessLogicExecution'] = options.bypassBusinessLogic
  }
  if (options.suppressFlows === true) headers['MSCRM.SuppressCallbackRegistrationExpanderJob'] = 'true'
  return headers
}

type Payload = { json: unknown } | { contentType: string; text: string }

const ErrorBody = z.object({
  error: z.object({ code: z.string().optional(), message: z.string().optional() }),
})

const QueryPage = z.object({
  value: z.array(z.record(z.string(), z.unknown())),
  '@odata.nextLink': z.string().optional(),
})

/**
 * The Dataverse Web API v9.2 (docs: dataverse/webapi.md). Every request is repeatable (reads, and upserts on
 * deterministic ids), so 429/503 are retried after `Retry-After` and other transient failures with backoff. A 401 gets
 * one fresh token. Failures throw an HttpError carrying the status and Dataverse's `{error:{code,message}}`.
 */
/** The rows of a bulk call grouped by the user they are written as (`undefined`: the caller itself), in first order. */
function byCaller(rows: readonly TargetRow[]): Map<string | undefined, TargetRow[]> {
  const groups = new Map<string | undefined, TargetRow[]>()
  for (const row of rows) groups.set(row.callerObjectId, [...(groups.get(row.callerObjectId) ?? []), row])
  return groups
}

/** `CallerObjectId` for a row written as another user (a GUID, checked), or none. */
function callerHeaders(callerObjectId: string | undefined): Record<string, string> {
  return callerObjectId === undefined ? {} : writeHeadersOf({ callerObjectId })
}

export function createDataverseClient(options: DataverseClientOptions): DataverseBulkTarget {
  const base = apiBase(options.url)
  const origin = new URL(base).origin
  const apiPath = new URL(base).pathname
  const writeHeaders = writeHeadersOf(options)
  const timeoutMs = options.timeoutMs ?? 120_000

  /**
   * Sends with retries and one token refresh; a response `usable` says is returned even when not ok (a `$batch`
   * answers 400 with the parts that ran), any other failure throws an HttpError.
   */
  async function send(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    payload?: Payload,
    extraHeaders: Readonly<Record<string, string>> = {},
    usable: (response: Response) => boolean = () => false,
  ): Promise<Response> {
    let token = await options.getToken()
    for (let refreshed = false; ; refreshed = true) {
      // Headers per webapi.md §1.3. `If-None-Match: null` defeats cached collection expansions on reads.
      const headers: Record<string, string> = {
        Accept: 'application/json',
        'OData-MaxVersion': '4.0',
        'OData-Version': '4.0',
        Authorization: `Bearer ${token}`,
        ...(method === 'GET' ? { 'If-None-Match': 'null' } : writeHeaders),
        ...(payload === undefined
          ? {}
          : { 'Content-Type': 'json' in payload ? 'application/json; charset=utf-8' : payload.contentType }),
        ...extraHeaders,
      }
      const response = await sendWithRetry(
        options.fetch,
        {
          method,
          url,
          headers,
          body:
            payload === undefined
              ? undefined
              : 'json' in payload
                ? JSON.stringify(payload.json)
                : payload.text,
          repeatable: true,
          timeoutMs,
        },
        {
          server: 'Dataverse',
          sleep: options.sleep ?? realSleep,
          maxAttempts: options.maxAttempts,
          onRetry: options.onRetry,
        },
      )
      if (response.ok || usable(response)) return response
      if (response.status === 401 && !refreshed) {
        await response.body?.cancel().catch(() => undefined)
        token = await options.getToken({ forceRefresh: true })
        continue
      }
      const errorBody = redactErrorBody(await readBody(response).catch(() => undefined), [token])
      throw new HttpError(
        { method, url },
        response.status,
        errorBody,
        withRoleHint(response.status, describeError(errorBody)),
      )
    }
  }

  async function sendMultiple(
    message: 'UpsertMultiple' | 'CreateMultiple' | 'UpdateMultiple',
    table: TableRef,
    rows: readonly TargetRow[],
  ): Promise<void> {
    if (rows.length === 0) return
    // Impersonation is per request: rows created as their author go in one request per author (webapi.md §7.2).
    for (const [caller, group] of byCaller(rows)) {
      const Targets = group.map((row) => ({
        '@odata.type': `Microsoft.Dynamics.CRM.${table.logicalName}`,
        [table.primaryId]: checkedId(row.targetId),
        ...row.values,
      }))
      const response = await send(
        'POST',
        `${base}${entitySetOf(table)}/Microsoft.Dynamics.CRM.${message}`,
        { json: { Targets } },
        callerHeaders(caller),
      )
      await response.body?.cancel().catch(() => undefined)
    }
  }

  function batchOperation(table: TableRef, row: TargetRow, operation: BatchWrite): BatchOperation {
    const set = entitySetOf(table)
    const id = checkedId(row.targetId)
    // Inside a batch each part carries the write headers itself (webapi.md §7.2).
    if (operation === 'create') {
      return {
        method: 'POST',
        path: `${apiPath}${set}`,
        body: { [table.primaryId]: id, ...row.values },
        headers: { ...writeHeaders, ...callerHeaders(row.callerObjectId) },
      }
    }
    if (operation === 'delete')
      return { method: 'DELETE', path: `${apiPath}${set}(${id})`, headers: writeHeaders }
    const headers = operation === 'update' ? { ...writeHeaders, 'If-Match': '*' } : writeHeaders
    return {
      method: 'PATCH',
      path: `${apiPath}${set}(${id})`,
      body: row.values,
      headers: operation === 'upsert' ? { ...headers, ...callerHeaders(row.callerObjectId) } : headers,
    }
  }

  /** Sends a write by key; 'missing' on Dataverse's 404 for an absent row, never for an unknown entity set. */
  async function sendByKey(
    method: 'PATCH' | 'DELETE',
    table: TableRef,
    targetId: string,
    payload: Payload | undefined,
    headers: Record<string, string>,
  ): Promise<'done' | 'missing'> {
    const url = `${base}${entitySetOf(table)}(${checkedId(targetId)})`
    const response = await send(method, url, payload, headers, (r) => r.status === 404)
    if (response.status !== 404) {
      await response.body?.cancel().catch(() => undefined)
      return 'done'
    }
    const body = await readBody(response).catch(() => undefined)
    if (refusalOf(404, body) === undefined) {
      throw new HttpError({ method, url }, 404, redactErrorBody(body, []), describeError(body))
    }
    return 'missing'
  }

  /**
   * Sends these operations in one `$batch` with `Prefer: odata.continue-on-error`, then again those a server that
   * ignores the preference did not run (it stops at the first failure). Per operation, in order: null when it
   * succeeded, else Dataverse's refusal; anything systemic throws an HttpError naming the operation. The POST is
   * retried like any request: after a lost answer Dataverse runs the operations a second time.
   */
  async function sendBatch(operations: readonly BatchOperation[]): Promise<(Refusal | null)[]> {
    const url = `${base}$batch`
    const results: (Refusal | null | undefined)[] = operations.map(() => undefined)
    for (let pending = operations.map((_, index) => index); pending.length > 0;) {
      const built = buildBatchBody(pending.map((index) => operations[index] as BatchOperation))
      const response = await send(
        'POST',
        url,
        { contentType: built.contentType, text: built.body },
        { Prefer: 'odata.continue-on-error' },
        (r) => r.status === 400 && /^multipart\/mixed/i.test(r.headers.get('content-type') ?? ''),
      )
      const parts = parseBatchResponse(response.headers.get('content-type') ?? '', await response.text())
      parts.forEach((part, position) => {
        // A change set's part echoes its Content-ID; a request on its own answers in its place.
        const slot = part.contentId === undefined ? position : Number(part.contentId) - 1
        const index = pending[slot]
        const operation = index === undefined ? undefined : operations[index]
        if (index === undefined || operation === undefined) return
        if (part.status >= 200 && part.status <= 299) {
          results[index] = null
          return
        }
        const refusal = refusalOf(part.status, part.body)
        if (refusal === undefined) {
          throw new HttpError(
            { method: operation.method, url: `${origin}${operation.path}` },
            part.status,
            redactErrorBody(part.body, []),
            withRoleHint(part.status, `${describeError(part.body) ?? 'failed'} (inside $batch)`),
          )
        }
        results[index] = refusal
      })
      const left = pending.filter((index) => results[index] === undefined)
      if (left.length === pending.length) {
        throw new HttpError(
          { method: 'POST', url },
          response.status,
          undefined,
          `the $batch response answered none of its ${pending.length} requests`,
        )
      }
      pending = left
    }
    return results.map((result) => {
      if (result === undefined) throw new InternalError('a $batch request was left without an answer')
      return result
    })
  }

  return {
    async update(table, row) {
      const outcome = await sendByKey('PATCH', table, row.targetId, { json: row.values }, { 'If-Match': '*' })
      return outcome === 'done' ? 'updated' : 'missing'
    },
    async delete(table, targetId) {
      const outcome = await sendByKey('DELETE', table, targetId, undefined, {})
      return outcome === 'done' ? 'deleted' : 'missing'
    },
    upsertMultiple: (table, rows) => sendMultiple('UpsertMultiple', table, rows),
    createMultiple: (table, rows) => sendMultiple('CreateMultiple', table, rows),
    updateMultiple: (table, rows) => sendMultiple('UpdateMultiple', table, rows),

    async batch(table, rows, operation = 'upsert') {
      const answers = await sendBatch(rows.map((row) => batchOperation(table, row, operation)))
      return rows.map((row, index): RowResult => {
        const refusal = answers[index]
        return refusal === null || refusal === undefined
          ? { status: 'loaded', targetId: row.targetId }
          : { status: 'rejected', targetId: row.targetId, ...refusal }
      })
    },

    async callActions(calls) {
      const operations = calls.map((call): BatchOperation => ({
        method: 'POST',
        path: `${apiPath}${checkedActionName(call.name)}`,
        body: call.body,
        headers: writeHeaders,
        alone: true,
      }))
      const answers: (Refusal | null)[] = []
      for (let i = 0; i < operations.length; i += MAX_BATCH_REQUESTS)
        answers.push(...(await sendBatch(operations.slice(i, i + MAX_BATCH_REQUESTS))))
      return answers.map((refusal): ActionOutcome =>
        refusal === null ? { status: 'done' } : { status: 'refused', ...refusal },
      )
    },

    async callAction(name: string, body: Record<string, unknown>) {
      // An unbound action (WinOpportunity, LoseOpportunity): POST {base}{name}, 204 on success.
      const response = await send('POST', `${base}${checkedActionName(name)}`, { json: body })
      await response.body?.cancel().catch(() => undefined)
    },

    async callBoundAction(table: TableRef, id: string, name: string, body: Record<string, unknown>) {
      // A bound action (PublishProductHierarchy, AddMembersTeam): POST {set}({id})/Microsoft.Dynamics.CRM.{name}.
      const path = `${base}${entitySetOf(table)}(${checkedId(id)})/Microsoft.Dynamics.CRM.${checkedActionName(name)}`
      const response = await send('POST', path, { json: body })
      await response.body?.cancel().catch(() => undefined)
    },

    async upsert(table: TableRef, row: TargetRow) {
      // Neither If-Match nor If-None-Match: a PATCH by key creates or updates (webapi.md §1.5, §2.3).
      const response = await send('PATCH', `${base}${entitySetOf(table)}(${checkedId(row.targetId)})`, {
        json: row.values,
      })
      await response.body?.cancel().catch(() => undefined)
    },

    async *query(entitySet: string, { select, filter, top, pageSize = 5000 }: QueryOptions = {}) {
      const params: string[] = []
      if (select !== undefined && select.length > 0)
        params.push(`$select=${select.map(encodeURIComponent).join(',')}`)
      if (filter !== undefined) params.push(`$filter=${encodeURIComponent(filter)}`)
      if (top !== undefined) params.push(`$top=${Math.trunc(top)}`)
      let url = `${base}${checkedEntitySet(entitySet)}${params.length > 0 ? `?${params.join('&')}` : ''}`
      for (;;) {
        const response = await send('GET', url, undefined, {
          Prefer: `odata.maxpagesize=${Math.trunc(pageSize)}`,
        })
        const parsed = QueryPage.safeParse(await readBody(response))
        if (!parsed.success) {
          throw new HttpError(
            { method: 'GET', url },
            response.status,
            undefined,
            'expected an OData collection',
          )
        }
        yield* parsed.data.value
        const next = parsed.data['@odata.nextLink']
        if (next === undefined) return
        // The token goes wherever the link points: only ever to the environment itself.
        if (new URL(next, url).origin !== origin) {
          throw new MigrationError(
            `Dataverse sent a next link to another host (${redactUrl(next)}); not following it`,
          )
        }
        url = new URL(next, url).toString()
      }
    },
  }
}

/** `{origin}{path}/api/data/v9.2/` for an environment URL with or without the API path. */
function apiBase(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url.trim())
  } catch {
    throw new ConfigError([`dataverse url: "${redactUrl(url)}" is not a URL`])
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ConfigError([`dataverse url: "${redactUrl(url)}" must start with https://`])
  }
  const path = parsed.pathname.replace(/\/+$/, '').replace(/\/api\/data\/v9\.2$/i, '')
  return `${parsed.origin}${path}/api/data/v9.2/`
}

/** Dataverse's message and code, for the error's message. */
function describeError(body: unknown): string | undefined {
  const parsed = ErrorBody.safeParse(body)
  if (!parsed.success) return typeof body === 'string' && body !== '' ? body.slice(0, 200) : undefined
  const { code, message } = parsed.data.error
  if (message === undefined || message === '') return code
  return code === undefined || code === '' ? message : `${message} (${code})`
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function checkedId(targetId: string): string {
  if (!GUID.test(targetId)) throw new InternalError(`Not a GUID target id: "${targetId}"`)
  return targetId
}

function checkedActionName(name: string): string {
  if (!/^[A-Za-z]\w*$/.test(name)) throw new MigrationError(`not an action name: ${JSON.stringify(name)}`)
  return name
}

/** Dataverse runs at most 1,000 requests in one `$batch` (webapi.md §3.1). */
const MAX_BATCH_REQUESTS = 1000

function entitySetOf(table: TableRef): string {
  return checkedEntitySet(table.entitySet)
}

function checkedEntitySet(entitySet: string): string {
  if (!/^[A-Za-z_]\w*$/.test(entitySet)) throw new InternalError(`Not an entity set name: "${entitySet}"`)
  return entitySet
}
