import { readFileSync } from 'node:fs'
import { configDir, parseConfig, type RunConfig } from '../../config/config.ts'
import { ConfigError } from '../../errors.ts'
import { defaultMapping } from '../../mapping/default-map.ts'
import type { Mapping } from '../../mapping/types.ts'
import { loadConfirmedMapping } from './map.ts'
import { readOwnerDecisions } from './users.ts'
import { formatReconciliation } from '../../report/reconciliation.ts'
import { migrate, type MigrateResult } from '../../run/migrate.ts'
import { chooseSample, sampleSource, summarizeSample } from '../../run/sample.ts'
import { connect } from '../connect.ts'
import { interruptible } from '../interrupt.ts'
import { createHumanRenderer, createJsonRenderer, type Renderer } from '../render.ts'

export interface MigrateCommandOptions {
  config: string
  mapping?: string
  json?: boolean
  /** A rehearsal on this many root records plus everything they need. */
  sample?: number
}

/** Exit codes a script can act on. */
export const EXIT = {
  ok: 0,
  /** stopped by a systemic failure (target down, auth): run `migrate` again to resume */
  failed: 1,
  config: 2,
  /** finished, but some records are quarantined: see the reconciliation and the ledger */
  quarantined: 3,
  /** finished, but the reconciliation does not balance: records are unaccounted for */
  unbalanced: 4,
  internal: 70,
} as const

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

export function rendererFor(json: boolean | undefined): Renderer {
  return json
    ? createJsonRenderer((line) => process.stdout.write(`${line}\n`))
    : createHumanRenderer(process.stderr)
}

/**
 * The map a run uses: a confirmed mapping.yaml when one is named (refused with what to do when it is not confirmed
 * or changed since), else the built-in Accounts/Contacts map.
 */
export function mappingFor(path: string | undefined, command: string): { mapping: Mapping; source: string } {
  if (path === undefined)
    return { mapping: defaultMapping(), source: 'the built-in Accounts and Contacts map' }
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

export async function runMigrate(
  config: RunConfig,
  json: boolean | undefined,
  mappingPath: string | undefined = config.run.mapping,
  sample?: number,
  signal?: AbortSignal,
): Promise<MigrateResult> {
  const { mapping, source: mappingSource } = mappingFor(mappingPath, 'migrate')
  const renderer = rendererFor(json)
  if (!json) process.stderr.write(`Map: ${mappingSource}\n`)
  const { source, target, writers, ledger, close } = connect(config, renderer.event)
  try {
    // The sample is drawn with the hidden records fetched by id, so the run reads it whole and needs no gap fill
    // (which would count every id between two sampled records as deleted).
    const chosen = sample === undefined ? undefined : await chooseSample(source, mapping, sample)
    if (chosen !== undefined) renderer.event({ type: 'sample.chosen', sample: summarizeSample(chosen) })
    return await migrate(
      {
        instance: config.run.instance,
        mapping,
        batchSize: config.run.batchSize,
        ownerDecisions: readOwnerDecisions(config.run.usersPath),
        ...(config.run.defaultOwnerEmail === undefined
          ? {}
          : { defaultOwnerEmail: config.run.defaultOwnerEmail }),
        ...(sample === undefined ? {} : { sample, gapFill: false }),
      },
      {
        source: chosen === undefined ? source : sampleSource(source, chosen),
        target,
        writers,
        ledger,
        emit: renderer.event,
        now: () => new Date(),
        ...(signal === undefined ? {} : { signal }),
      },
    )
  } finally {
    renderer.flush()
    await ledger.close()
    await close()
  }
}

export function exitCodeFor(result: MigrateResult): number {
  if (!result.reconciliation.balanced) return EXIT.unbalanced
  return result.reconciliation.phases.some((p) => p.quarantined > 0) ? EXIT.quarantined : EXIT.ok
}

export async function migrateCommand(options: MigrateCommandOptions): Promise<number> {
  const config = readConfig(options.config)
  return interruptible({ command: 'migrate', json: options.json }, async (signal) => {
    const mappingPath = options.mapping ?? config.run.mapping
    const result = await runMigrate(config, options.json, mappingPath, options.sample, signal)
    return reportMigrate(result, options, config.run.ledgerPath)
  })
}

function reportMigrate(result: MigrateResult, options: MigrateCommandOptions, ledgerPath: string): number {
  if (!options.json) {
    process.stdout.write(`\n${formatReconciliation(result.reconciliation)}\n`)
    if (options.sample !== undefined)
      process.stdout.write(
        `\nA rehearsal on a sample: \`x2d365 migrate\` without --sample loads everything.\n`,
      )
    process.stdout.write(
      result.reconciliation.balanced
        ? `\nBalanced: every source record is created, updated, quarantined or skipped (ledger: ${ledgerPath}).\n`
        : `\nNOT balanced: some source records have no outcome. Run \`x2d365 migrate\` again; if it persists, report a bug.\n`,
    )
  }
  return exitCodeFor(result)
}
