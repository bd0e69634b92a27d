import { createWriteStream, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Command } from 'commander'
import { parseDocument } from 'yaml'
import type { RunConfig } from '../../config/config.ts'
import { ConfigError } from '../../errors.ts'
import { createPooledFetch } from '../../http/pooled-fetch.ts'
import type { Mapping } from '../../mapping/types.ts'
import type { TargetSchema } from '../../mapping/schemas.ts'
import { formatValidation, renderValidationMarkdown } from '../../report/render-validation.ts'
import { quarantineCsvHeader, quarantineCsvLines } from '../../report/quarantine-csv.ts'
import { validate, type ValidationResult } from '../../run/validate.ts'
import { describePlan, planSchema, tablesOf } from '../../schema/plan-schema.ts'
import { readTargetSchema } from '../../schema/read-target-schema.ts'
import { schemaAfterPlan } from '../../schema/schema-after-plan.ts'
import { createMsalTokenProvider } from '../../target/dataverse/auth.ts'
import { createDataverseClient } from '../../target/dataverse/client.ts'
import { createDataverseMetadataClient } from '../../target/dataverse/metadata.ts'
import type { DataverseTarget } from '../../target/dataverse/types.ts'
import { connectSource } from '../connect.ts'
import { createHumanRenderer } from '../render.ts'
import { EXIT, mappingFor, readConfig } from './migrate.ts'
import { standardTables } from './schema.ts'
import { readOwnerDecisions } from './users.ts'
import { assertUsablePaths } from '../../paths.ts'

export interface ValidateCommandOptions {
  config: string
  mapping?: string
  offline?: boolean
  json?: boolean
  out: string
}

/**
 * Reads and checks everything a migration would load, writes validation.json, validation.md and
 * quarantine-preview.csv to `out`, and prints the result. Never writes to Dataverse: only systemusers and the tables'
 * metadata are read, and offline not even that.
 */
export async function validateCommand(options: ValidateCommandOptions): Promise<number> {
  const config = options.offline ? readConfigOffline(options.config) : readConfig(options.config)
  const { mapping, source: mapSource } = mappingFor(options.mapping ?? config.run.mapping, 'validate')
  const ownerDecisions = readOwnerDecisions(config.run.usersPath)
  const renderer = options.json
    ? { event: () => undefined, flush: () => undefined }
    : createHumanRenderer(process.stderr)
  if (!options.json) process.stderr.write(`Map: ${mapSource}\n`)
  const out = resolve(options.out)
  assertUsablePaths([{ path: out, what: '--out', kind: 'folder' }])
  mkdirSync(out, { recursive: true })
  // Written beside, then renamed: a run that stops leaves no preview that looks complete.
  const csvPath = join(out, 'quarantine-preview.csv')
  const csv = createWriteStream(`${csvPath}.partial`)
  csv.write(quarantineCsvHeader())
  const closing: (() => Promise<void>)[] = []
  let result: ValidationResult | undefined
  try {
    const source = connectSource(config, renderer.event, (info) =>
      renderer.event({ type: 'request.retry', ...info }),
    )
    closing.push(source.close)
    const reader = options.offline ? undefined : connectReader(config)
    if (reader) closing.push(reader.close)
    const schema = await expectedSchema(mapping, reader?.readTables)
    result = await validate(
      {
        instance: config.run.instance,
        mapping,
        batchSize: config.run.batchSize,
        ownerDecisions,
        ...(config.run.defaultOwnerEmail === undefined
          ? {}
          : { defaultOwnerEmail: config.run.defaultOwnerEmail }),
        tablesFrom: reader
          ? "the environment's metadata"
          : 'the standard Dataverse tables (offline), plus what the map creates',
        pendingSchema: schema.pending,
      },
      {
        source: source.source,
        ...(reader && { target: reader.target }),
        tables: schema.tables,
        emit: renderer.event,
        now: () => new Date(),
        onQuarantined: (outcome, record) => csv.write(quarantineCsvLines(outcome, { mapping, record })),
      },
    )
  } finally {
    renderer.flush()
    await new Promise<void>((done) => csv.end(done))
    if (result === undefined) rmSync(`${csvPath}.partial`, { force: true })
    for (const close of closing) await close()
  }
  renameSync(`${csvPath}.partial`, csvPath)
  writeFileSync(join(out, 'validation.json'), `${JSON.stringify({ map: mapSource, ...result }, null, 2)}\n`)
  writeFileSync(join(out, 'validation.md'), renderValidationMarkdown(result, mapSource))
  const files = ['validation.json', 'validation.md', 'quarantine-preview.csv'].map((f) => join(out, f))
  if (options.json) process.stdout.write(`${JSON.stringify({ map: mapSource, ...result, files })}\n`)
  else {
    process.stdout.write(`\n${formatValidation(result)}`)
    process.stdout.write(`\nWrote ${out}: validation.md, validation.json, quarantine-preview.csv\n`)
  }
  return exitCodeForValidation(result)
}

/** 2 when migrate would refuse to start (owners), 3 when records would be quarantined, else 0. */
export function exitCodeForValidation(result: ValidationResult): number {
  if (result.owners.checked && result.owners.refusal !== undefined) return EXIT.config
  return result.quarantine.total > 0 ? EXIT.quarantined : EXIT.ok
}

/**
 * The map's tables as the load will find them: the environment's metadata (or offline, the standard tables) with
 * what `schema apply` would still add, and that list of changes (empty offline: there is nothing to compare with).
 */
async function expectedSchema(
  mapping: Mapping,
  readTables: ((names: string[]) => Promise<TargetSchema>) | undefined,
): Promise<{ tables: TargetSchema; pending: string[] }> {
  const standard = standardTables()
  const current = readTables ? await readTables(tablesOf(mapping)) : standard
  const plan = planSchema(mapping, current)
  const pending =
    readTables === undefined
      ? []
      : [
          ...plan.conflicts.map((c) => `conflict: ${c}`),
          ...(plan.operations.length > 0 ? describePlan(plan) : []),
        ]
  return { tables: schemaAfterPlan(current, plan), pending }
}

/** Read-only Dataverse access: users for the owners, metadata for the columns. */
function connectReader(config: RunConfig): {
  target: Pick<DataverseTarget, 'query'>
  readTables: (names: string[]) => Promise<TargetSchema>
  close: () => Promise<void>
} {
  const pool = createPooledFetch({
    connections: 4,
    ...(config.target.caFile === undefined ? {} : { ca: readCa(config.target.caFile) }),
  })
  const { getToken } = createMsalTokenProvider({
    authority: config.target.authority,
    clientId: config.target.clientId,
    clientSecret: config.target.clientSecret,
    scope: `${config.target.url}/.default`,
    fetch: pool,
  })
  const client = createDataverseClient({ url: config.target.url, fetch: pool, getToken })
  const metadata = createDataverseMetadataClient({ url: config.target.url, fetch: pool, getToken })
  return {
    // Only the query: this command has no way to write.
    target: { query: (entitySet, options) => client.query(entitySet, options) },
    readTables: (names) => readTargetSchema(metadata, names, standardTables()),
    close: () => pool.close(),
  }
}

function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigError([
      `target.dataverse.caFile: cannot read ${path} (${error instanceof Error ? error.message : String(error)})`,
    ])
  }
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

export function registerValidate(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('validate')
    .summary('dry run: read, transform and check every record; write nothing to Dataverse')
    .description(
      'Read every record the confirmed map would load (the records X2CRM lists hide included), transform it, and ' +
        'make the checks Dataverse would otherwise make at load time: columns exist, text fits, required columns ' +
        'are set, numbers and choices are valid. Links whose parent would not be in Dataverse are reported as ' +
        '"link left empty", owners without a Dataverse user as a finding. Nothing is written to Dataverse and ' +
        'nothing to the ledger.',
    )
    .addHelpText(
      'after',
      `
Writes to --out (default validation/):
  validation.md            per phase: would load / quarantine / skip; reasons with examples; owners
  validation.json          the same, for scripts
  quarantine-preview.csv   every record that would be quarantined, in the columns of a run's quarantine.csv: one
                           line per field the reason is about, with its value; fill in fixed_value and feed it
                           back with \`x2d365 fix\`

Offline (--offline): Dataverse is not contacted (its secret need not be set); columns are checked against the
standard tables plus what the map creates, and owners are not checked.

Exit codes:
  0  nothing would be quarantined by the checks validate can make
  1  stopped by a failure (X2CRM or Dataverse unreachable, credentials)
  2  configuration problem, or migrate would refuse to start (owners without a Dataverse user); files are written
  3  some records would be quarantined: see validation.md and quarantine-preview.csv`,
    )
    .option('-c, --config <path>', 'configuration file', 'x2d365.yaml')
    .option('--mapping <path>', 'a confirmed mapping.yaml (default: run.mapping, else the built-in map)')
    .option('--offline', 'do not contact Dataverse: standard tables for the columns, owners not checked')
    .option('-o, --out <dir>', 'where the files go', 'validation')
    .option('--json', 'print only the result, as one JSON document (no progress)')
    .action(async (options: ValidateCommandOptions) => setExitCode(await validateCommand(options)))
}
