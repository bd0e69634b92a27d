import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Command } from 'commander'
import { ConfigError } from '../../errors.ts'
import { renderWorkflowDocument, type X2FlowRow } from '../../report/workflow-doc.ts'
import { createMysqlSource } from '../../source/x2crm/mysql/source.ts'
import { EXIT, readConfig } from './migrate.ts'

export interface DocsOptions {
  config: string
  out: string
}

/** Reads every X2Flow automation from the X2CRM database and writes the Workflow Reconstruction Document. */
export async function docsCommand(options: DocsOptions): Promise<number> {
  const config = readConfig(options.config)
  const mysql = config.source.mysql
  if (mysql === undefined) {
    throw new ConfigError([
      'source.mysql: X2Flow definitions are only in the X2CRM database (the API does not expose them); ' +
        'configure source.mysql to write the Workflow Reconstruction Document',
    ])
  }
  const source = createMysqlSource({
    url: mysql.url,
    password: mysql.password,
    passwordEnv: mysql.passwordEnv,
  })
  try {
    const flows: X2FlowRow[] = []
    for await (const row of source.flows()) {
      let flow: unknown
      try {
        flow = JSON.parse(row.flow)
      } catch {
        flow = {}
      }
      flows.push({ ...row, active: row.active === 1, flow })
    }
    const out = resolve(options.out)
    mkdirSync(out, { recursive: true })
    const file = join(out, 'workflow-reconstruction.md')
    writeFileSync(file, renderWorkflowDocument(flows))
    process.stdout.write(
      `Wrote ${file}: ${flows.length} X2Flow automation(s) to rebuild in Power Automate.\n`,
    )
    return EXIT.ok
  } finally {
    await source.close()
  }
}

export function registerDocs(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('docs')
    .description(
      'write the Workflow Reconstruction Document: each X2Flow automation as trigger, conditions and steps, with ' +
        'the Power Automate trigger and actions that rebuild it (reads the X2CRM database)',
    )
    .option('-c, --config <path>', 'configuration file', 'x2d365.yaml')
    .option('-o, --out <dir>', 'output folder', 'docs')
    .action(async (options: DocsOptions) => setExitCode(await docsCommand(options)))
}
