import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import type { Command } from 'commander'
import { assertUsablePaths } from '../../paths.ts'
import { describeDiscovery, discover } from '../../discover/discover.ts'
import { measureScope } from '../../discover/measure-scope.ts'
import { buildScopeReport, renderScopeMarkdown, summarizeScope } from '../../discover/scope-report.ts'
import { readTargetSchema } from '../../schema/read-target-schema.ts'
import type { MysqlSource } from '../../source/x2crm/mysql/source.ts'
import type { X2crmCatalog, X2crmSource } from '../../source/x2crm/types.ts'
import { connect } from '../connect.ts'
import { EXIT, readConfig } from './migrate.ts'
import { connectMetadata, standardTables } from './schema.ts'

interface DiscoverOptions {
  config: string
  out: string
  scope?: string
  json?: boolean
}

export function registerDiscover(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('discover')
    .description(
      'read both schemas (fields, custom fields, dropdowns, users; tables, columns, keys) and record counts, and ' +
        'write the scope report: modules, attachments, workflows and reports, a complexity grade and a cutover estimate',
    )
    .addHelpText(
      'after',
      `
Writes:
  discovery.json   both schemas and the counts (--out); \`x2d365 map propose\` reads it
  scope.md         the scope report to read and share: modules with record counts and custom fields, users,
                   attachment volume, workflows and reports to rebuild, a complexity grade A–E with each
                   factor explained, and the time a full load and a delta take
  scope.json       the same, for scripts
scope.md and scope.json go next to discovery.json unless --scope names another folder.

The cutover estimate uses the throughput of the newest succeeded \`x2d365 migrate\` run in the ledger (a
rehearsal), else Dataverse's service protection limits × application users × run.batchSize.
Workflows, processes and reports are counted only with source.mysql: API v2 cannot read them.

Exit codes:
  0  written
  1  X2CRM or Dataverse could not be read (the message says why)
  2  configuration problem`,
    )
    .option('-c, --config <path>', 'configuration file', 'x2d365.yaml')
    .option('-o, --out <path>', 'where to write the discovery', 'discovery.json')
    .option('--scope <dir>', 'folder for scope.md and scope.json (default: the folder of --out)')
    .option('--json', 'print the scope report as JSON')
    .action(async (options: DiscoverOptions) => {
      const config = readConfig(options.config)
      assertUsablePaths([
        { path: options.out, what: '--out', kind: 'file' },
        { path: options.scope ?? dirname(resolve(options.out)), what: '--scope', kind: 'folder' },
      ])
      const connections = connect(config, () => undefined)
      const { source, ledger } = connections
      const metadata = connectMetadata(config)
      const standard = standardTables()
      try {
        // createX2crmClient implements the catalog too; Connections types only the source part.
        const catalog = source as X2crmSource & X2crmCatalog
        const discovery = await discover({
          source: catalog,
          readTable: async (name) => (await readTargetSchema(metadata, [name], standard))[name],
          now: () => new Date(),
        })
        writeFileSync(options.out, `${JSON.stringify(discovery, null, 2)}\n`)
        const facts = await measureScope(
          discovery,
          {
            source: catalog,
            // connect() reads the database whenever source.mysql is configured.
            ...(config.source.mysql !== undefined && { database: source as MysqlSource }),
            runs: () => ledger.runs(),
            now: () => new Date(),
          },
          {
            appUsers: 1 + (config.target.additionalAppUsers?.length ?? 0),
            batchSize: config.run.batchSize,
            ...(config.source.uploads?.dir !== undefined && { uploadsDir: config.source.uploads.dir }),
          },
        )
        const scope = buildScopeReport(discovery, facts)
        const scopeDir = resolve(options.scope ?? dirname(options.out))
        mkdirSync(scopeDir, { recursive: true })
        writeFileSync(join(scopeDir, 'scope.json'), `${JSON.stringify(scope, null, 2)}\n`)
        writeFileSync(join(scopeDir, 'scope.md'), renderScopeMarkdown(scope))
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ discovery: options.out, scopeDir, scope })}\n`)
        } else {
          for (const line of describeDiscovery(discovery)) process.stdout.write(`${line}\n`)
          for (const line of summarizeScope(scope)) process.stdout.write(`${line}\n`)
          process.stdout.write(
            `Wrote ${options.out}, ${join(scopeDir, 'scope.md')} and scope.json. Next: \`x2d365 map propose\`.\n`,
          )
        }
      } finally {
        await ledger.close()
        await connections.close()
      }
      setExitCode(EXIT.ok)
    })
}
