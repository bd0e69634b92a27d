import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import type { RunConfig } from '../../config/config.ts'
import { ConfigError } from '../../errors.ts'
import { createTrustingFetch, type Fetch } from '../../http/trusting-fetch.ts'
import type { TargetSchema } from '../../mapping/schemas.ts'
import { applySchema } from '../../schema/apply-schema.ts'
import { describePlan, planSchema, tablesOf } from '../../schema/plan-schema.ts'
import { readTargetSchema } from '../../schema/read-target-schema.ts'
import { createMsalTokenProvider } from '../../target/dataverse/auth.ts'
import { createDataverseMetadataClient, type DataverseMetadata } from '../../target/dataverse/metadata.ts'
import { loadConfirmedMapping } from './map.ts'
import { EXIT, readConfig } from './migrate.ts'

const out = (text: string) => process.stdout.write(`${text}\n`)

/** The metadata client for a trusted config (the same auth as `connect`). */
export function connectMetadata(config: RunConfig): DataverseMetadata {
  const fetch: Fetch = config.target.caFile
    ? createTrustingFetch(readFileSync(config.target.caFile, 'utf8'))
    : globalThis.fetch
  const { getToken } = createMsalTokenProvider({
    authority: config.target.authority,
    clientId: config.target.clientId,
    clientSecret: config.target.clientSecret,
    scope: `${config.target.url}/.default`,
    fetch,
  })
  return createDataverseMetadataClient({ url: config.target.url, fetch, getToken })
}

/**
 * Standard tables' navigation properties (EntityDefinitions' attributes do not carry them), from the tables.json
 * the Dataverse simulator also uses.
 */
export function standardTables(): TargetSchema {
  try {
    return JSON.parse(
      readFileSync(new URL('../../../sim/dataverse/tables.json', import.meta.url), 'utf8'),
    ) as TargetSchema
  } catch {
    return {}
  }
}

export function registerSchema(program: Command, setExitCode: (code: number) => void): void {
  const schema = program.command('schema').description('Dataverse schema the confirmed map needs')
  schema
    .command('apply')
    .description(
      'create the columns, choices, X2CRM id column, alternate keys and tables the confirmed map needs',
    )
    .option('-c, --config <path>', 'configuration file', 'x2d365.yaml')
    .option('-m, --mapping <path>', 'the confirmed map', 'mapping.yaml')
    .option('--dry-run', 'print the plan; change nothing')
    .option(
      '--license <license>',
      'professional or enterprise (Sales Professional limits custom tables)',
      'enterprise',
    )
    .action(async (options: { config: string; mapping: string; dryRun?: boolean; license: string }) => {
      if (options.license !== 'professional' && options.license !== 'enterprise') {
        throw new ConfigError([`--license: "${options.license}" is not professional or enterprise`])
      }
      const mapping = loadConfirmedMapping(options.mapping, 'schema apply')
      const config = readConfig(options.config)
      const metadata = connectMetadata(config)
      const tables = tablesOf(mapping)
      const current = await readTargetSchema(metadata, tables, standardTables())
      const plan = planSchema(mapping, current, { license: options.license })
      for (const warning of plan.warnings) process.stderr.write(`warning: ${warning}\n`)
      if (plan.conflicts.length > 0) {
        throw new ConfigError(
          plan.conflicts.map((c) => `${options.mapping}: ${c}; change the map and confirm it again`),
        )
      }
      for (const line of describePlan(plan)) out(`${options.dryRun ? 'would ' : ''}${line}`)
      if (options.dryRun === true) {
        setExitCode(EXIT.ok)
        return
      }
      // A counter that redraws in a terminal; a line every 25 changes otherwise (logs, CI).
      const tty = process.stderr.isTTY
      let counting = false
      let waitReported = false
      const result = await applySchema(plan, metadata, {
        onOperation: (_op, index, total) => {
          if (tty) {
            counting = true
            process.stderr.write(`\r\x1b[K  ${index + 1}/${total}`)
          } else if ((index + 1) % 25 === 0 || index + 1 === total)
            process.stderr.write(`  ${index + 1}/${total}\n`)
        },
        // One line while the key indexes build (redrawn with the seconds in a terminal).
        keys: {
          onWait: (pending, waitedMs) => {
            const which = pending.map((k) => `${k.table}.${k.key} (${k.status})`).join(', ')
            if (tty) {
              counting = true
              process.stderr.write(
                `\r\x1b[K  waiting for alternate keys to be Active: ${which}, ${Math.floor(waitedMs / 1000)} s`,
              )
            } else if (!waitReported) {
              process.stderr.write(`  waiting for alternate keys to be Active: ${which}\n`)
            }
            waitReported = true
          },
        },
      })
      if (counting) process.stderr.write('\n')
      if (result.applied.length > 0) out(`Applied ${result.applied.length} changes and published them.`)
      if (waitReported)
        out(`The alternate keys are Active (after ${Math.round((result.keys?.waitedMs ?? 0) / 1000)} s).`)
      setExitCode(EXIT.ok)
    })
}
