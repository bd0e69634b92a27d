import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { userInfo } from 'node:os'
import { ConfigError } from '../../errors.ts'
import { confirmMapping } from '../../mapping/confirm.ts'
import { parseMapping } from '../../mapping/parse-mapping.ts'
import { proposeMapping, type Samples } from '../../mapping/propose-mapping.ts'
import { addNewFields } from '../../mapping/update-mapping.ts'
import { previewSplit } from '../../mapping/split-rule.ts'
import type { Mapping } from '../../mapping/types.ts'
import { validateMapping } from '../../mapping/validate-mapping.ts'
import { writeMapping } from '../../mapping/write-mapping.ts'
import { extractClass } from '../../source/x2crm/extract.ts'
import type { X2crmRecord } from '../../source/x2crm/types.ts'
import { connect } from '../connect.ts'
import { EXIT, exitCodeForMapCheck } from '../exit-codes.ts'
import { lockPathFor, readConfig, readDiscovery, readTextFile } from '../inputs.ts'
import { silent, withSession } from '../session.ts'

const out = (text: string) => process.stdout.write(`${text}\n`)

export interface MapPaths {
  mapping: string
  discovery: string
  config: string
}

/** `map propose`: writes mapping.yaml from discovery.json and a sample of records per class. */
export async function mapProposeCommand(
  options: MapPaths & { sample: string; prefix: string; force?: boolean; update?: boolean },
): Promise<number> {
  if (options.update === true && !existsSync(options.mapping)) {
    throw new ConfigError([
      `${options.mapping}: no map to update (run \`x2d365 map propose\` without --update first)`,
    ])
  }
  if (existsSync(options.mapping) && options.force !== true && options.update !== true) {
    throw new ConfigError([
      `${options.mapping} already exists (use --force to replace it; your edits would be lost)`,
    ])
  }
  const discovery = readDiscovery(options.discovery)
  const size = Number(options.sample)
  if (!Number.isInteger(size) || size < 0) throw new ConfigError(['--sample must be a whole number ≥ 0'])
  const samples =
    size > 0
      ? await sampleRecords(options.config, Object.keys(discovery.source.entities), size)
      : { records: {}, tags: undefined }
  const { records: sampled, tags } = samples
  const proposal = proposeMapping(discovery.source, discovery.target, sampled, {
    publisherPrefix: options.prefix,
    // Products, quotes, cases and lists are proposed as the built-in maps have them when X2CRM has records of them.
    counts: discovery.counts,
    ...(tags !== undefined && { tags }),
  })
  if (options.update === true) return updateMapFile(options.mapping, proposal)
  writeFileSync(options.mapping, writeMapping(proposal.written, proposal.evidence))
  const classes = new Set(Object.entries(proposal.written.entities).map(([key, e]) => e.entity ?? key))
  out(`Wrote ${options.mapping}: ${classes.size} classes.`)
  if (proposal.review.length > 0) {
    out(`${proposal.review.length} lines are flagged for review (search for "review:"):`)
    for (const path of proposal.review) out(`  ${path}`)
  }
  out('Next: edit it, then `x2d365 map validate` and `x2d365 map confirm`.')
  return EXIT.ok
}

/** `map propose --update`: the fields new since the map, added to it; the lines it has are kept as they are. */
function updateMapFile(path: string, proposal: Parameters<typeof addNewFields>[1]): number {
  const update = addNewFields(readFileSync(path, 'utf8'), proposal)
  if (update === undefined)
    throw new ConfigError([`${path}: the YAML does not parse; fix it, then --update again`])
  for (const conflict of update.conflicts) process.stderr.write(`not added: ${conflict}\n`)
  if (update.added.length === 0) {
    out(`${path} already names every field X2CRM has; nothing added.`)
    return EXIT.ok
  }
  writeFileSync(path, update.text)
  out(`Added ${update.added.length} field lines to ${path}:`)
  for (const line of update.added) out(`  ${line}`)
  out(
    'Next: check them, `x2d365 map confirm` again, `x2d365 schema apply`, then `x2d365 delta` loads them for every record.',
  )
  return EXIT.ok
}

/** `map validate`: every problem of the map against both schemas, at once. */
export function mapValidateCommand(options: MapPaths): number {
  const result = checkMapFile(options.mapping, options.discovery)
  out(result.ok ? `${options.mapping} is valid.` : `${options.mapping} has problems (above).`)
  return exitCodeForMapCheck(result)
}

/** `map confirm`: locks a valid map with nothing left to review (mapping.lock.json). */
export function mapConfirmCommand(options: MapPaths & { by?: string }): number {
  const result = checkMapFile(options.mapping, options.discovery)
  if (!result.ok) throw new ConfigError([`${options.mapping} has problems (above); fix them, then confirm`])
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
  return EXIT.ok
}

/** `map split-preview`: which X2CRM records each split rule sends to its table, with examples. */
export async function mapSplitPreviewCommand(
  options: MapPaths & { tags?: boolean; examples: string },
): Promise<number> {
  const text = readTextFile(options.mapping, 'map', 'write one with `x2d365 map propose`')
  const parsed = parseMapping(text)
  if (parsed.value === undefined) throw new ConfigError(parsed.errors.map((e) => `${options.mapping}: ${e}`))
  const splits = parsed.value.entities.filter((e) => e.where !== undefined && e.where.negate !== true)
  if (splits.length === 0) throw new ConfigError([`${options.mapping}: no entity has a split: section`])
  const config = readConfig(options.config)
  await withSession(
    silent,
    (emit) => connect(config, emit),
    async ({ source }) => {
      for (const split of splits) {
        if (split.where === undefined) continue
        const catalog = source as Partial<{ tags(entity: string, id: number): Promise<string[]> }>
        const tagsOf = (record: X2crmRecord) =>
          options.tags === true && catalog.tags !== undefined
            ? catalog.tags(split.entity, Number(record['id']))
            : []
        // Every record migrate reads: the listed ones and those X2CRM's lists hide (fetched by id), as migrate does.
        const extraction = extractClass(source, split.entity)
        const preview = await previewSplit(split.where, extraction, tagsOf, Number(options.examples))
        out(
          `${split.entity}: ${preview.split} of ${preview.total} go to ${split.table.logicalName}, ${preview.kept} stay`,
        )
        const found = extraction.report().gapFetched
        if (found > 0) out(`  (${found} of them hidden from X2CRM's lists, read by id as migrate reads them)`)
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
    },
  )
  return EXIT.ok
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

/** Up to `size` records of each class, to profile the values (a class X2CRM cannot list gets none). */
async function sampleRecords(
  configPath: string,
  entities: readonly string[],
  size: number,
): Promise<{ records: Samples; tags: string[] }> {
  const config = readConfig(configPath)
  return withSession(
    silent,
    (emit) => connect(config, emit),
    async ({ source, related }) => {
      const samples: Record<string, X2crmRecord[]> = {}
      // The tags the multi-select tag column gets options for: all of them from the database, else those of the
      // sampled records (API v2 reads tags one record at a time).
      const tags = new Set<string>()
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
        try {
          if (related.tagsOfClass !== undefined) {
            for (const list of (await related.tagsOfClass(entity)).values())
              for (const tag of list) tags.add(tag)
          } else if (related.tags !== undefined) {
            for (const row of rows)
              for (const tag of await related.tags(entity, Number(row['id']))) tags.add(tag)
          }
        } catch {
          // Tags X2CRM cannot give for a class get no option; the run warns about each such tag it drops.
        }
      }
      return { records: samples, tags: [...tags] }
    },
  )
}
