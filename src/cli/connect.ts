import { readFileSync } from 'node:fs'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { RunConfig } from '../config/config.ts'
import { ConfigError } from '../errors.ts'
import { createTrustingFetch, type Fetch } from '../http/trusting-fetch.ts'
import { createSqliteLedger } from '../ledger/sqlite.ts'
import type { Ledger } from '../ledger/ledger.ts'
import type { Emit } from '../run/events.ts'
import { createX2crmClient } from '../source/x2crm/client.ts'
import type { X2crmSource } from '../source/x2crm/types.ts'
import { createMsalTokenProvider } from '../target/dataverse/auth.ts'
import { createDataverseClient } from '../target/dataverse/client.ts'
import type { DataverseBulkTarget } from '../target/dataverse/types.ts'
import { createMysqlSource } from '../source/x2crm/mysql/source.ts'

export interface Connections {
  source: X2crmSource
  target: DataverseBulkTarget
  ledger: Ledger
  /** Releases what the connections hold (the database pool). */
  close: () => Promise<void>
}

/** Builds the real clients from a trusted config. The only place that wires outside systems together. */
export function connect(config: RunConfig, emit: Emit): Connections {
  const onRetry = (info: { status: number | 'network'; waitMs: number; attempt: number }) =>
    emit({ type: 'request.retry', status: info.status, waitMs: info.waitMs, attempt: info.attempt })
  const targetFetch: Fetch = config.target.caFile ? createTrustingFetch(readCa(config.target.caFile)) : fetch
  const { getToken } = createMsalTokenProvider({
    authority: config.target.authority,
    clientId: config.target.clientId,
    clientSecret: config.target.clientSecret,
    scope: `${config.target.url}/.default`,
    fetch: targetFetch,
  })
  mkdirSync(dirname(config.run.ledgerPath), { recursive: true })
  const { source, close } = connectSource(config, emit, onRetry)
  return {
    source,
    target: createDataverseClient({ url: config.target.url, fetch: targetFetch, getToken, onRetry }),
    ledger: createSqliteLedger(config.run.ledgerPath),
    close,
  }
}

/**
 * The database when one is configured (faster, and it sees the private records API lists hide), else the API.
 */
function connectSource(
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
