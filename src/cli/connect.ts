import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { RunConfig } from '../config/config.ts'
import { ConfigError } from '../errors.ts'
import { createPooledFetch, type ClosableFetch } from '../http/pooled-fetch.ts'
import type { FixStore } from '../ledger/fix-store.ts'
import type { Ledger } from '../ledger/ledger.ts'
import { openLedger } from '../ledger/open-ledger.ts'
import { isPostgresUrl } from '../ledger-location.ts'
import { assertUsablePaths } from '../paths.ts'
import type { Emit } from '../run/events.ts'
import { createX2crmClient } from '../source/x2crm/client.ts'
import { createMysqlSource, type MysqlSource } from '../source/x2crm/mysql/source.ts'
import { apiRelated, type RelatedReaders } from '../source/x2crm/related.ts'
import { databaseRelated } from '../source/x2crm/mysql/related.ts'
import type { X2crmSource } from '../source/x2crm/types.ts'
import { withSalesClasses } from '../source/x2crm/sales-classes.ts'
import { withFixes } from '../run/with-fixes.ts'
import { createAppUserTarget, type AppUserTarget } from '../target/dataverse/app-user.ts'
import { createMsalTokenProvider } from '../target/dataverse/auth.ts'
import { createDataverseClient } from '../target/dataverse/client.ts'
import { createDataverseMetadataClient, type DataverseMetadata } from '../target/dataverse/metadata.ts'
import type { DataverseBulkTarget, DataverseTarget } from '../target/dataverse/types.ts'

/*
 * The only place that wires outside systems together: X2CRM (API or database), Dataverse (per application user,
 * through one keep-alive pool), the ledger. Each function returns what one kind of command needs, with a `close`
 * that releases all of it; commands open them through `withSession` (session.ts), which always closes.
 */

type OnRetry = (info: {
  status: number | 'network'
  waitMs: number
  attempt: number
  reason?: string
  method?: string
  /** Redacted. */
  url?: string
}) => void

export interface Connections {
  /** X2CRM with the fixes stored in the ledger applied (`x2d365 fix`): what runs read. */
  source: X2crmSource
  /** X2CRM as it is, for checking new fixes. */
  unfixedSource: X2crmSource
  /** List members (database only), relationships and tags, for the steps after the load. */
  related: RelatedReaders
  /** Reads, through the first application user. */
  target: DataverseBulkTarget
  /** Every application user, each with its own token and its own service-protection limiter. */
  writers: AppUserTarget[]
  /** Tables, columns and keys, through the first application user. */
  metadata: DataverseMetadata
  ledger: Ledger
  /** Closes the ledger and releases what the connections hold (the database pool, the HTTP pool). */
  close: () => Promise<void>
}

/** Everything a run uses, from a trusted config: X2CRM, every application user of Dataverse, the ledger. */
export function connect(
  config: RunConfig,
  emit: Emit,
  opened?: Ledger,
  /**
   * `ledgerOnThread`: a SQLite ledger runs on a thread of its own (thread-ledger.ts), for the commands that write
   * an outcome per record (migrate, delta), so SQLite's writes do not stop the run's thread.
   */
  options: { ledgerOnThread?: boolean } = {},
): Connections {
  const onRetry: OnRetry = (info) =>
    emit({
      type: 'request.retry',
      status: info.status,
      waitMs: info.waitMs,
      attempt: info.attempt,
      reason: info.reason,
      ...(info.url !== undefined && { request: `${info.method ?? ''} ${info.url}`.trim() }),
    })
  // One keep-alive pool for every application user; no affinity cookie is kept, so requests spread across servers.
  const pool = poolFor(config, 52)
  const appUsers = [
    { clientId: config.target.clientId, clientSecret: config.target.clientSecret },
    ...(config.target.additionalAppUsers ?? []),
  ]
  const writers = appUsers.map((user) =>
    createAppUserTarget({
      name: user.clientId,
      url: config.target.url,
      fetch: pool,
      getToken: tokenProvider(config, user, pool),
      onRetry,
      onThrottle: (info) =>
        emit({ type: 'user.throttled', user: info.user, retryAfterMs: info.retryAfterMs, limit: info.limit }),
    }),
  )
  const [first] = writers
  if (first === undefined) throw new ConfigError(['target.dataverse: no application user configured'])
  if (opened === undefined && !isPostgresUrl(config.run.ledgerPath)) {
    assertUsablePaths([{ path: config.run.ledgerPath, what: 'run.ledger', kind: 'file' }])
    mkdirSync(dirname(config.run.ledgerPath), { recursive: true })
  }
  // The fixes are read when a class is read, by then the ledger below is open.
  const source = connectSource(config, emit, onRetry, { current: () => ledger.fixes.current() })
  // A ledger the caller opened already (a distributed run's, shared with its job queue) is used as it is.
  const ledger = opened ?? openLedger(config.run.ledgerPath, {}, options)
  return {
    source: source.source,
    unfixedSource: source.unfixed,
    related: source.related,
    target: first.target,
    writers,
    metadata: createDataverseMetadataClient({
      url: config.target.url,
      fetch: pool,
      getToken: tokenProvider(config, config.target, pool),
    }),
    ledger,
    close: async () => {
      await ledger.close()
      await source.close()
      await pool.close()
    },
  }
}

export interface ReadOnlyConnections {
  /** X2CRM with the ledger's fixes applied, read from the ledger's file (no ledger is opened). */
  source: X2crmSource
  /** Dataverse through the first application user, to read only; absent offline. */
  dataverse?: DataverseReader
  close: () => Promise<void>
}

/** Dataverse for commands that only read it: queries (users) and the tables' metadata. */
export interface DataverseReader {
  /** Only the query: what holds it has no way to write. */
  target: Pick<DataverseTarget, 'query'>
  metadata: DataverseMetadata
}

/**
 * What `validate` reads, writing nowhere: X2CRM, and Dataverse to read unless offline (then its secret is not even
 * needed). No ledger is opened, so none is created.
 */
export function connectReadOnly(
  config: RunConfig,
  emit: Emit,
  options: { offline: boolean },
): ReadOnlyConnections {
  const source = connectSource(config, emit, (info) => emit({ type: 'request.retry', ...info }))
  if (options.offline) return { source: source.source, close: source.close }
  const dataverse = connectMetadata(config)
  return {
    source: source.source,
    dataverse,
    close: async () => {
      await source.close()
      await dataverse.close()
    },
  }
}

/** Dataverse to read and to change its schema (`schema apply`), through the first application user. */
export function connectMetadata(config: RunConfig): DataverseReader & { close: () => Promise<void> } {
  const pool = poolFor(config, 4)
  const getToken = tokenProvider(config, config.target, pool)
  const client = createDataverseClient({ url: config.target.url, fetch: pool, getToken })
  return {
    target: { query: (entitySet, options) => client.query(entitySet, options) },
    metadata: createDataverseMetadataClient({ url: config.target.url, fetch: pool, getToken }),
    close: () => pool.close(),
  }
}

/** The X2CRM database alone, for what only it holds (X2Flow, processes, layouts): `docs`. */
export function connectDatabase(mysql: NonNullable<RunConfig['source']['mysql']>): MysqlSource {
  return createMysqlSource({ url: mysql.url, password: mysql.password, passwordEnv: mysql.passwordEnv })
}

/** The ledger alone, for what reads only what runs recorded (`report`). */
export function connectLedger(path: string): Ledger {
  return openLedger(path, { readonly: true })
}

/**
 * The database when one is configured (faster, and it sees the private records API lists hide), else the API; read
 * with the fixes stored in the ledger (`x2d365 fix`) applied, and `unfixed` as X2CRM has it.
 */
export function connectSource(
  config: RunConfig,
  emit: Emit,
  onRetry: OnRetry,
  fixes: Pick<FixStore, 'current'> = fixesIn(config.run.ledgerPath),
): { source: X2crmSource; unfixed: X2crmSource; related: RelatedReaders; close: () => Promise<void> } {
  const { source, related, close } = connectX2crm(config, emit, onRetry)
  return { source: withFixes(source, fixes, emit), unfixed: source, related, close }
}

/** The fixes of the ledger at `path`, read when asked; none when there is no ledger there yet. */
function fixesIn(path: string): Pick<FixStore, 'current'> {
  return {
    current: async () => {
      if (!isPostgresUrl(path) && !existsSync(path)) return []
      const ledger = openLedger(path, { readonly: true })
      try {
        return await ledger.fixes.current()
      } finally {
        await ledger.close()
      }
    },
  }
}

function connectX2crm(
  config: RunConfig,
  emit: Emit,
  onRetry: OnRetry,
): { source: X2crmSource; related: RelatedReaders; close: () => Promise<void> } {
  const { mysql, x2crm } = config.source
  if (mysql !== undefined) {
    const source = createMysqlSource({
      url: mysql.url,
      password: mysql.password,
      passwordEnv: mysql.passwordEnv,
      ...(mysql.tables && { tables: mysql.tables }),
      ...(mysql.pagesAtOnce !== undefined && { pagesAtOnce: mysql.pagesAtOnce }),
      onNotice: (notice) => emit({ type: 'source.notice', ...notice }),
    })
    emit({ type: 'source.chosen', source: 'database', detail: mysql.url })
    const related = databaseRelated(source)
    // Product prices and quote lines (x2_quotes_products) read as classes of their own.
    return { source: withSalesClasses(source, source), related, close: () => source.close() }
  }
  if (x2crm === undefined) throw new ConfigError(['source: configure source.x2crm or source.mysql'])
  emit({ type: 'source.chosen', source: 'api', detail: x2crm.url })
  const source = createX2crmClient({
    url: x2crm.url,
    username: x2crm.username,
    apiKey: x2crm.apiKey,
    fetch,
    onRetry,
  })
  // API v2 has no list members (x2_list_items is database-only); tags are read one record at a time.
  const related = apiRelated(source)
  // API v2 has no quote lines (api.md §1.3): quotes load without them.
  return { source: withSalesClasses(source), related, close: async () => undefined }
}

/** A keep-alive pool to Dataverse, trusting the configured certificate (the simulator's) when there is one. */
function poolFor(config: RunConfig, connections: number): ClosableFetch {
  return createPooledFetch({
    connections,
    ...(config.target.caFile === undefined ? {} : { ca: readCa(config.target.caFile) }),
  })
}

/** An application user's tokens from Entra ID (MSAL, client credentials). */
function tokenProvider(
  config: RunConfig,
  user: { clientId: string; clientSecret: string },
  fetch: ClosableFetch,
): (options?: { forceRefresh?: boolean }) => Promise<string> {
  return createMsalTokenProvider({
    authority: config.target.authority,
    clientId: user.clientId,
    clientSecret: user.clientSecret,
    scope: `${config.target.url}/.default`,
    fetch,
  }).getToken
}

function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigError([
      `target.dataverse.caFile: cannot read ${path} (${error instanceof Error ? error.message : String(error)})`,
    ])
  }
}
