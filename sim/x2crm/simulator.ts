import type { X2crmRecord } from '../../src/source/x2crm/types.ts'
import type { Handler, SimRequest } from '../serve.ts'
import { authenticate, type ApiUser } from './auth.ts'
import type { ActionContext, Outcome } from './context.ts'
import type { X2crmDataset } from './dataset.ts'
import { getFileResponse } from './get-file.ts'
import { hooksAction, relationshipsAction, tagsAction } from './link-actions.ts'
import {
  appInfoAction,
  dropdownsAction,
  fieldPermissionsAction,
  fieldsAction,
  modelsAction,
  teapotAction,
  usersAction,
} from './meta-actions.ts'
import { countAction, deleteRecord, loadModel, modelAction, requireClass } from './model-actions.ts'
import { DEFAULT_MAX_PAGE_SIZE, readQueryParams, type Row } from './query.ts'
import {
  ApiReply,
  bareJson,
  echoRequestHeaders,
  envelope,
  noContent,
  type ReplyContext,
} from './responses.ts'
import { allowedMethods, resolveRoute, type ApiAction, type Route } from './routes.ts'
import { createStore, type Store } from './store.ts'

export interface X2crmSimulatorOptions {
  data: X2crmDataset
  /** Unix seconds; makes date codes (`>yesterday`) and write timestamps deterministic. @default the real clock */
  now?: () => number
  /** The admin's "max page size" setting. @default 1000 */
  maxPageSize?: number
  /** Admin → REST API settings "max requests per interval" (off by default, as in X2CRM). */
  rateLimit?: { maxRequests: number; intervalSeconds: number }
  /** The database, when not built from `data` (e.g. a virtual store over a generated instance of any size). */
  store?: Store
}

export interface X2crmSimulator {
  /** The API as a fetch-style handler: `/index.php/api2/...` (also `/api2/...`). */
  handle: Handler
  /** Test helper: inserts or replaces a record as GET would return it (no validation, no timestamps). */
  upsert(entity: string, record: X2crmRecord): void
  /** Test helper: deletes a record the way the API does (tags, relationships and actions go with it). */
  remove(entity: string, id: number): void
  /** Requests handled so far, rejected ones included. */
  requestCount(): number
}

/** The actions RBAC checks (`filterRbac`), by method; a user without a role is refused these. */
function rbacItem(action: ApiAction, method: string, route: Route): string | undefined {
  const perRecord = route.id !== undefined
  switch (action) {
    case 'count':
      return method === 'GET' ? 'Index' : undefined
    case 'model':
      if (method === 'DELETE') return 'Delete'
      if (method === 'GET') return perRecord ? 'View' : 'Index'
      return method === 'PATCH' || method === 'PUT' ? 'Update' : undefined
    case 'relationships':
    case 'tags':
      if (method === 'GET') return route.className !== undefined && perRecord ? 'View' : undefined
      return 'View'
    default:
      return undefined
  }
}

const rbacActions = new Set<ApiAction>(['count', 'model', 'relationships', 'tags'])

export function createX2crmSimulator(options: X2crmSimulatorOptions): X2crmSimulator {
  const clock = options.now ?? (() => Math.floor(Date.now() / 1000))
  const maxPageSize = options.maxPageSize ?? DEFAULT_MAX_PAGE_SIZE
  const store: Store = options.store ?? createStore(options.data, clock())
  let requests = 0
  let sessions = 0
  const rateWindow = { count: 0, lastRequestAt: Number.NEGATIVE_INFINITY }

  const handle: Handler = async (request) => {
    requests++
    const url = new URL(request.url)
    const replyContext: ReplyContext = {
      requestHeaders: echoRequestHeaders(request.headers),
      sessionHeaders: sessionHeaders(++sessions),
    }
    // Media files are served by the web app, not API v2 (getFile with the record's access key).
    const file = getFileResponse(request, url, store, options.data.mediaFiles)
    if (file !== undefined) return file
    const route = resolveRoute(url.pathname)
    if (!route) {
      // Raised by the router before the API controller runs, so without the charset the controller adds.
      const reply = new ApiReply(404, `Invalid URI: ${url.pathname}${url.search}`)
      return envelope(reply, replyContext, 'application/json')
    }
    try {
      const now = clock()
      checkRateLimit(now)
      const user = authenticate(request.headers.get('authorization'), store.users, options.data)
      const method = request.method.toUpperCase()
      const allowed = allowedMethods[route.action]
      if (allowed && !allowed.includes(method)) {
        throw new ApiReply(405, `Action "${route.action}" does not support ${method}.`)
      }
      const contentType = request.headers.get('content-type')
      if (contentType !== null && !contentType.startsWith('application/json')) throw new ApiReply(415, '')
      const context = actionContext(request, url, route, user, now, method)
      if (rbacActions.has(route.action)) checkRbac(context)
      const outcome = await run(context, url.hostname)
      return toResponse(outcome, replyContext)
    } catch (error) {
      if (error instanceof ApiReply) return envelope(error, replyContext)
      throw error
    }
  }

  function checkRateLimit(now: number): void {
    const limit = options.rateLimit
    if (!limit || limit.maxRequests <= 0 || limit.intervalSeconds <= 0) return
    // X2CRM keeps the count in a cache entry whose lifetime restarts with every request.
    if (now - rateWindow.lastRequestAt >= limit.intervalSeconds) rateWindow.count = 0
    rateWindow.lastRequestAt = now
    rateWindow.count++
    if (rateWindow.count > limit.maxRequests) {
      throw new ApiReply(
        429,
        `You have made too many requests (${rateWindow.count}). Please wait at least ${limit.intervalSeconds} seconds before trying again.`,
        { 'Retry-After': String(limit.intervalSeconds) },
      )
    }
  }

  function actionContext(
    request: SimRequest,
    url: URL,
    route: Route,
    user: ApiUser,
    now: number,
    method: string,
  ): ActionContext {
    let model: Row | undefined
    let body: Promise<Record<string, unknown> | unknown[]> | undefined
    const context: ActionContext = {
      store,
      route,
      method,
      params: { ...readQueryParams(url.searchParams), ...route.injected },
      user,
      now,
      origin: url.origin,
      maxPageSize,
      body: () => (body ??= readJsonBody(request)),
      model: () => (model ??= loadModel(context)),
    }
    return context
  }

  function checkRbac(context: ActionContext): void {
    const { route } = context
    if (route.className !== undefined) requireClass(context, route.className)
    if (route.id !== undefined) context.model()
    const item = rbacItem(route.action, context.method, route)
    if (item !== undefined && context.user.access === 'noRole') {
      throw new ApiReply(403, 'You do not have permission to perform this action..')
    }
  }

  return {
    handle,
    upsert(entity, record) {
      store.put(entity, record)
    },
    remove(entity, id) {
      const info = store.classInfo(entity)
      if (info) deleteRecord(store, info, id)
    },
    requestCount: () => requests,
  }
}

async function run(context: ActionContext, hostname: string): Promise<Outcome> {
  switch (context.route.action) {
    case 'model':
      return modelAction(context)
    case 'count':
      return countAction(context)
    case 'fields':
      return fieldsAction(context)
    case 'fieldPermissions':
      return fieldPermissionsAction(context)
    case 'models':
      return modelsAction(context)
    case 'dropdowns':
      return dropdownsAction(context)
    case 'users':
      return usersAction(context)
    case 'tags':
      return tagsAction(context)
    case 'relationships':
      return relationshipsAction(context)
    case 'hooks':
      return hooksAction(context)
    case 'appInfo':
      return appInfoAction(context, hostname)
    case 'teapot':
      return teapotAction()
  }
}

function toResponse(outcome: Outcome, context: ReplyContext): Response {
  switch (outcome.kind) {
    case 'json':
      return bareJson(outcome.status, outcome.value, context, outcome.headers)
    case 'empty':
      return noContent(context)
    case 'envelope':
      return envelope(outcome.reply, context)
  }
}

/** `getJpost()`: a JSON object or array, else 400. */
async function readJsonBody(request: SimRequest): Promise<Record<string, unknown> | unknown[]> {
  let parsed: unknown
  try {
    parsed = JSON.parse(await request.text())
  } catch {
    parsed = undefined
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new ApiReply(400, 'Missing or malformed data sent to server.')
  }
  return parsed as Record<string, unknown> | unknown[]
}

/** PHP starts a session on every request: a fresh PHPSESSID cookie and no-cache headers. */
function sessionHeaders(sequence: number): Record<string, string> {
  const sessionId = (sequence * 0x9e3779b1).toString(16).padStart(8, '0').repeat(4).slice(0, 32)
  return {
    'Set-Cookie': `PHPSESSID=${sessionId}; path=/`,
    Expires: 'Thu, 19 Nov 1981 08:52:00 GMT',
    'Cache-Control': 'no-store, no-cache, must-revalidate',
    Pragma: 'no-cache',
  }
}
