import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/errors.ts'
import { createPostgresLedger, openPostgresLedger } from '../../src/ledger/postgres.ts'
import { POSTGRES_MIGRATIONS } from '../../src/ledger/postgres-schema.ts'
import { dropSchema, ledgerUrl, POSTGRES_URL, postgresAnswers, scratchSchema } from '../helpers/postgres.ts'

const available = await postgresAnswers()

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

describe.skipIf(!available)('PostgreSQL ledger: what it refuses to open', () => {
  const schemas: string[] = []
  const schema = () => {
    const name = scratchSchema('open')
    schemas.push(name)
    return name
  }
  afterEach(async () => {
    for (const name of schemas.splice(0)) await dropSchema(name)
  })

  it('creates its schema at version 1 and opens it again, keeping what runs wrote', async () => {
    const name = schema()
    const first = await createPostgresLedger(ledgerUrl(name))
    const run = await first.startRun('migrate', { instance: 'x' }, new Date(0))
    await first.close()
    const again = await createPostgresLedger(ledgerUrl(name))
    expect(await again.run(run.runId)).toEqual(run)
    const { rows } = await again.pool.query<{ version: number }>('SELECT version FROM x2d365_ledger')
    expect(rows).toEqual([{ version: POSTGRES_MIGRATIONS.length }])
    await again.close()
  })

  it('refuses a schema holding another program’s tables, and leaves them alone', async () => {
    const name = schema()
    await admin(`CREATE SCHEMA ${name}; CREATE TABLE ${name}.invoices (id int)`)
    await expect(createPostgresLedger(ledgerUrl(name))).rejects.toThrow(
      /holds tables that are not an x2d365 ledger \(invoices\)/,
    )
    await expect(createPostgresLedger(ledgerUrl(name))).rejects.toBeInstanceOf(ConfigError)
  })

  it('refuses a ledger written by a newer x2d365, and a damaged one', async () => {
    const newer = schema()
    await (await createPostgresLedger(ledgerUrl(newer))).close()
    await admin(`UPDATE ${newer}.x2d365_ledger SET version = 99`)
    await expect(createPostgresLedger(ledgerUrl(newer))).rejects.toThrow(/newer x2d365 \(ledger schema 99/)

    const damaged = schema()
    await (await createPostgresLedger(ledgerUrl(damaged))).close()
    await admin(`DROP TABLE ${damaged}.runs CASCADE`)
    await expect(createPostgresLedger(ledgerUrl(damaged))).rejects.toThrow(
      /is damaged.*runs table is missing/,
    )
  })

  it('says which server did not answer, on the first call of a ledger opened without waiting', async () => {
    const ledger = openPostgresLedger('postgres://nobody:secret@127.0.0.1:1/x2d365?schema=s')
    const failure = ledger.runs()
    await expect(failure).rejects.toBeInstanceOf(ConfigError)
    await expect(failure).rejects.toThrow(/no PostgreSQL server answered/)
    await expect(failure).rejects.not.toThrow(/secret/)
    await ledger.close()
  })
})
