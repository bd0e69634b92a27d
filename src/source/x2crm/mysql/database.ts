import mysql from 'mysql2/promise'
import { MigrationError } from '../../../errors.ts'
import { describeAddress, type MysqlAddress } from './connection-url.ts'

/** The only thing the readers need from MySQL: run a read-only query, get rows. */
export interface Database {
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>
  /**
   * The same through the binary protocol (a prepared statement, cached per connection), each row an array of its
   * values in the order selected: what the record reader asks for, since mysql2 then fills a fixed-size array per
   * row instead of growing an object by one key per column, and reads numbers from bytes instead of digits. Types
   * are as `query` gives them except FLOAT, which comes as its exact double (0.1 as 0.10000000149011612): select a
   * FLOAT as text (`CAST(… AS CHAR)`) for the value the text protocol and API v2 give. Numbers are bound as DOUBLE:
   * write a LIMIT into the SQL.
   */
  queryArrays(sql: string, params?: readonly unknown[]): Promise<unknown[][]>
  close(): Promise<void>
  readonly address: MysqlAddress
}

export interface DatabaseOptions {
  address: MysqlAddress
  /** From the environment; may be empty (a passwordless local user). Never logged. */
  password: string
  /** Names where the password came from, for messages: `X2CRM_DB_PASSWORD`. */
  passwordEnv?: string
  /** @default 4 */
  connections?: number
}

/**
 * A small connection pool whose every session is `SET SESSION TRANSACTION READ ONLY` before its first query, so
 * no statement through it can change the X2CRM database even by mistake (MySQL/MariaDB answer error 1792). Give
 * the user only SELECT on the database as well.
 *
 * Types come back as API v2 returns them (see record-shape.ts): BIGINT as a number while safe (a string past
 * 2^53), DECIMAL as a string, DATE/DATETIME as strings, never as a JS Date in some time zone.
 */
export function openDatabase(options: DatabaseOptions): Database {
  const { address } = options
  const pool = mysql.createPool({
    ...(address.socketPath ? { socketPath: address.socketPath } : { host: address.host, port: address.port }),
    user: address.user,
    password: options.password,
    database: address.database,
    connectionLimit: options.connections ?? 4,
    charset: 'utf8mb4',
    supportBigNumbers: true,
    bigNumberStrings: false,
    dateStrings: true,
    decimalNumbers: false,
    connectTimeout: 10_000,
  })
  const readOnly = new WeakSet<object>()

  async function read(sql: string, params: readonly unknown[], binary: boolean): Promise<unknown[]> {
    let connection: mysql.PoolConnection
    try {
      connection = await pool.getConnection()
    } catch (error) {
      throw connectionError(error, options)
    }
    try {
      if (!readOnly.has(connection.connection)) {
        await connection.query('SET SESSION TRANSACTION READ ONLY')
        readOnly.add(connection.connection)
      }
      const values = [...params] as (object | null)[]
      // `query` by default: the text protocol gives FLOAT the way PHP shows it (0.1, not 0.10000000149).
      const [rows] = binary
        ? await connection.execute({ sql, rowsAsArray: true }, values as mysql.ExecuteValues[])
        : await connection.query(sql, values)
      return Array.isArray(rows) ? rows : []
    } finally {
      connection.release()
    }
  }

  return {
    address,
    async query(sql, params = []) {
      return (await read(sql, params, false)) as Record<string, unknown>[]
    },
    async queryArrays(sql, params = []) {
      return (await read(sql, params, true)) as unknown[][]
    },
    async close() {
      await pool.end()
    },
  }
}

/** A MySQL error code (`ER_ACCESS_DENIED_ERROR`, `ECONNREFUSED`), if `error` has one. */
export function mysqlCode(error: unknown): string | undefined {
  if (error === null || typeof error !== 'object' || !('code' in error)) return undefined
  return typeof error.code === 'string' ? error.code : undefined
}

/** Why connecting failed, said so that the user knows what to change. Never contains the password. */
export function connectionError(error: unknown, options: DatabaseOptions): MigrationError {
  const where = describeAddress(options.address)
  const env = options.passwordEnv ? `the environment variable ${options.passwordEnv}` : 'the password'
  const code = mysqlCode(error)
  const messages: Record<string, string> = {
    ER_ACCESS_DENIED_ERROR:
      `MySQL refused the login ${where} (wrong user or password). Check source.mysql.url and ${env}; the user ` +
      `needs SELECT on the X2CRM database, e.g. GRANT SELECT ON ${options.address.database}.* TO '${options.address.user}'@'%'.`,
    ER_DBACCESS_DENIED_ERROR: `MySQL user "${options.address.user}" may not use database "${options.address.database}" (${where}). Grant it SELECT on that database.`,
    ER_BAD_DB_ERROR: `There is no database "${options.address.database}" on ${where}. Check the database name at the end of source.mysql.url (SHOW DATABASES lists them).`,
    ECONNREFUSED: `Nothing answers at ${where} (connection refused). Check the host and port in source.mysql.url and that MySQL/MariaDB runs and listens there.`,
    ENOTFOUND: `The host in source.mysql.url (${where}) does not resolve. Check its spelling.`,
    ETIMEDOUT: `Connecting to ${where} timed out. Check the host, the port and any firewall between here and the database.`,
    ENOENT: `There is no unix socket at ${options.address.socketPath ?? '?'} (${where}). Check the socket= parameter of source.mysql.url.`,
  }
  const message = (code && messages[code]) ?? `Could not connect to MySQL at ${where}: ${messageOf(error)}`
  return new MigrationError(message, { cause: error })
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
