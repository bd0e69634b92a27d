import { isPostgresUrl } from '../ledger-location.ts'
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseDocument } from 'yaml'
import { configDir, parseConfig, type RunConfig } from '../config/config.ts'
import { parseOwnerDecisions } from '../config/owner-decisions.ts'
import type { Discovery } from '../discover/discover.ts'
import { parseDiscovery } from '../discover/discovery-file.ts'
import { ConfigError } from '../errors.ts'
import { checkConfirmed, parseLock, type MappingLock } from '../mapping/confirm.ts'
import { builtInMapping } from '../mapping/built-in-map.ts'
import { parseMapping } from '../mapping/parse-mapping.ts'
import type { OwnerDecisions } from '../mapping/reconcile-users.ts'
import type { Mapping } from '../mapping/types.ts'

/*
 * Every file a command reads, read one way: the configuration, the map and its lock, discovery.json, users.yaml,
 * a filled-in quarantine CSV. Parsing is pure and lives beside each format; here a file that cannot be read or does
 * not parse becomes a ConfigError (exit 2) that names the file and says what to do.
 */

/** A text file, or a ConfigError saying which one could not be read and what to do about it. */
export function readTextFile(path: string, what: string, hint: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    throw new ConfigError([`${path}: cannot read the ${what} (${hint})`])
  }
}

/** x2d365.yaml with its secrets resolved from `env`: every problem at once, each prefixed with the file. */
export function readConfig(path: string, env: NodeJS.ProcessEnv = process.env): RunConfig {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    throw new ConfigError([`${path}: cannot read the configuration file (create one with \`x2d365 init\`)`])
  }
  const parsed = parseConfig(text, env, configDir(path))
  if (parsed.value === undefined) throw new ConfigError(parsed.errors.map((e) => `${path}: ${e}`))
  return parsed.value
}

/**
 * The config without Dataverse's secrets: offline, nothing connects to Dataverse, so its secret variables need not be
 * set. Those left unset get a placeholder that never leaves this process.
 */
export function readConfigOffline(path: string): RunConfig {
  let written: unknown
  try {
    written = parseDocument(readFileSync(path, 'utf8')).toJS()
  } catch {
    return readConfig(path)
  }
  const dataverse = (written as { target?: { dataverse?: Record<string, unknown> } } | null)?.target
    ?.dataverse
  const names = [
    dataverse?.['clientSecretEnv'],
    ...(Array.isArray(dataverse?.['additionalAppUsers'])
      ? (dataverse['additionalAppUsers'] as { clientSecretEnv?: unknown }[]).map((u) => u.clientSecretEnv)
      : []),
  ].filter((name): name is string => typeof name === 'string')
  const env = { ...process.env }
  for (const name of names) if (!env[name]) env[name] = 'offline: not used'
  return readConfig(path, env)
}

/** The `run:` section as written, for the commands that read only the ledger and need no secrets. */
function readWrittenRun(configPath: string): { ledger?: unknown; mapping?: unknown } | undefined {
  const written = parseDocument(readFileSync(configPath, 'utf8')).toJS() as {
    run?: { ledger?: unknown; mapping?: unknown }
  } | null
  return written?.run
}

/** The ledger a config points at, without needing the secrets a migration needs. */
export function ledgerPathOf(options: { config: string; ledger?: string }): string {
  if (options.ledger !== undefined)
    return isPostgresUrl(options.ledger) ? options.ledger : resolve(options.ledger)
  if (!existsSync(options.config)) {
    throw new ConfigError([`${options.config}: not found; pass --ledger <path> or --config <x2d365.yaml>`])
  }
  const ledger = readWrittenRun(options.config)?.ledger
  if (typeof ledger === 'string' && isPostgresUrl(ledger)) return ledger
  return resolve(configDir(options.config), typeof ledger === 'string' ? ledger : '.x2d365/ledger.sqlite')
}

/** The map a config names (run.mapping), without needing its secrets; undefined when it names none. */
export function mappingPathOf(configPath: string): string | undefined {
  const path = readWrittenRun(configPath)?.mapping
  return typeof path === 'string' ? resolve(configDir(configPath), path) : undefined
}

/** mapping.yaml → mapping.lock.json beside it. */
export function lockPathFor(mappingPath: string): string {
  return mappingPath.replace(/\.ya?ml$/i, '') + '.lock.json'
}

/** The lock beside a map; undefined when the map was never confirmed. */
export function readLock(mappingPath: string): MappingLock | undefined {
  const path = lockPathFor(mappingPath)
  if (!existsSync(path)) return undefined
  const parsed = parseLock(readFileSync(path, 'utf8'))
  if ('error' in parsed) throw new ConfigError([`${path} ${parsed.error}; run \`x2d365 map confirm\` again`])
  return parsed.lock
}

/** What `x2d365 discover` wrote. */
export function readDiscovery(path: string): Discovery {
  const parsed = parseDiscovery(readTextFile(path, 'discovery', 'run `x2d365 discover` first'))
  if ('error' in parsed) throw new ConfigError([`${path} ${parsed.error}`])
  return parsed.value
}

/**
 * The confirmed map, for `migrate`, `delta` and `schema apply`: refuses (ConfigError, exit 2) a map that is not
 * confirmed, changed since, or does not parse, with a message saying what to do.
 */
export function loadConfirmedMapping(mappingPath: string, command: string): Mapping {
  const text = readTextFile(mappingPath, 'map', 'write one with `x2d365 map propose`')
  const check = checkConfirmed(text, readLock(mappingPath), command)
  if (check.status === 'refused') throw new ConfigError([check.message])
  const parsed = parseMapping(text)
  if (parsed.value === undefined) throw new ConfigError(parsed.errors.map((e) => `${mappingPath}: ${e}`))
  return parsed.value
}

/**
 * The map a run uses: a confirmed mapping.yaml when one is named (refused with what to do when it is not confirmed
 * or changed since), else the built-in map (accounts, contacts, their timeline, products, quotes, cases, marketing lists: src/mapping/built-in-map.ts).
 */
export function mappingFor(path: string | undefined, command: string): { mapping: Mapping; source: string } {
  if (path === undefined)
    return {
      mapping: builtInMapping(),
      source:
        'the built-in map (accounts, contacts, their timeline, products, quotes, cases, marketing lists)',
    }
  const mapping = loadConfirmedMapping(path, command)
  const byTags = mapping.entities.find((e) => e.where?.conditions.some((c) => c.type === 'tag'))
  if (byTags !== undefined) {
    throw new ConfigError([
      `${path}: entities.${byTags.name ?? byTags.entity}.where uses tags; ${command} cannot read tags per record yet. ` +
        'Split on field values or on the company link instead, and confirm the map again.',
    ])
  }
  return { mapping, source: `${path} (confirmed)` }
}

/** users.yaml → the owner decisions; every problem with its path. A missing file is no decision. */
export function readOwnerDecisions(path: string): OwnerDecisions {
  if (!existsSync(path)) return {}
  const parsed = parseOwnerDecisions(readTextFile(path, 'owner decisions', 'see `x2d365 users --help`'))
  if (parsed.value === undefined) throw new ConfigError(parsed.errors.map((e) => `${path}: ${e}`))
  return parsed.value
}

/**
 * What every run that reads and loads records takes from the config besides the map: the instance (it names the
 * target ids), the batch size, the owner decisions of users.yaml and the default owner.
 */
export function runSettingsOf(config: RunConfig): {
  instance: string
  batchSize: number
  ownerDecisions: OwnerDecisions
  defaultOwnerEmail?: string
} {
  return {
    instance: config.run.instance,
    batchSize: config.run.batchSize,
    ownerDecisions: readOwnerDecisions(config.run.usersPath),
    ...(config.run.defaultOwnerEmail === undefined
      ? {}
      : { defaultOwnerEmail: config.run.defaultOwnerEmail }),
  }
}

/** A quarantine CSV a person filled in, for `x2d365 fix`. */
export function readFixText(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new ConfigError([
      `${file}: cannot read it (${error instanceof Error ? error.message : String(error)}); give the quarantine.csv you filled in`,
    ])
  }
}
