import { ConfigError } from '../errors.ts'

/** Where a PostgreSQL ledger lives: the server and database, and the schema its tables are in. */
export interface PostgresTarget {
  /** The URL without `schema`, for the driver. */
  connectionString: string
  /** @default x2d365 */
  schema: string
  /** The URL without its password, for messages. */
  display: string
}

export { isPostgresUrl } from '../ledger-location.ts'

/**
 * Reads `postgres://user@host:5432/database?schema=name`. The password, when the URL has one, stays out of
 * `display`; `PGPASSWORD` and `~/.pgpass` work as for psql.
 */
export function postgresTarget(url: string): PostgresTarget {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new ConfigError([
      `run.ledger: "${redact(url)}" is not a URL; write postgres://user@host:5432/database`,
    ])
  }
  const schema = parsed.searchParams.get('schema') ?? 'x2d365'
  if (!/^[a-z_][a-z0-9_]{0,62}$/i.test(schema)) {
    throw new ConfigError([
      `run.ledger: schema "${schema}" is not a plain PostgreSQL name; use letters, digits and _ (at most 63)`,
    ])
  }
  parsed.searchParams.delete('schema')
  const connectionString = parsed.toString()
  parsed.password = ''
  return {
    connectionString,
    schema,
    display: `${parsed.toString()}${parsed.search ? '&' : '?'}schema=${schema}`,
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')
}
