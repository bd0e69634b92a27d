import { isPostgresUrl } from '../ledger-location.ts'
import { dirname, isAbsolute, resolve } from 'node:path'
import { parseDocument } from 'yaml'
import type { DeletionPolicy } from '../run/retire.ts'
import { WrittenConfigSchema } from './schema.ts'

/** The normalized, trusted configuration, secrets resolved from the environment. Never print it whole. */
export interface RunConfig {
  source: {
    x2crm?: { url: string; username: string; apiKey: string }
    mysql?: {
      url: string
      password: string
      passwordEnv: string
      tables?: Readonly<Record<string, string>>
      pagesAtOnce?: number
    }
    uploads?: { dir?: string; httpBase?: string }
  }
  target: {
    url: string
    authority: string
    clientId: string
    clientSecret: string
    /** Further application users sharing the writes. */
    additionalAppUsers?: readonly { clientId: string; clientSecret: string }[]
    caFile?: string
  }
  run: {
    instance: string
    ledgerPath: string
    batchSize: number
    mapping?: string
    /** users.yaml: owner decisions (it may not exist) */
    usersPath: string
    defaultOwnerEmail?: string
    /** What a delta does with rows of records deleted in X2CRM. */
    deletions: DeletionPolicy
  }
}

export interface ParsedConfig {
  value?: RunConfig
  errors: string[]
}

/**
 * Parses x2d365.yaml text and resolves its secrets from `env`. Never throws: every problem comes back at once, each
 * with its path in the file (`target.dataverse.clientId: ...`). Relative paths are resolved against `baseDir`.
 */
export function parseConfig(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  baseDir: string,
): ParsedConfig {
  const document = parseDocument(text)
  if (document.errors.length > 0) {
    return { errors: document.errors.map((e) => `YAML: ${e.message.split('\n')[0] ?? e.message}`) }
  }
  const parsed = WrittenConfigSchema.safeParse(document.toJS() ?? {})
  if (!parsed.success) {
    return { errors: parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`) }
  }
  const written = parsed.data
  const errors: string[] = []
  const secret = (path: string, name: string, allowEmpty = false): string => {
    const value = env[name]
    if (value === undefined || (value === '' && !allowEmpty)) {
      errors.push(`${path}: environment variable ${name} is not set (export ${name}=... before running)`)
      return ''
    }
    return value
  }
  const { x2crm, mysql, uploads } = written.source
  const { dataverse } = written.target
  const apiKey = x2crm && secret('source.x2crm.apiKeyEnv', x2crm.apiKeyEnv)
  const mysqlPassword = mysql && secret('source.mysql.passwordEnv', mysql.passwordEnv, true)
  const clientSecret = secret('target.dataverse.clientSecretEnv', dataverse.clientSecretEnv)
  const additionalAppUsers = (dataverse.additionalAppUsers ?? []).map((user, i) => ({
    clientId: user.clientId,
    clientSecret: secret(`target.dataverse.additionalAppUsers.${i}.clientSecretEnv`, user.clientSecretEnv),
  }))
  if (isPostgresUrl(written.run.ledger) && /^[^:]+:\/\/[^/@]*:[^/@]*@/.test(written.run.ledger)) {
    // The ledger's place is printed (reports, summaries): its password must not be part of it.
    errors.push(
      'run.ledger: the URL holds a password; remove it and export PGPASSWORD (or use ~/.pgpass), which ' +
        'PostgreSQL clients read, so that it never shows in output or reports',
    )
  }
  if (errors.length > 0) return { errors }
  const inDir = (path: string) => (isAbsolute(path) ? path : resolve(baseDir, path))
  return {
    errors,
    value: {
      source: {
        ...(x2crm && { x2crm: { url: x2crm.url, username: x2crm.username, apiKey: apiKey ?? '' } }),
        ...(mysql && {
          mysql: {
            url: mysql.url,
            password: mysqlPassword ?? '',
            passwordEnv: mysql.passwordEnv,
            ...(mysql.tables && { tables: mysql.tables }),
            ...(mysql.pagesAtOnce !== undefined && { pagesAtOnce: mysql.pagesAtOnce }),
          },
        }),
        ...(uploads && {
          uploads: {
            ...(uploads.dir !== undefined && { dir: inDir(uploads.dir) }),
            ...(uploads.httpBase !== undefined && { httpBase: uploads.httpBase }),
          },
        }),
      },
      target: {
        url: dataverse.url.replace(/\/+$/, ''),
        authority: dataverse.authority.replace(/\/+$/, ''),
        clientId: dataverse.clientId,
        clientSecret,
        ...(additionalAppUsers.length > 0 && { additionalAppUsers }),
        ...(dataverse.caFile === undefined ? {} : { caFile: inDir(dataverse.caFile) }),
      },
      run: {
        instance: written.run.instance ?? defaultInstance(x2crm?.url, mysql?.url),
        ledgerPath: isPostgresUrl(written.run.ledger) ? written.run.ledger : inDir(written.run.ledger),
        batchSize: written.run.batchSize,
        ...(written.run.mapping !== undefined && { mapping: inDir(written.run.mapping) }),
        usersPath: inDir(written.run.users),
        deletions: written.run.delta?.deletions ?? 'deactivate',
        ...(written.run.defaultOwnerEmail === undefined
          ? {}
          : { defaultOwnerEmail: written.run.defaultOwnerEmail }),
      },
    },
  }
}

/** The source's name in target ids when the config gives none: the X2CRM host, else the database's host and name. */
function defaultInstance(apiUrl: string | undefined, mysqlUrl: string | undefined): string {
  if (apiUrl !== undefined) return new URL(apiUrl).host
  const url = new URL((mysqlUrl ?? '').replace(/^(mysql|mariadb):/, 'http:'))
  return `${url.host}${url.pathname}`
}

export function configDir(configPath: string): string {
  return dirname(resolve(configPath))
}

/**
 * A commented starting point for `x2d365 init`. Every setting of WrittenConfigSchema is here (but
 * source.uploads.httpBase, which nothing reads yet); the optional ones commented with a working example value, so
 * that removing the `# ` in front of a setting is enough (config.test.ts parses it so).
 */
export const CONFIG_TEMPLATE = `# x2d365 configuration. Secrets are never written here: name the environment variables that hold them.
# The settings shown commented are optional: remove the "# " in front of one to use it.
source:
  x2crm:
    url: https://crm.example.com        # your X2CRM site (index.php/api2 is added)
    username: admin                     # an administrator: admins see every record
    apiKeyEnv: X2CRM_API_KEY            # Profile → API key of that user
  # mysql:                              # self-hosted: read the database itself (read-only, faster); wins over x2crm
  #   url: mysql://x2reader@db.example.com:3306/x2crm   # a user with SELECT is enough; no password in the URL
  #   passwordEnv: X2CRM_DB_PASSWORD    # may hold an empty value for a passwordless local user
  #   tables: { Vendors: x2_vendors }   # the tables of custom modules' classes
  #   pagesAtOnce: 8                    # id ranges read at once; by default from the round trip (3 nearby, up to 8)
  # uploads: { dir: ./uploads }         # a copy of the server's uploads/ folder, for attachments
target:
  dataverse:
    url: https://contoso.crm.dynamics.com
    authority: https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000   # your tenant id
    clientId: 00000000-0000-0000-0000-000000000000                                       # app registration
    clientSecretEnv: DATAVERSE_CLIENT_SECRET
    # additionalAppUsers: [{ clientId: 00000000-0000-0000-0000-000000000002, clientSecretEnv: DATAVERSE_SECRET_2 }]   # more throughput: each application user has its own service protection limits
    # caFile: dataverse-sim-ca.pem      # an extra CA certificate to trust (only for the simulator)
run:
  ledger: .x2d365/ledger.sqlite         # every run, every record's outcome, checkpoints
  batchSize: 100                        # rows per UpsertMultiple request; it adapts
  # mapping: mapping.yaml               # the confirmed map (map propose, then map confirm); without it, the built-in Accounts/Contacts map
  # users: users.yaml                   # owner decisions (x2d365 users)
  # instance: crm.example.com           # names the source in target ids (default: the X2CRM host); never change it mid-migration
  # defaultOwnerEmail: migration@contoso.com   # owner for records whose X2CRM user has no Dataverse user
  # delta:
  #   deletions: deactivate             # a record deleted in X2CRM: deactivate (default), delete or ignore its row
`
