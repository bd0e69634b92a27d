import { z } from 'zod'
import { ConfigError, HttpError, InternalError, MigrationError, redactUrl } from '../../errors.ts'
import type { Fetch } from '../../http/fetch.ts'
import { readBody, redactErrorBody } from '../../http/response-body.ts'
import { type RetryInfo, sendWithRetry, sleep as realSleep } from '../../http/send-with-retry.ts'
import type { DataverseTarget, QueryOptions, TableRef, TargetRow } from './types.ts'

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
}

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
export function createDataverseClient(options: DataverseClientOptions): DataverseTarget {
  const base = apiBase(options.url)
  const origin = new URL(base).origin

  async function send(
    method: 'GET' | 'POST' | 'PATCH',
    url: string,
    body?: unknown,
    extraHeaders: Readonly<Record<string, string>> = {},
  ): Promise<Response> {
    let token = await options.getToken()
    for (let refreshed = false; ; refreshed = true) {
      // Headers per webapi.md §1.3. `If-None-Match: null` defeats cached collection expansions on reads.
      const headers: Record<string, string> = {
        Accept: 'application/json',
        'OData-MaxVersion': '4.0',
        'OData-Version': '4.0',
        Authorization: `Bearer ${token}`,
        ...(method === 'GET' ? { 'If-None-Match': 'null' } : {}),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
        ...extraHeaders,
      }
      const response = await sendWithRetry(
        options.fetch,
        {
          method,
          url,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          repeatable: true,
        },
        { sleep: options.sleep ?? realSleep, maxAttempts: options.maxAttempts, onRetry: options.onRetry },
      )
      if (response.ok) return response
      if (response.status === 401 && !refreshed) {
        await response.body?.cancel().catch(() => undefined)
        token = await options.getToken({ forceRefresh: true })
        continue
      }
      const errorBody = redactErrorBody(await readBody(response).catch(() => undefined), [token])
      throw new HttpError({ method, url }, response.status, errorBody, describeError(errorBody))
    }
  }

  return {
    async upsertMultiple(table, rows) {
      if (rows.length === 0) return
      const Targets = rows.map((row) => ({
        '@odata.type': `Microsoft.Dynamics.CRM.${table.logicalName}`,
        [table.primaryId]: checkedId(row.targetId),
        ...row.values,
      }))
      const response = await send(
        'POST',
        `${base}${entitySetOf(table)}/Microsoft.Dynamics.CRM.UpsertMultiple`,
        {
          Targets,
        },
      )
      await response.body?.cancel().catch(() => undefined)
    },

    async upsert(table: TableRef, row: TargetRow) {
      // Neither If-Match nor If-None-Match: a PATCH by key creates or updates (webapi.md §1.5, §2.3).
      const response = await send(
        'PATCH',
        `${base}${entitySetOf(table)}(${checkedId(row.targetId)})`,
        row.values,
      )
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

function entitySetOf(table: TableRef): string {
  return checkedEntitySet(table.entitySet)
}

function checkedEntitySet(entitySet: string): string {
  if (!/^[A-Za-z_]\w*$/.test(entitySet)) throw new InternalError(`Not an entity set name: "${entitySet}"`)
  return entitySet
}
