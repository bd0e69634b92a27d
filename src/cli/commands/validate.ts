import { createWriteStream, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Mapping } from '../../mapping/types.ts'
import type { TargetSchema } from '../../mapping/schemas.ts'
import { assertUsablePaths } from '../../paths.ts'
import { quarantineCsvHeader, quarantineCsvLines } from '../../report/quarantine-csv.ts'
import { formatValidation, renderValidationMarkdown } from '../../report/render-validation.ts'
import { validate, type ValidationResult } from '../../run/validate.ts'
import { describePlan, planSchema, tablesOf } from '../../schema/plan-schema.ts'
import { readTargetSchema } from '../../schema/read-target-schema.ts'
import { schemaAfterPlan } from '../../schema/schema-after-plan.ts'
import type { DataverseMetadata } from '../../target/dataverse/metadata.ts'
import { standardTables } from '../../target/dataverse/standard-tables.ts'
import { connectReadOnly } from '../connect.ts'
import { exitCodeForValidation } from '../exit-codes.ts'
import { mappingFor, readConfig, readConfigOffline, runSettingsOf } from '../inputs.ts'
import { createHumanRenderer } from '../render.ts'
import { silent, withSession } from '../session.ts'

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
  const offline = options.offline === true
  const config = offline ? readConfigOffline(options.config) : readConfig(options.config)
  const { mapping, source: mapSource } = mappingFor(options.mapping ?? config.run.mapping, 'validate')
  const settings = runSettingsOf(config)
  const renderer = options.json ? silent : createHumanRenderer(process.stderr)
  if (!options.json) process.stderr.write(`Map: ${mapSource}\n`)
  const out = resolve(options.out)
  assertUsablePaths([{ path: out, what: '--out', kind: 'folder' }])
  mkdirSync(out, { recursive: true })
  // Written beside, then renamed: a run that stops leaves no preview that looks complete.
  const csvPath = join(out, 'quarantine-preview.csv')
  const result = await withSession(
    renderer,
    (emit) => connectReadOnly(config, emit, { offline }),
    async ({ source, dataverse }, emit) => {
      const csv = createWriteStream(`${csvPath}.partial`)
      csv.write(quarantineCsvHeader())
      let validated: ValidationResult | undefined
      try {
        const schema = await expectedSchema(mapping, dataverse?.metadata)
        validated = await validate(
          {
            ...settings,
            mapping,
            tablesFrom: dataverse
              ? "the environment's metadata"
              : 'the standard Dataverse tables (offline), plus what the map creates',
            pendingSchema: schema.pending,
          },
          {
            source,
            ...(dataverse && { target: dataverse.target }),
            tables: schema.tables,
            emit,
            now: () => new Date(),
            onQuarantined: (outcome, record) => csv.write(quarantineCsvLines(outcome, { mapping, record })),
          },
        )
        return validated
      } finally {
        await new Promise<void>((done) => csv.end(done))
        if (validated === undefined) rmSync(`${csvPath}.partial`, { force: true })
      }
    },
  )
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

/**
 * The map's tables as the load will find them: the environment's metadata (or offline, the standard tables) with
 * what `schema apply` would still add, and that list of changes (empty offline: there is nothing to compare with).
 */
async function expectedSchema(
  mapping: Mapping,
  metadata: DataverseMetadata | undefined,
): Promise<{ tables: TargetSchema; pending: string[] }> {
  const standard = standardTables()
  const current = metadata ? await readTargetSchema(metadata, tablesOf(mapping), standard) : standard
  const plan = planSchema(mapping, current)
  const pending =
    metadata === undefined
      ? []
      : [
          ...plan.conflicts.map((c) => `conflict: ${c}`),
          ...(plan.operations.length > 0 ? describePlan(plan) : []),
        ]
  return { tables: schemaAfterPlan(current, plan), pending }
}
