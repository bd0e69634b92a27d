import { existsSync, readFileSync } from 'node:fs'
import { userInfo } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { hashMapping, parseLock } from '../mapping/confirm.ts'
import type { DiscoveredScope, ReportIdentity } from './migration-report.ts'

/** x2d365's version: the `version` of the package.json above this file (in the sources and in dist/ alike). */
export function packageVersion(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const path = join(dir, 'package.json')
    if (existsSync(path)) {
      const json = JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown; version?: unknown }
      if (json.name === 'x2d365' && typeof json.version === 'string') return json.version
    }
    if (dirname(dir) === dir) return 'unknown'
  }
}

/** Who writes the report: `--by`, else the OS user. */
export function operatorName(by?: string): string {
  if (by !== undefined && by.trim() !== '') return by.trim()
  try {
    return userInfo().username
  } catch {
    return process.env['USER'] ?? 'unknown'
  }
}

/**
 * The map a report names: none → the built-in map; a file → its content hash and who confirmed it when, from
 * `<map>.lock.json` beside it (as `x2d365 map confirm` writes it), or why it counts as unconfirmed.
 */
export function mapIdentity(mappingPath: string | undefined): ReportIdentity['map'] {
  if (mappingPath === undefined) return { kind: 'built-in' }
  if (!existsSync(mappingPath))
    return { kind: 'unconfirmed', path: mappingPath, note: 'the file is not there' }
  const lockPath = `${mappingPath.replace(/\.ya?ml$/i, '')}.lock.json`
  if (!existsSync(lockPath))
    return { kind: 'unconfirmed', path: mappingPath, note: 'not confirmed (no lock file)' }
  const parsed = parseLock(readFileSync(lockPath, 'utf8'))
  if ('error' in parsed)
    return { kind: 'unconfirmed', path: mappingPath, note: `${lockPath} ${parsed.error}` }
  const hash = hashMapping(readFileSync(mappingPath, 'utf8'))
  if (hash !== parsed.lock.hash)
    return {
      kind: 'unconfirmed',
      path: mappingPath,
      note: `changed since ${parsed.lock.who} confirmed it on ${parsed.lock.when}`,
    }
  return {
    kind: 'confirmed',
    path: mappingPath,
    hash: parsed.lock.hash,
    confirmedBy: parsed.lock.who,
    confirmedAt: parsed.lock.when,
  }
}

const ScopeFile = z
  .object({
    modules: z.array(z.object({ entity: z.string(), records: z.number() }).loose()).optional(),
    rebuild: z
      .array(z.object({ kind: z.string(), count: z.number().nullable(), note: z.string().optional() }))
      .optional(),
    automation: z
      .union([z.object({ flows: z.number() }).loose(), z.object({ unreadable: z.string() })])
      .optional(),
  })
  .loose()
const DiscoveryFile = z
  .object({
    source: z.object({
      entities: z.record(z.string(), z.array(z.object({ fieldName: z.string() }).loose())),
    }),
    counts: z.record(z.string(), z.number()).optional(),
  })
  .loose()

/**
 * What `x2d365 discover` wrote, for the left-out table: modules and their counts, objects to rebuild (scope.json),
 * each class's fields (discovery.json). Missing or unreadable files give nothing, and the notes say so.
 */
export function readDiscoveredScope(
  discoveryPath: string,
  scopePath: string,
  notes: string[],
): DiscoveredScope | undefined {
  const read = <T>(path: string, schema: z.ZodType<T>): T | undefined => {
    if (!existsSync(path)) return undefined
    try {
      const parsed = schema.safeParse(JSON.parse(readFileSync(path, 'utf8')))
      if (parsed.success) return parsed.data
      notes.push(`${path} is not what \`x2d365 discover\` writes: left out of the report`)
    } catch {
      notes.push(`${path} is not JSON: left out of the report`)
    }
    return undefined
  }
  const scope = read(scopePath, ScopeFile)
  const discovery = read(discoveryPath, DiscoveryFile)
  if (scope === undefined && discovery === undefined) return undefined
  const fields = discovery?.source.entities ?? {}
  const modules =
    scope?.modules?.map((m) => ({
      entity: m.entity,
      records: m.records,
      ...(fields[m.entity] !== undefined && { fields: fields[m.entity]?.map((f) => f.fieldName) }),
    })) ??
    Object.entries(fields).map(([entity, list]) => ({
      entity,
      records: discovery?.counts?.[entity] ?? 0,
      fields: list.map((f) => f.fieldName),
    }))
  return {
    modules,
    ...(scope?.rebuild !== undefined && { rebuild: scope.rebuild }),
    ...(scope?.automation !== undefined && { automation: scope.automation }),
  }
}
