import { ConfigError } from '../../errors.ts'
import type { RunConfig } from '../../config/config.ts'
import type { Mapping } from '../../mapping/types.ts'
import { applyOwnerTeams, teamUsers } from '../../run/teams.ts'
import { applyMapSchema } from '../apply-map-schema.ts'
import { connect } from '../connect.ts'
import { EXIT } from '../exit-codes.ts'
import { loadConfirmedMapping, readConfig, runSettingsOf } from '../inputs.ts'
import { teamLines } from '../render-sales.ts'
import { silent, withSession } from '../session.ts'

const out = (text: string) => process.stdout.write(`${text}\n`)

export interface SchemaApplyOptions {
  config: string
  mapping: string
  dryRun?: boolean
  license: string
}

/** `schema apply`: creates what the confirmed map needs in Dataverse (or, with --dry-run, prints it). */
export async function schemaApplyCommand(options: SchemaApplyOptions): Promise<number> {
  const license = options.license
  if (license !== 'professional' && license !== 'enterprise') {
    throw new ConfigError([`--license: "${license}" is not professional or enterprise`])
  }
  const mapping = loadConfirmedMapping(options.mapping, 'schema apply')
  const config = readConfig(options.config)
  await applyMapSchema(mapping, config, {
    license,
    mapName: options.mapping,
    ...(options.dryRun !== undefined && { dryRun: options.dryRun }),
  })
  if (mapping.settings?.teams?.create === true) await applyTeams(mapping, config, options.dryRun === true)
  return EXIT.ok
}

/** The owner teams of X2CRM's groups (`settings.teams.create`): matched by name, else created, members added. */
async function applyTeams(mapping: Mapping, config: RunConfig, dryRun: boolean): Promise<void> {
  await withSession(
    silent,
    (emit) => connect(config, emit),
    async ({ source, target }) => {
      const settings = runSettingsOf(config)
      const report = await applyOwnerTeams(
        { instance: settings.instance, mapping, dryRun },
        { source, target },
        teamUsers(settings, { source, target }),
      )
      if (report !== undefined) for (const line of teamLines(report, dryRun)) out(line)
    },
  )
}
