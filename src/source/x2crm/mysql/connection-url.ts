import { ConfigError } from '../../../errors.ts'

/** Where and as whom to connect, parsed from `mysql://user@host:port/database`. Never holds the password. */
export interface MysqlAddress {
  host: string
  port: number
  user: string
  database: string
  /** `?socket=/run/mysqld/mysqld.sock`: connect through a unix socket instead of TCP. */
  socketPath?: string
}

/**
 * Parses the `source.mysql.url` of x2d365.yaml. The password is not allowed in it (it comes from the environment
 * variable named by `passwordEnv`), so a URL with one is refused rather than silently used or logged.
 */
export function parseMysqlUrl(url: string): MysqlAddress {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new ConfigError([
      `source.mysql.url: "${url}" is not a URL; write it as mysql://user@host:3306/database`,
    ])
  }
  const issues: string[] = []
  if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:') {
    issues.push(`source.mysql.url: must start with mysql:// (got ${parsed.protocol}//)`)
  }
  if (parsed.password !== '') {
    issues.push(
      'source.mysql.url: must not contain a password; put it in the environment variable named by source.mysql.passwordEnv',
    )
  }
  const user = decodeURIComponent(parsed.username)
  if (user === '') issues.push('source.mysql.url: names no user; write it as mysql://user@host:3306/database')
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''))
  if (database === '' || database.includes('/')) {
    issues.push('source.mysql.url: must end with the X2CRM database name, e.g. mysql://user@host:3306/x2crm')
  }
  const port = parsed.port === '' ? 3306 : Number(parsed.port)
  const socketPath = parsed.searchParams.get('socket') ?? undefined
  const unknown = [...parsed.searchParams.keys()].filter((key) => key !== 'socket')
  if (unknown.length > 0)
    issues.push(`source.mysql.url: unknown parameter(s) ${unknown.join(', ')} (only socket=)`)
  if (issues.length > 0) throw new ConfigError(issues)
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port,
    user,
    database,
    ...(socketPath ? { socketPath } : {}),
  }
}

/** `user@host:port/database`, for messages. */
export function describeAddress(address: MysqlAddress): string {
  const where = address.socketPath ? `socket ${address.socketPath}` : `${address.host}:${address.port}`
  return `${address.user}@${where}/${address.database}`
}
