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
import type { DataverseTarget } from '../target/dataverse/types.ts'

export interface Connections {
  source: X2crmSource
  target: DataverseTarget
  ledger: Ledger
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
  return {
    source: createX2crmClient({
      url: config.source.url,
      username: config.source.username,
      apiKey: config.source.apiKey,
      fetch,
      onRetry,
    }),
    target: createDataverseClient({ url: config.target.url, fetch: targetFetch, getToken, onRetry }),
    ledger: createSqliteLedger(config.run.ledgerPath),
  }
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
