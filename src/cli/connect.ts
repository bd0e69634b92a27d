import { existsSync, readFileSync } from 'node:fs'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { RunConfig } from '../config/config.ts'
import { ConfigError } from '../errors.ts'
import { createPooledFetch } from '../http/pooled-fetch.ts'
import { createSqliteLedger } from '../ledger/sqlite.ts'
import type { FixStore } from '../ledger/fix-store.ts'
import type { Ledger } from '../ledger/ledger.ts'
import type { Emit } from '../run/events.ts'
import { createX2crmClient } from '../source/x2crm/client.ts'
import type { X2crmSource } from '../source/x2crm/types.ts'
import { createMsalTokenProvider } from '../target/dataverse/auth.ts'
import { createAppUserTarget, type AppUserTarget } from '../target/dataverse/app-user.ts'
import type { DataverseBulkTarget } from '../target/dataverse/types.ts'
import { createDataverseMetadataClient } from '../target/dataverse/metadata.ts'
import type { TargetSchema } from '../mapping/schemas.ts'
import { readTargetSchema } from '../schema/read-target-schema.ts'
import { createMysqlSource } from '../source/x2crm/mysql/source.ts'
import { withFixes } from '../run/with-fixes.ts'

export interface Connections {
  /** X2CRM with the fixes stored in the ledger applied (`x2d365 fix`): what runs read. */
  source: X2crmSource
  /** X2CRM as it is, for checking new fixes. */
  unfixedSource: X2crmSource
  /** Reads, through the first application user. */
  target: DataverseBulkTarget
  /** Every application user, each with its own token and its own service-protection limiter. */
  writers: AppUserTarget[]
  ledger: Ledger
  /** The environment's metadata of the named tables (through the first application user), to check rows by. */
  readTables: (names: Iterable<string>) => Promise<TargetSchema>
  /** Releases what the connections hold (the database pool, the HTTP pool). */
  close: () => Promise<void>
}

/** Builds the real clients from a trusted config. The only place that wires outside systems together. */
export function connect(config: RunConfig, emit: Emit): Connections {
  const onRetry = (info: { status: number | 'network'; waitMs: number; attempt: number }) =>
    emit({ type: 'request.retry', status: info.status, waitMs: info.waitMs, attempt: info.attempt })
  // One keep-alive pool for every application user; no affinity cookie is kept, so requests spread across servers.
  const pool = createPooledFetch({
    connections: 52,
    ...(config.target.caFile === undefined ? {} : { ca: readCa(config.target.caFile) }),
  })
  const appUsers = [
    { clientId: config.target.clientId, clientSecret: config.target.clientSecret },
    ...(config.target.additionalAppUsers ?? []),
  ]
  const writers = appUsers.map((user) =>
    createAppUserTarget({
      name: user.clientId,
      url: config.target.url,
      fetch: pool,
      getToken: createMsalTokenProvider({
        authority: config.target.authority,
        clientId: user.clientId,
        clientSecret: user.clientSecret,
        scope: `${config.target.url}/.default`,
        fetch: pool,
      }).getToken,
      onRetry,
      onThrottle: (info) =>
        emit({ type: 'user.throttled', user: info.user, retryAfterMs: info.retryAfterMs, limit: info.limit }),
    }),
  )
  const [first] = writers
  if (first === undefined) throw new ConfigError(['target.dataverse: no application user configured'])
  mkdirSync(dirname(config.run.ledgerPath), { recursive: true })
  // The fixes are read when a class is read, by then the ledger below is open.
  const source = connectSource(config, emit, onRetry, { current: () => ledger.fixes.current() })
  const ledger = createSqliteLedger(config.run.ledgerPath)
  const metadata = createDataverseMetadataClient({
    url: config.target.url,
    fetch: pool,
    getToken: createMsalTokenProvider({
      authority: config.target.authority,
      clientId: config.target.clientId,
      clientSecret: config.target.clientSecret,
      scope: `${config.target.url}/.default`,
      fetch: pool,
    }).getToken,
    onRetry,
  })
  return {
    readTables: (names) => readTargetSchema(metadata, names),
    source: source.source,
    unfixedSource: source.unfixed,
    target: first.target,
    writers,
    ledger,
    close: async () => {
      await source.close()
      await pool.close()
    },
  }
}

/**
 * The database when one is configured (faster, and it sees the private records API lists hide), else the API; read
 * with the fixes stored in the ledger (`x2d365 fix`) applied, and `unfixed` as X2CRM has it.
 */
export function connectSource(
  config: RunConfig,
  emit: Emit,
  onRetry: (info: { status: number | 'network'; waitMs: number; attempt: number }) => void,
  fixes: Pick<FixStore, 'current'> = fixesIn(config.run.ledgerPath),
): { source: X2crmSource; unfixed: X2crmSource; close: () => Promise<void> } {
  const { source, close } = connectX2crm(config, emit, onRetry)
  return { source: withFixes(source, fixes, emit), unfixed: source, close }
}

/** The fixes of the ledger at `path`, read when asked; none when there is no ledger there yet. */
function fixesIn(path: string): Pick<FixStore, 'current'> {
  return {
    current: async () => {
      if (!existsSync(path)) return []
      const ledger = createSqliteLedger(path)
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
  onRetry: (info: { status: number | 'network'; waitMs: number; attempt: number }) => void,
): { source: X2crmSource; close: () => Promise<void> } {
  const { mysql, x2crm } = config.source
  if (mysql !== undefined) {
    const source = createMysqlSource({
      url: mysql.url,
      password: mysql.password,
      passwordEnv: mysql.passwordEnv,
      ...(mysql.tables && { tables: mysql.tables }),
      onNotice: (notice) => emit({ type: 'source.notice', ...notice }),
    })
    emit({ type: 'source.chosen', source: 'database', detail: mysql.url })
    return { source, close: () => source.close() }
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
  return { source, close: async () => undefined }
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
