import { writeFileSync } from 'node:fs'
import type { Command } from 'commander'
import { describeDiscovery, discover } from '../../discover/discover.ts'
import { readTargetSchema } from '../../schema/read-target-schema.ts'
import type { X2crmCatalog, X2crmSource } from '../../source/x2crm/types.ts'
import { connect } from '../connect.ts'
import { EXIT, readConfig } from './migrate.ts'
import { connectMetadata, standardTables } from './schema.ts'

export function registerDiscover(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('discover')
    .description(
      'read both schemas (fields, custom fields, dropdowns, users; tables, columns, keys) and record counts',
    )
    .option('-c, --config <path>', 'configuration file', 'x2d365.yaml')
    .option('-o, --out <path>', 'where to write them', 'discovery.json')
    .action(async (options: { config: string; out: string }) => {
      const config = readConfig(options.config)
      const { source, ledger } = connect(config, () => undefined)
      const metadata = connectMetadata(config)
      const standard = standardTables()
      try {
        const discovery = await discover({
          // createX2crmClient implements the catalog too; Connections types only the source part.
          source: source as X2crmSource & X2crmCatalog,
          readTable: async (name) => (await readTargetSchema(metadata, [name], standard))[name],
          now: () => new Date(),
        })
        writeFileSync(options.out, `${JSON.stringify(discovery, null, 2)}\n`)
        for (const line of describeDiscovery(discovery)) process.stdout.write(`${line}\n`)
        process.stdout.write(`Wrote ${options.out}. Next: \`x2d365 map propose\`.\n`)
      } finally {
        await ledger.close()
      }
      setExitCode(EXIT.ok)
    })
}
