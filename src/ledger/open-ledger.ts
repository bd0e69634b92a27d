import type { Ledger } from './ledger.ts'
import { openPostgresLedger } from './postgres.ts'
import { isPostgresUrl } from '../ledger-location.ts'
import { createSqliteLedger, type SqliteLedgerOptions } from './sqlite.ts'
import { createThreadLedger } from './thread-ledger.ts'

/**
 * The ledger `run.ledger` names: a PostgreSQL ledger for a `postgres://` URL (distributed runs: every machine shares
 * it), else the SQLite file. A PostgreSQL ledger is opened read-write also for `readonly` callers (it only upgrades
 * its schema, as every worker does).
 */
export function openLedger(
  location: string,
  options: SqliteLedgerOptions = {},
  /**
   * A writable SQLite ledger on a thread of its own (thread-ledger.ts). `X2D365_LEDGER_THREAD=off` in the environment
   * keeps it on the calling thread (to compare, or where worker threads are not allowed). @default false
   */
  { ledgerOnThread = false }: { ledgerOnThread?: boolean } = {},
): Ledger {
  if (isPostgresUrl(location)) return openPostgresLedger(location)
  const onThread = ledgerOnThread && process.env['X2D365_LEDGER_THREAD'] !== 'off'
  return onThread && options.readonly !== true
    ? createThreadLedger(location, options)
    : createSqliteLedger(location, options)
}
