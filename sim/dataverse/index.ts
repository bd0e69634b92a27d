import type { Handler, SimRequest } from '../serve.ts'
import { createEntraHandler } from './auth/entra.ts'
import { createTokenStore, type AppUser } from './auth/tokens.ts'
import { runBatch } from './batch/run-batch.ts'
import {
  bulkTargetCostMs,
  defaultCostModel,
  freeCostModel,
  operationCostMs,
  realLatency,
  type CostModel,
  type Latency,
} from './costs.ts'
import { DataverseFault, faultResponse, jsonResponse, textOf } from './errors.ts'
import {
  connectionReset,
  createFaultPlan,
  slowBody,
  throttledResponse,
  unavailableResponse,
  type FaultCounts,
  type FaultRule,
} from './faults.ts'
import { guidFrom, newGuid } from './guid.ts'
import { createKeyIndex } from './metadata/keys.ts'
import { resolveAlternateKey, type SchemaSettings } from './metadata/schema.ts'
import { createColumnIndex } from './odata/column-index.ts'
import { parsePrefer } from './odata/prefer.ts'
import { defaultMaxUploadBytes, organizationTable } from './organization.ts'
import { publisherTable, solutionTable } from './solutions.ts'
import { createServiceProtection, type ProtectionLimits } from './protection.ts'
import { toEntity } from './representation.ts'
import type { ApiContext } from './routes/context.ts'
import type { RecordCountSnapshots } from './routes/record-count.ts'
import {
  advanceBulkDeleteJobs,
  asyncOperationTable,
  bulkDeleteOperationTable,
  type BulkDeleteJobs,
} from './routes/bulk-delete.ts'
import { seedRows, tableOrThrow } from './seed.ts'
import { createStore } from './store.ts'
import { createCatalog, loadDefaultTables, type TablesJson } from './tables.ts'
import type { Caller } from './write/apply.ts'
import { apiPath, routeWebApi } from './web-api.ts'

export type { TablesJson } from './tables.ts'
export type { CostModel, Latency } from './costs.ts'
export { defaultCostModel, realLatency } from './costs.ts'
export type { FaultCounts, FaultKind, FaultRule } from './faults.ts'
export { isConnectionReset } from './faults.ts'

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
  /**
   * Execution time per operation (see costs.ts for each number's source). Given (even `{}`), or
   * when `latency` is set, operations cost `defaultCostModel` merged with this and count against
   * the execution-time limit. @default off: operations cost nothing
   */
  costModel?: Partial<CostModel>
  /**
   * Makes each Web API request take its simulated time (round trip + execution), holding its
   * concurrency slot meanwhile. Tests pass a sleep that advances their fake clock; the demo
   * and benchmarks pass `realLatency`. @default none: answers at once
   */
  latency?: Latency
  /** Faults to inject (429, 503, connection resets, latency, slow bodies, token expiry). @default none */
  faults?: FaultRule[]
  /** Draws the faults' `probability` and latency jitter: a seeded one replays a storm. @default Math.random */
  faultRandom?: () => number
  /** The solution publisher's customization prefix new schema names must start with. @default 'new' */
  customizationPrefix?: string
  /** Seconds a new alternate key stays Pending before it is Active, on `clock`. @default 0 */
  keyActivationSeconds?: number
  /**
   * The organization row's starting maxuploadfilesize, on note and attachment Base64 text
   * (PATCH organizations(id) changes it). @default 5242880
   */
  maxUploadBytes?: number
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
  /** Injects a fault into the next Web API request that matches (`rule.match`, or any). */
  injectFault(rule: Omit<FaultRule, 'every' | 'at' | 'probability'>): void
  /** The faults injected so far, per kind. */
  faultCounts(): FaultCounts
  /** Every bearer token issued so far stops working (401 until the client gets a new one). */
  expireTokens(): void
  /** Simulated execution time booked so far, in ms (all users). */
  executionMs(): number
}

const defaultTenantId = '5b1f6a43-0d36-4c1e-9a8e-3d2f6f0c0365'

/**
 * `count` deterministic application users (client-credentials apps); the first is the default one.
 * Service protection limits apply to each separately (webapi.md §5.1).
 */
export function simAppUsers(count: number): { clientId: string; clientSecret: string; name?: string }[] {
  return Array.from({ length: count }, (_, i) =>
    i === 0
      ? { clientId: guidFrom('x2d365-sim-app'), clientSecret: 'sim-secret~x2d365' }
      : { clientId: guidFrom(`x2d365-sim-app-${i + 1}`), clientSecret: `sim-secret~x2d365-${i + 1}` },
  )
}

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
  if (!catalog.byName('organization')) catalog.addTable('organization', organizationTable)
  if (!catalog.byName('publisher')) catalog.addTable('publisher', publisherTable)
  if (!catalog.byName('solution')) catalog.addTable('solution', solutionTable)
  if (!catalog.byName('asyncoperation')) catalog.addTable('asyncoperation', asyncOperationTable)
  if (!catalog.byName('bulkdeleteoperation'))
    catalog.addTable('bulkdeleteoperation', bulkDeleteOperationTable)
  const store = createStore()
  const organizationId = guidFrom(`organization:${origin}`)
  const businessUnitId = guidFrom(`businessunit:${organizationId}`)
  const appUsers: AppUser[] = (options.appUsers ?? simAppUsers(1)).map((u) => ({
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

  const baseCurrencyId = guidFrom(`currency:USD:${organizationId}`)
  seed('businessunit', [{ businessunitid: businessUnitId, name: 'x2d365sim' }])
  seed('transactioncurrency', [
    {
      transactioncurrencyid: baseCurrencyId,
      isocurrencycode: 'USD',
      currencyname: 'US Dollar',
      currencysymbol: '$',
      currencyprecision: 2,
      exchangerate: 1,
    },
  ])
  seed('organization', [
    {
      organizationid: organizationId,
      name: 'x2d365sim',
      maxuploadfilesize: options.maxUploadBytes ?? defaultMaxUploadBytes,
      _basecurrencyid_value: baseCurrencyId,
    },
  ])
  // The Default solution and its publisher, whose prefix metadata writes without a solution use.
  const defaultPublisherId = guidFrom(`publisher:default:${organizationId}`)
  seed('publisher', [
    {
      publisherid: defaultPublisherId,
      uniquename: 'DefaultPublisherx2d365sim',
      friendlyname: 'Default Publisher for x2d365sim',
      customizationprefix: options.customizationPrefix ?? 'new',
      customizationoptionvalueprefix: 10000,
    },
  ])
  seed('solution', [
    {
      solutionid: guidFrom(`solution:default:${organizationId}`),
      uniquename: 'Default',
      friendlyname: 'Default Solution',
      _publisherid_value: defaultPublisherId,
      version: '1.0',
      ismanaged: false,
    },
  ])
  const maxUploadBytes = () => {
    const value = store.get('organization', organizationId)?.values.maxuploadfilesize
    return typeof value === 'number' ? value : defaultMaxUploadBytes
  }
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

  const costModel: CostModel | undefined =
    options.costModel !== undefined || options.latency !== undefined
      ? { ...defaultCostModel, ...options.costModel }
      : undefined
  const model = costModel ?? freeCostModel
  const faultPlan = createFaultPlan(options.faults, options.faultRandom)
  const keys = createKeyIndex(store, (name) => catalog.byName(name))
  const columns = createColumnIndex(store)
  const schema: SchemaSettings = {
    customizationPrefix: options.customizationPrefix ?? 'new',
    optionValuePrefix: 10000,
    keyActivationSeconds: options.keyActivationSeconds ?? 0,
    globalOptionSets: new Map(),
    clock,
  }
  let executionMs = 0
  const recordCounts: RecordCountSnapshots = new Map()
  const bulkDeleteJobs: BulkDeleteJobs = []

  /** Runs one Web API request (top-level or a `$batch` part) for an authenticated app user. */
  async function executeOne(
    request: SimRequest,
    user: AppUser,
    meter: { ms: number },
    inBatch: boolean,
  ): Promise<Response> {
    try {
      const caller = impersonate(request, user)
      const resource = decodeURIComponent(new URL(request.url).pathname.slice(apiPath.length))
      if (resource === '$batch') {
        if (inBatch)
          throw new DataverseFault(400, '0x80060888', 'A batch request cannot contain another batch request.')
        return await runBatch(request, {
          origin,
          apiUrl,
          store,
          execute: (inner) => executeOne(inner, user, meter, true),
        })
      }
      const context: ApiContext = {
        catalog,
        store,
        clock,
        apiUrl,
        organizationId,
        user,
        caller,
        keys,
        columns,
        schema,
        maxUploadBytes: maxUploadBytes(),
        resolveKey(table, key) {
          const resolved = resolveAlternateKey(table, key, keys, clock())
          if (resolved.id === undefined) {
            throw new DataverseFault(
              404,
              '0x80040217',
              `A record with the specified key values does not exist in ${table.logicalName} entity`,
            )
          }
          return resolved.id
        },
        prefer: parsePrefer(request.headers.get('prefer')),
        recordCounts,
        bulkDeleteJobs,
        count: (operation) => {
          byOperation[operation] = (byOperation[operation] ?? 0) + 1
          meter.ms += operationCostMs(model, operation, inBatch)
        },
        addCost: (ms) => void (meter.ms += ms),
      }
      if (bulkDeleteJobs.length > 0) advanceBulkDeleteJobs(context, bulkDeleteJobs)
      return await routeWebApi(context, request, {
        perTargetMs: (message) =>
          bulkTargetCostMs(model, message) + (options.executionCost?.perBulkTargetMs ?? 0),
      })
    } catch (error) {
      const response = toResponse(error)
      if (inBatch) response.headers.set('req_id', newGuid())
      return response
    }
  }

  /**
   * `CallerObjectId` (Entra object id) or `MSCRMCallerID` (systemuserid) impersonates a user:
   * owner and createdby become that user, createdonbehalfby the app user (webapi.md §7.2).
   */
  function impersonate(request: SimRequest, user: AppUser): Caller {
    const self: Caller = { systemUserId: user.systemUserId, businessUnitId }
    const objectId = request.headers.get('callerobjectid')?.trim().toLowerCase()
    const systemUserId = request.headers.get('mscrmcallerid')?.trim().toLowerCase()
    if (!objectId && !systemUserId) return self
    const target = store
      .list('systemuser')
      .find((row) =>
        objectId
          ? textOf(row.values.azureactivedirectoryobjectid ?? '').toLowerCase() === objectId
          : row.id === systemUserId,
      )
    if (!target || target.values.isdisabled === true) {
      // [U] code and text: Dataverse refuses to act for a user it cannot find (403).
      throw new DataverseFault(
        403,
        '0x80040220',
        objectId
          ? `No enabled systemuser has azureactivedirectoryobjectid ${objectId} (CallerObjectId header): cannot impersonate it. Create or enable the user, or remove the header.`
          : `No enabled systemuser has systemuserid ${systemUserId} (MSCRMCallerID header): cannot impersonate it.`,
      )
    }
    return {
      systemUserId: target.id,
      businessUnitId: target.lookups.businessunitid?.id ?? businessUnitId,
      onBehalfOf: user.systemUserId,
    }
  }

  async function handleWebApi(request: SimRequest): Promise<Response> {
    const injected = faultPlan.next(request)
    for (const fault of injected) {
      if (fault.kind === 'reset' && fault.afterApply !== true) throw connectionReset()
      if (fault.kind === 'expire-tokens') tokens.expireAll()
      if (fault.kind === 'unavailable') return unavailableResponse(fault.retryAfterSeconds)
      if (fault.kind === 'throttle') return throttledResponse(fault.retryAfterSeconds)
    }
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
    const meter = { ms: options.executionCost?.perRequestMs ?? 0 }
    let response: Response
    try {
      response = await executeOne(request, user, meter, false)
      const extra = injected.reduce((sum, f) => sum + (f.kind === 'latency' ? (f.ms ?? 1000) : 0), 0)
      const wait = (costModel ? model.roundTripMs + meter.ms : 0) + extra
      if (wait > 0 && (options.latency || extra > 0)) await (options.latency ?? realLatency).sleep(wait)
    } finally {
      executionMs += meter.ms
      admission.release(meter.ms)
    }
    // The write happened; only its answer is lost.
    if (injected.some((f) => f.kind === 'reset' && f.afterApply === true)) throw connectionReset()
    const slow = injected.find((f) => f.kind === 'slow-body')
    if (slow) response = await slowBody(response, slow.ms ?? 50, options.latency ?? realLatency)
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
    injectFault: (rule) => faultPlan.once(rule),
    faultCounts: () => faultPlan.counts(),
    expireTokens: () => tokens.expireAll(),
    executionMs: () => executionMs,
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
