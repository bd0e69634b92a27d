import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { openSync, closeSync } from 'node:fs'
import mysql from 'mysql2/promise'

/** The machine's MariaDB: root with an empty password on 127.0.0.1 (`.ci/run` installs and starts it). */
export const MARIADB = {
  host: '127.0.0.1',
  port: Number(process.env.X2D365_TEST_MYSQL_PORT ?? 3306),
  user: 'root',
}

export const FIXTURE_SQL = new URL('../fixtures/x2crm/fixture/x2crm-7.1.sql', import.meta.url).pathname
export const FIXTURE_UPLOADS = new URL('../fixtures/x2crm/fixture/uploads', import.meta.url).pathname
export const FIXTURE_DUMP = new URL('../fixtures/x2crm/fixture/api-dump.json', import.meta.url).pathname

export interface ScratchDatabase {
  name: string
  /** `mysql://root@127.0.0.1:3306/{name}`, the way a user writes source.mysql.url (password from env: empty). */
  url: string
  /** Runs SQL as root (to seed or damage the scratch data; the reader under test never writes). */
  admin(sql: string, params?: unknown[]): Promise<unknown>
  drop(): Promise<void>
}

/**
 * A fresh database with a unique name, utf8mb3 as X2CRM creates them, optionally loaded from a SQL file with the
 * `mysql` command-line client, exactly as a user restores a dump. `drop()` removes it; call it in afterAll.
 */
export async function createScratchDatabase(
  label: string,
  options: { load?: string } = {},
): Promise<ScratchDatabase> {
  const name = `x2d365_test_${label.replace(/\W/g, '_')}_${process.pid}_${randomBytes(3).toString('hex')}`
  const admin = await mysql.createConnection({ ...MARIADB, multipleStatements: true, charset: 'utf8mb4' })
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb3 COLLATE utf8mb3_general_ci`)
  await admin.query(`USE \`${name}\``)
  if (options.load) {
    const input = openSync(options.load, 'r')
    try {
      execFileSync(
        'mysql',
        ['-uroot', '-h', MARIADB.host, '-P', String(MARIADB.port), '--protocol=TCP', name],
        { stdio: [input, 'ignore', 'pipe'] },
      )
    } finally {
      closeSync(input)
    }
  }
  return {
    name,
    url: `mysql://root@${MARIADB.host}:${MARIADB.port}/${name}`,
    admin: async (sql, params) => (await admin.query(sql, params))[0],
    async drop() {
      try {
        await admin.query(`DROP DATABASE IF EXISTS \`${name}\``)
      } finally {
        await admin.end()
      }
    },
  }
}
