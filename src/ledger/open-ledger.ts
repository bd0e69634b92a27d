import type { Ledger } from './ledger.ts'
import { openPostgresLedger } from './postgres.ts'
import { isPostgresUrl } from '../ledger-location.ts'
import { createSqliteLedger, type SqliteLedgerOptions } from './sqlite.ts'

/**
 * The ledger `run.ledger` names: a PostgreSQL ledger for a `postgres://` URL (distributed runs: every machine shares
 * it), else the SQLite file. A PostgreSQL ledger is opened read-write also for `readonly` callers (it only upgrades
 * its schema, as every worker does).
 */
export function openLedger(location: string, options: SqliteLedgerOptions = {}): Ledger {
  return isPostgresUrl(location) ? openPostgresLedger(location) : createSqliteLedger(location, options)
}
