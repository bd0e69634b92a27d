import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { Ledger } from '../../src/ledger/ledger.ts'
import { createPostgresLedger } from '../../src/ledger/postgres.ts'

/** The machine's PostgreSQL: trust auth on 127.0.0.1 (`.ci/run` installs and starts it). */
export const POSTGRES_URL =
  process.env['X2D365_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'

/**
 * Whether a PostgreSQL server answers at {@link POSTGRES_URL}. When none does, the suites that need one are skipped
 * and say so once (CI starts the server, so there they always run).
 */
export async function postgresAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } catch (error) {
    console.warn(
      `PostgreSQL suites skipped: no server answered at ${POSTGRES_URL} ` +
        `(${error instanceof Error ? error.message : String(error)}); .ci/run starts one`,
    )
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

/** A schema name no other test uses. */
export function scratchSchema(label: string): string {
  return `x2d365_test_${label.replace(/\W/g, '_')}_${process.pid}_${randomBytes(4).toString('hex')}`
}

/** `POSTGRES_URL` with `?schema=`. */
export function ledgerUrl(schema: string): string {
  return `${POSTGRES_URL}${POSTGRES_URL.includes('?') ? '&' : '?'}schema=${schema}`
}

/** Drops a scratch schema (and what is in it). */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  } finally {
    await client.end()
  }
}

/** A PostgreSQL ledger in a fresh schema; `close()` closes it and drops the schema. */
export async function scratchPostgresLedger(label = 'ledger'): Promise<Ledger> {
  const schema = scratchSchema(label)
  const ledger = await createPostgresLedger(ledgerUrl(schema))
  return {
    ...ledger,
    async close() {
      await ledger.close()
      await dropSchema(schema)
    },
  }
}
