import { ConfigError, HttpError, InternalError, MigrationError } from '../../errors.ts'
import type { Fetch } from '../../http/fetch.ts'
import { readBody, redactErrorBody } from '../../http/response-body.ts'
import { type RetryInfo, sendWithRetry, sleep as realSleep } from '../../http/send-with-retry.ts'
import { normalizeX2crmApiBase } from './api-base.ts'
import { parseDropdowns, parseModels, parseRelationships, parseTags } from './parse-catalog.ts'
import { parseFields } from './parse-fields.ts'
import { parseUsers } from './parse-users.ts'
import { flattenPages } from './flatten-pages.ts'
import type {
  ReadOptions,
  X2crmCatalog,
  X2crmField,
  X2crmRecord,
  X2crmRelationship,
  X2crmSource,
  X2crmUser,
} from './types.ts'

export interface X2crmClientOptions {
  /** The site (`https://crm.example.com`), its `…/index.php`, or the API base `…/index.php/api2`. */
  url: string
  /** X2CRM username or alias. Use an administrator: others miss records and fields. */
  username: string
  /** The user's API key (Users → edit user → "API Key"), not the login password. */
  apiKey: string
  fetch: Fetch
  /** @default setTimeout */
  sleep?: (ms: number) => Promise<void>
  /** @default 5 */
  maxAttempts?: number
  onRetry?: (info: RetryInfo) => void
  /**
   * A request that has not answered after this long is abandoned and retried like a network error.
   * @default 120000
   */
  timeoutMs?: number
}

/** The server's cap on `_limit`; a larger one is cut to it silently, which would break the short-page stop. */
const MAX_PAGE_SIZE = 1000

/** Parameters keyset paging owns: a filter on them would break it. */
const PAGING_PARAMS = new Set(['id', '_order', '_limit', '_page', '_or'])

/**
 * Reads X2CRM through REST API v2 (docs: x2crm/api.md §1). Lists are read by keyset paging on `id`, since a page
 * past the end repeats the last page instead of coming back empty.
 *
 * Error bodies echo the request's Authorization header, so every body kept in an error is redacted, and the API key
 * (and its Base64 form) are scrubbed from every message.
 */
export function createX2crmClient(options: X2crmClientOptions): X2crmSource & X2crmCatalog {
  const base = normalizeX2crmApiBase(options.url)
  if (options.username === '') throw new ConfigError(['x2crm username: must not be empty'])
  if (options.apiKey === '') {
    throw new ConfigError([
      'x2crm API key: must not be empty (an empty key disables API access for the user)',
    ])
  }
  const credentials = Buffer.from(`${options.username}:${options.apiKey}`).toString('base64')
  const secrets = [credentials, options.apiKey]
  const headers = { Accept: 'application/json', Authorization: `Basic ${credentials}` }
  const fetchWithTimeout = withTimeout(options.fetch, options.timeoutMs ?? 120_000)

  /** GET `path` (below the API base); the parsed body, or `undefined` on a 404 when `notFound` is 'undefined'. */
  async function get(
    path: string,
    module: string,
    notFound: 'throw' | 'undefined' = 'throw',
  ): Promise<unknown> {
    const url = `${base}/${path}`
    // No Content-Type on GETs: X2CRM answers 415 to any that is not JSON (api.md §1.2).
    const response = await sendWithRetry(
      fetchWithTimeout,
      { method: 'GET', url, headers, repeatable: true },
      {
        server: 'X2CRM',
        sleep: options.sleep ?? realSleep,
        maxAttempts: options.maxAttempts,
        onRetry: options.onRetry,
      },
    )
    if (response.ok) return readBody(response)
    const body = redactErrorBody(await readBody(response).catch(() => undefined), secrets)
    if (response.status === 404 && notFound === 'undefined') return undefined
    throw errorFor({ method: 'GET', url }, response.status, body, module)
  }

  function errorFor(request: { method: string; url: string }, status: number, body: unknown, module: string) {
    const serverMessage = messageOf(body)
    const httpError = new HttpError(request, status, body, serverMessage)
    const said = serverMessage ? `: "${serverMessage}"` : ''
    if (status === 401) {
      return new MigrationError(
        `X2CRM rejected the credentials of user "${options.username}" (401${said}). Check the API key: it is the ` +
          `user's API key (Users → edit user → "API Key"), not the login password, and the user's key must be ` +
          `non-empty, since an empty key disables API access.`,
        { cause: httpError },
      )
    }
    if (status === 403) {
      return new MigrationError(
        `X2CRM user "${options.username}" may not read ${module} (403${said}). Use an administrator account, or ` +
          `give the user a role with access to the ${module} module.`,
        { cause: httpError },
      )
    }
    return httpError
  }

  /** Keyset paging: pages of `path`, ascending by id, each checked to hold only ids above the last page's. */
  async function* pages(
    path: string,
    module: string,
    { afterId = 0, pageSize = MAX_PAGE_SIZE, filters = {} }: ReadOptions,
  ): AsyncGenerator<readonly X2crmRecord[]> {
    const limit = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.trunc(pageSize)))
    const reserved = Object.keys(filters).filter((name) => PAGING_PARAMS.has(name))
    if (reserved.length > 0) {
      throw new InternalError(`Filters on ${reserved.join(', ')} would break keyset paging of ${module}`)
    }
    let lastId = afterId
    for (;;) {
      // `%2B` because a raw `+` decodes to a space; `%3E` is the `>` operator prefix (api.md §1.5).
      const query = `_order=%2Bid&_limit=${limit}&id=%3E${lastId}${filterQuery(filters, '&')}`
      const page = listOf(await get(`${path}?${query}`, module), {
        method: 'GET',
        url: `${base}/${path}?${query}`,
      })
      let maxId = lastId
      for (const record of page) {
        const id = idOf(record)
        if (id === undefined) {
          throw new HttpError(
            { method: 'GET', url: `${base}/${path}` },
            200,
            undefined,
            'a record has no numeric id',
          )
        }
        if (id <= lastId) {
          throw new InternalError(
            `X2CRM returned ${module} id ${id} when asked for ids above ${lastId}: the id filter was not applied. ` +
              `Stopping rather than reading the same page again.`,
          )
        }
        maxId = Math.max(maxId, id)
      }
      yield page
      if (page.length < limit) return
      lastId = maxId
    }
  }

  return {
    records(entity, readOptions = {}) {
      return flattenPages(pages(classSegment(entity), entity, readOptions))
    },

    async record(entity, id) {
      if (!Number.isSafeInteger(id) || id < 1) throw new InternalError(`Not an X2CRM record id: ${id}`)
      // The `.json` suffix is required: `api2/Contacts/12` is not routed (api.md §1.3).
      const path = `${classSegment(entity)}/${id}.json`
      const body = await get(path, entity, 'undefined')
      if (body === undefined) return undefined
      if (!isRecord(body)) throw unusable(`${base}/${path}`, 'expected a JSON object')
      return body
    },

    async count(entity, filters = {}) {
      const path = `${classSegment(entity)}/count${filterQuery(filters, '?')}`
      const body = await get(path, entity)
      // A bare JSON scalar: a number on PHP ≥ 8.1, a numeric string before (api.md §1.5).
      const count = typeof body === 'string' && /^\d+$/.test(body.trim()) ? Number(body) : body
      if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
        throw unusable(`${base}/${path}`, 'expected a count')
      }
      return count
    },

    async fields(entity): Promise<X2crmField[]> {
      const path = `${classSegment(entity)}/fields`
      const parsed = parseFields(await get(path, entity))
      if ('issues' in parsed)
        throw unusable(`${base}/${path}`, `unexpected field list: ${summarize(parsed.issues)}`)
      return parsed.fields
    },

    async users(): Promise<X2crmUser[]> {
      const users: X2crmUser[] = []
      for await (const page of pages('users', 'Users', {})) {
        const parsed = parseUsers(page)
        if ('issues' in parsed)
          throw unusable(`${base}/users`, `unexpected user list: ${summarize(parsed.issues)}`)
        users.push(...parsed.users)
      }
      return users
    },

    async dropdowns() {
      const rows = []
      for await (const page of pages('dropdowns', 'Dropdowns', {})) {
        const parsed = parseDropdowns(page)
        if ('issues' in parsed)
          throw unusable(`${base}/dropdowns`, `unexpected dropdown list: ${summarize(parsed.issues)}`)
        rows.push(...parsed.rows)
      }
      return rows
    },

    async models() {
      const parsed = parseModels(await get('models', 'models'))
      if ('issues' in parsed)
        throw unusable(`${base}/models`, `unexpected model list: ${summarize(parsed.issues)}`)
      return parsed.rows
    },

    async tags(entity, id) {
      const path = `${classSegment(entity)}/${recordId(id)}/tags`
      const body = await get(path, entity, 'undefined')
      if (body === undefined) return []
      const parsed = parseTags(body)
      if ('issues' in parsed)
        throw unusable(`${base}/${path}`, `unexpected tag list: ${summarize(parsed.issues)}`)
      return parsed.rows
    },

    async *relationships(readOptions = {}): AsyncGenerator<X2crmRelationship> {
      for await (const page of pages('relationships', 'Relationships', readOptions)) {
        const parsed = parseRelationships(page)
        if ('issues' in parsed) {
          throw unusable(`${base}/relationships`, `unexpected relationship list: ${summarize(parsed.issues)}`)
        }
        yield* parsed.rows
      }
    },

    async *actionsOf(entity, id, readOptions = {}) {
      const path = `${classSegment(entity)}/${recordId(id)}/Actions`
      for await (const page of pages(path, 'Actions', readOptions)) yield* page
    },
  }
}

function recordId(id: number): number {
  if (!Number.isSafeInteger(id) || id < 1) throw new InternalError(`Not an X2CRM record id: ${id}`)
  return id
}

/**
 * Abandons a request after `ms`: the failure carries code ETIMEDOUT, so sendWithRetry retries it like a dropped
 * connection (a hung PHP worker answers nothing, it does not fail). The request is abandoned, not aborted: a
 * per-request AbortSignal costs undici about 1.6 KB that outlives the request (measured by bench/extract-1m.ts), and
 * undici's own headers/body timeouts free the socket of a request that really hung.
 */
export function withTimeout(fetch: Fetch, ms: number): Fetch {
  return async (input, init) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'ETIMEDOUT' }))
      }, ms)
    })
    const answered = fetch(input, init)
    // A late failure of an abandoned request must not surface as an unhandled rejection.
    answered.catch(() => undefined)
    try {
      return await Promise.race([answered, timedOut])
    } finally {
      clearTimeout(timer)
    }
  }
}

/** X2CRM class names are case-sensitive and start with an upper-case letter (api.md §1.3). */
function classSegment(entity: string): string {
  if (!/^[A-Z]\w*$/.test(entity)) {
    throw new ConfigError([`"${entity}" is not an X2CRM class name (e.g. Contacts, Opportunity, X2Leads)`])
  }
  return entity
}

/** `name=value` pairs, percent-encoded so operator prefixes survive: `>1700000000` → `%3E1700000000`. */
function filterQuery(filters: Readonly<Record<string, string>>, separator: '?' | '&'): string {
  const pairs = Object.entries(filters).map(
    ([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`,
  )
  return pairs.length === 0 ? '' : `${separator}${pairs.join('&')}`
}

function listOf(body: unknown, request: { method: string; url: string }): X2crmRecord[] {
  if (!Array.isArray(body) || !body.every(isRecord))
    throw unusable(request.url, 'expected a JSON array of records')
  return body
}

/** Ids arrive as numbers or numeric strings, depending on the PHP version. */
function idOf(record: X2crmRecord): number | undefined {
  const id = record.id
  const value = typeof id === 'string' && /^\d+$/.test(id) ? Number(id) : id
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined
}

function isRecord(value: unknown): value is X2crmRecord {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function messageOf(body: unknown): string | undefined {
  if (!isRecord(body) || typeof body.message !== 'string' || body.message === '') return undefined
  return body.message.length > 200 ? `${body.message.slice(0, 200)}…` : body.message
}

/** A 200 whose body we cannot use. The body is not kept: it may be large, and it is not an error envelope. */
function unusable(url: string, detail: string): HttpError {
  return new HttpError({ method: 'GET', url }, 200, undefined, detail)
}

function summarize(issues: readonly string[]): string {
  return issues.length > 3
    ? `${issues.slice(0, 3).join('; ')}; and ${issues.length - 3} more`
    : issues.join('; ')
}
