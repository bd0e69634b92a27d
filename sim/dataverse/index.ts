import type { Handler } from '../serve.ts'
import { createEntraHandler } from './auth/entra.ts'
import { createTokenStore, type AppUser } from './auth/tokens.ts'
import { DataverseFault, faultResponse, jsonResponse } from './errors.ts'
import { guidFrom, newGuid } from './guid.ts'
import { parsePrefer } from './odata/prefer.ts'
import { createServiceProtection, type ProtectionLimits } from './protection.ts'
import { toEntity } from './representation.ts'
import type { ApiContext } from './routes/context.ts'
import { seedRows, tableOrThrow } from './seed.ts'
import { createStore } from './store.ts'
import { createCatalog, loadDefaultTables, type TablesJson } from './tables.ts'
import { apiPath, routeWebApi } from './web-api.ts'

export type { TablesJson } from './tables.ts'

export interface DataverseSimOptions {
  /** Used in OData-EntityId, @odata.context, nextLink and as the token audience. @default 'https://127.0.0.1' */
  origin?: string
  /** @default a fixed GUID */
  tenantId?: string
  /** Application users (client-credentials apps). @default one deterministic app user */
  appUsers?: { clientId: string; clientSecret: string; name?: string }[]
  /** Milliseconds; token expiry and service protection windows use it. @default Date.now */
  clock?: () => number
  /** Service protection limits per app user (webapi.md §5.1). */
  limits?: Partial<ProtectionLimits>
  /** Test hook: every Nth Web API request answers 429 with Retry-After. */
  throttleEvery?: number
  /** Retry-After to send on every 429. @default derived from the window (1 s for concurrency/throttleEvery) */
  retryAfterSeconds?: number
  /** Simulated execution time, counted against `limits.executionSecondsPerWindow`. @default 0 */
  executionCost?: { perRequestMs?: number; perBulkTargetMs?: number }
  /** @default sim/dataverse/tables.json */
  tables?: TablesJson
}

export interface DataverseSettings {
  /** the environment URL (origin) */
  url: string
  /** `origin + '/api/data/v9.2/'` */
  apiUrl: string
  tenantId: string
  /** `origin + '/' + tenantId`, for MSAL's `auth.authority` */
  authority: string
  clientId: string
  clientSecret: string
  /** `url + '/.default'` */
  scope: string
}

export interface DataverseSimulator {
  handle: Handler
  settings(): DataverseSettings
  /** Stores trusted rows (users, teams, pre-existing accounts) without validation. */
  seed(logicalName: string, rows: Record<string, unknown>[]): void
  /** Stored rows as the Web API reads them (lookups as `_x_value` with lookuplogicalname annotations). */
  rows(logicalName: string): Record<string, unknown>[]
  /** `byOperation` counts Web API messages: Create, Update, Upsert, Retrieve, RetrieveMultiple, Delete, CreateMultiple, … */
  stats(): { requests: number; throttled: number; byOperation: Record<string, number> }
}

const defaultTenantId = '5b1f6a43-0d36-4c1e-9a8e-3d2f6f0c0365'

/**
 * A Dataverse Web API simulator with its own Entra ID token endpoint, as a fetch-style handler.
 * @example
 * const sim = createDataverseSimulator({ origin: 'https://127.0.0.1:8443' })
 * const { authority, clientId, clientSecret, scope } = sim.settings()
 */
export function createDataverseSimulator(options: DataverseSimOptions = {}): DataverseSimulator {
  const origin = (options.origin ?? 'https://127.0.0.1').replace(/\/+$/, '')
  const apiUrl = `${origin}${apiPath}`
  const tenantId = options.tenantId ?? defaultTenantId
  const clock = options.clock ?? Date.now
  const catalog = createCatalog(options.tables ?? loadDefaultTables())
  const store = createStore()
  const organizationId = guidFrom(`organization:${origin}`)
  const businessUnitId = guidFrom(`businessunit:${organizationId}`)
  const appUsers: AppUser[] = (
    options.appUsers ?? [
      { clientId: guidFrom('x2d365-sim-app'), clientSecret: 'sim-secret~x2d365', name: undefined },
    ]
  ).map((u) => ({
    clientId: u.clientId,
    clientSecret: u.clientSecret,
    name: u.name ?? `# x2d365 ${u.clientId.slice(0, 8)}`,
    systemUserId: guidFrom(`systemuser:${u.clientId}`),
  }))
  const firstUser = appUsers[0]
  if (!firstUser) throw new Error('createDataverseSimulator: appUsers must list at least one app user')
  const tokens = createTokenStore(clock)
  const entra = createEntraHandler({ origin, tenantId, appUsers, tokens, clock })
  const protection = createServiceProtection({
    clock,
    limits: {
      requestsPerWindow: 6000,
      windowSeconds: 300,
      executionSecondsPerWindow: 1200,
      concurrent: 52,
      dopHint: 4,
      ...options.limits,
    },
    throttleEvery: options.throttleEvery,
    retryAfterSeconds: options.retryAfterSeconds,
  })
  const byOperation: Record<string, number> = {}
  let requests = 0
  const now = () => `${new Date(clock()).toISOString().slice(0, 19)}Z`
  const seed = (logicalName: string, rows: Record<string, unknown>[]) =>
    void seedRows(catalog, store, logicalName, rows, { ownerId: firstUser.systemUserId, now: now() })

  seed('businessunit', [{ businessunitid: businessUnitId, name: 'x2d365sim' }])
  seed('transactioncurrency', [
    {
      transactioncurrencyid: guidFrom(`currency:USD:${organizationId}`),
      isocurrencycode: 'USD',
      currencyname: 'US Dollar',
      currencysymbol: '$',
      currencyprecision: 2,
      exchangerate: 1,
    },
  ])
  seed(
    'systemuser',
    appUsers.map((u) => ({
      systemuserid: u.systemUserId,
      fullname: u.name,
      applicationid: u.clientId,
      _businessunitid_value: businessUnitId,
      accessmode: 4,
      isdisabled: false,
      domainname: `${u.clientId}@sim.local`,
    })),
  )

  async function handleWebApi(request: Request): Promise<Response> {
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1]
    const user = token === undefined ? undefined : tokens.verify(token)
    if (!user) return withHeaders(unauthorized(origin, tenantId), protection.headers(undefined))
    requests++
    let admission
    try {
      admission = protection.admit(user.clientId)
    } catch (error) {
      return withHeaders(toResponse(error), protection.headers(user.clientId))
    }
    let costMs = options.executionCost?.perRequestMs ?? 0
    const context: ApiContext = {
      catalog,
      store,
      clock,
      apiUrl,
      organizationId,
      user,
      caller: { systemUserId: user.systemUserId, businessUnitId },
      prefer: parsePrefer(request.headers.get('prefer')),
      count: (operation) => void (byOperation[operation] = (byOperation[operation] ?? 0) + 1),
      addCost: (ms) => void (costMs += ms),
    }
    let response: Response
    try {
      response = await routeWebApi(context, request, {
        perTargetMs: options.executionCost?.perBulkTargetMs ?? 0,
      })
    } catch (error) {
      response = toResponse(error)
    } finally {
      admission.release(costMs)
    }
    return withHeaders(response, protection.headers(user.clientId))
  }

  return {
    async handle(request) {
      const { pathname } = new URL(request.url)
      if (pathname.startsWith(apiPath)) return handleWebApi(request)
      return (
        (await entra(request)) ??
        new Response('Not Found', { status: 404, headers: { 'content-type': 'text/plain' } })
      )
    },
    settings: () => ({
      url: origin,
      apiUrl,
      tenantId,
      authority: `${origin}/${tenantId}`,
      clientId: firstUser.clientId,
      clientSecret: firstUser.clientSecret,
      scope: `${origin}/.default`,
    }),
    seed,
    rows(logicalName) {
      const table = tableOrThrow(catalog, logicalName)
      return store.list(logicalName).map((row) => toEntity(table, row, { annotations: true }))
    },
    stats: () => ({ requests, throttled: protection.stats().throttled, byOperation: { ...byOperation } }),
  }
}

function toResponse(error: unknown): Response {
  if (error instanceof DataverseFault) return faultResponse(error)
  const message = error instanceof Error ? error.message : String(error)
  return jsonResponse(500, { error: { code: '0x80040216', message: `Simulator failure: ${message}` } })
}

/**
 * Dataverse answers a missing or bad bearer token with 401 and a WWW-Authenticate challenge
 * naming the authority; the body uses the normal error JSON here (webapi.md §1.2). The code is [U].
 */
function unauthorized(origin: string, tenantId: string): Response {
  return jsonResponse(
    401,
    {
      error: {
        code: '0x80072560',
        message: 'The user is not authenticated: the bearer token is missing, expired or unknown.',
      },
    },
    {
      'www-authenticate': `Bearer authorization_uri=${origin}/${tenantId}/oauth2/authorize, resource_id=${origin}/`,
    },
  )
}

function withHeaders(response: Response, headers: Record<string, string>): Response {
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value)
  response.headers.set('x-ms-service-request-id', newGuid())
  return response
}
