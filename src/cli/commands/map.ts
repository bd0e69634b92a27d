import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { userInfo } from 'node:os'
import type { Command } from 'commander'
import { parseDiscovery } from '../../discover/discovery-file.ts'
import type { Discovery } from '../../discover/discover.ts'
import { ConfigError } from '../../errors.ts'
import { checkConfirmed, confirmMapping, parseLock, type MappingLock } from '../../mapping/confirm.ts'
import { parseMapping } from '../../mapping/parse-mapping.ts'
import { proposeMapping, type Samples } from '../../mapping/propose-mapping.ts'
import { previewSplit } from '../../mapping/split-rule.ts'
import type { Mapping } from '../../mapping/types.ts'
import { validateMapping } from '../../mapping/validate-mapping.ts'
import { writeMapping } from '../../mapping/write-mapping.ts'
import type { X2crmRecord } from '../../source/x2crm/types.ts'
import { connect } from '../connect.ts'
import { EXIT, readConfig } from './migrate.ts'

const out = (text: string) => process.stdout.write(`${text}\n`)

/** mapping.yaml → mapping.lock.json beside it. */
export function lockPathFor(mappingPath: string): string {
  return mappingPath.replace(/\.ya?ml$/i, '') + '.lock.json'
}

export function readTextFile(path: string, what: string, hint: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    throw new ConfigError([`${path}: cannot read the ${what} (${hint})`])
  }
}

export function readDiscovery(path: string): Discovery {
  const parsed = parseDiscovery(readTextFile(path, 'discovery', 'run `x2d365 discover` first'))
  if ('error' in parsed) throw new ConfigError([`${path} ${parsed.error}`])
  return parsed.value
}

export function readLock(mappingPath: string): MappingLock | undefined {
  const path = lockPathFor(mappingPath)
  if (!existsSync(path)) return undefined
  const parsed = parseLock(readFileSync(path, 'utf8'))
  if ('error' in parsed) throw new ConfigError([`${path} ${parsed.error}; run \`x2d365 map confirm\` again`])
  return parsed.lock
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

/** Parses and validates a map file; prints every problem; returns the map and whether it may be confirmed. */
function checkMapFile(
  mappingPath: string,
  discoveryPath: string,
): { ok: boolean; review: number; mapping?: Mapping } {
  const text = readTextFile(mappingPath, 'map', 'write one with `x2d365 map propose`')
  const parsed = parseMapping(text)
  const errors = parsed.errors.map((e) => `${mappingPath}: ${e}`)
  const warnings = parsed.warnings.map((w) => `${mappingPath}: ${w}`)
  const review = parsed.warnings.filter((w) => w.includes('flagged for review')).length
  if (parsed.value !== undefined) {
    const discovery = readDiscovery(discoveryPath)
    const problems = validateMapping(parsed.value, discovery.source, discovery.target)
    errors.push(...problems.errors.map((e) => `${mappingPath}: ${e}`))
    warnings.push(...problems.warnings.map((w) => `${mappingPath}: ${w}`))
  }
  for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`)
  for (const error of errors) process.stderr.write(`error: ${error}\n`)
  return { ok: errors.length === 0, review, ...(parsed.value && { mapping: parsed.value }) }
}

async function sampleRecords(
  configPath: string,
  entities: readonly string[],
  size: number,
): Promise<Samples> {
  const config = readConfig(configPath)
  const { source, ledger } = connect(config, () => undefined)
  try {
    const samples: Record<string, X2crmRecord[]> = {}
    for (const entity of entities) {
      const rows: X2crmRecord[] = []
      try {
        for await (const record of source.records(entity, { pageSize: Math.min(size, 1000) })) {
          rows.push(record)
          if (rows.length >= size) break
        }
      } catch {
        // A class X2CRM cannot list gets no sample; the proposal then rests on names and types.
      }
      samples[entity] = rows
    }
    return samples
  } finally {
    await ledger.close()
  }
}

interface Paths {
  mapping: string
  discovery: string
  config: string
}

export function registerMap(program: Command, setExitCode: (code: number) => void): void {
  const map = program.command('map').description('propose, check, preview and confirm mapping.yaml')
  const withPaths = (command: Command) =>
    command
      .option('-m, --mapping <path>', 'the map', 'mapping.yaml')
      .option('-d, --discovery <path>', 'what `x2d365 discover` wrote', 'discovery.json')
      .option('-c, --config <path>', 'configuration file', 'x2d365.yaml')

  withPaths(map.command('propose'))
    .description('write mapping.yaml: every field → a column, with confidence and evidence as comments')
    .option('--sample <n>', 'records per class to profile (0: names and types only)', '200')
    .option('--prefix <prefix>', 'publisher prefix of new columns', 'new_')
    .option('--force', 'overwrite an existing map')
    .action(async (options: Paths & { sample: string; prefix: string; force?: boolean }) => {
      if (existsSync(options.mapping) && options.force !== true) {
        throw new ConfigError([
          `${options.mapping} already exists (use --force to replace it; your edits would be lost)`,
        ])
      }
      const discovery = readDiscovery(options.discovery)
      const size = Number(options.sample)
      if (!Number.isInteger(size) || size < 0) throw new ConfigError(['--sample must be a whole number ≥ 0'])
      const samples =
        size > 0 ? await sampleRecords(options.config, Object.keys(discovery.source.entities), size) : {}
      const proposal = proposeMapping(discovery.source, discovery.target, samples, {
        publisherPrefix: options.prefix,
      })
      writeFileSync(options.mapping, writeMapping(proposal.written, proposal.evidence))
      out(`Wrote ${options.mapping}: ${Object.keys(proposal.written.entities).length} classes.`)
      if (proposal.review.length > 0) {
        out(`${proposal.review.length} lines are flagged for review (search for "review:"):`)
        for (const path of proposal.review) out(`  ${path}`)
      }
      out('Next: edit it, then `x2d365 map validate` and `x2d365 map confirm`.')
      setExitCode(EXIT.ok)
    })

  withPaths(map.command('validate'))
    .description('check the map against both schemas; reports every problem at once')
    .action((options: Paths) => {
      const result = checkMapFile(options.mapping, options.discovery)
      out(result.ok ? `${options.mapping} is valid.` : `${options.mapping} has problems (above).`)
      setExitCode(result.ok ? EXIT.ok : EXIT.config)
    })

  withPaths(map.command('confirm'))
    .description('lock the map: a content hash with who and when (mapping.lock.json)')
    .option('--by <name>', 'who confirms (default: the login name)')
    .action((options: Paths & { by?: string }) => {
      const result = checkMapFile(options.mapping, options.discovery)
      if (!result.ok)
        throw new ConfigError([`${options.mapping} has problems (above); fix them, then confirm`])
      if (result.review > 0) {
        throw new ConfigError([
          `${options.mapping} has ${result.review} lines flagged for review; check each and delete its \`review:\` key, then confirm`,
        ])
      }
      const lock = confirmMapping(
        readFileSync(options.mapping, 'utf8'),
        options.by ?? userInfo().username,
        new Date(),
      )
      if (lock === undefined) throw new ConfigError([`${options.mapping}: the YAML does not parse`])
      writeFileSync(lockPathFor(options.mapping), `${JSON.stringify(lock, null, 2)}\n`)
      out(`Confirmed ${options.mapping} (${lock.hash.slice(0, 19)}…) by ${lock.who} at ${lock.when}.`)
      setExitCode(EXIT.ok)
    })

  withPaths(map.command('split-preview'))
    .description('count and show which X2CRM contacts the split rule makes leads')
    .option('--tags', 'read each record’s tags too (one request per record)')
    .option('--examples <n>', 'example records per side', '3')
    .action(async (options: Paths & { tags?: boolean; examples: string }) => {
      const text = readTextFile(options.mapping, 'map', 'write one with `x2d365 map propose`')
      const parsed = parseMapping(text)
      if (parsed.value === undefined)
        throw new ConfigError(parsed.errors.map((e) => `${options.mapping}: ${e}`))
      const splits = parsed.value.entities.filter((e) => e.where !== undefined && e.where.negate !== true)
      if (splits.length === 0) throw new ConfigError([`${options.mapping}: no entity has a split: section`])
      const config = readConfig(options.config)
      const { source, ledger } = connect(config, () => undefined)
      try {
        for (const split of splits) {
          if (split.where === undefined) continue
          const catalog = source as Partial<{ tags(entity: string, id: number): Promise<string[]> }>
          const tagsOf = (record: X2crmRecord) =>
            options.tags === true && catalog.tags !== undefined
              ? catalog.tags(split.entity, Number(record['id']))
              : []
          const preview = await previewSplit(
            split.where,
            source.records(split.entity),
            tagsOf,
            Number(options.examples),
          )
          out(
            `${split.entity}: ${preview.split} of ${preview.total} go to ${split.table.logicalName}, ${preview.kept} stay`,
          )
          out(`  rule: ${preview.rule}`)
          for (const c of preview.byCondition) out(`  ${c.matches} match: ${c.condition}`)
          const text = (value: unknown) =>
            typeof value === 'string' || typeof value === 'number' ? String(value) : ''
          const show = (r: X2crmRecord) =>
            `    #${text(r['id'])} ${text(r['name']) || `${text(r['firstName'])} ${text(r['lastName'])}`}`
          out(`  examples → ${split.table.logicalName}:`)
          preview.examples.split.forEach((r) => out(show(r)))
          out('  examples that stay:')
          preview.examples.kept.forEach((r) => out(show(r)))
        }
      } finally {
        await ledger.close()
      }
      setExitCode(EXIT.ok)
    })
}
