import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Command } from 'commander'
import { ConfigError } from '../../errors.ts'
import { assertUsablePaths } from '../../paths.ts'
import { gatherInventory } from '../../report/gather-inventory.ts'
import { countInventory } from '../../report/inventory.ts'
import { renderInventoryMarkdown, renderProcessesMarkdown } from '../../report/inventory-markdown.ts'
import { renderWorkflowDocument, type X2FlowRow } from '../../report/workflow-doc.ts'
import { createMysqlSource } from '../../source/x2crm/mysql/source.ts'
import { EXIT, readConfig } from './migrate.ts'

export interface DocsOptions {
  config: string
  out: string
  json?: boolean
}

/**
 * Reads every X2Flow automation, process, report, chart, dashboard layout, campaign and template from the X2CRM
 * database and writes the Workflow Reconstruction Document (workflow-reconstruction.md) and inventory.json.
 */
export async function docsCommand(options: DocsOptions): Promise<number> {
  const config = readConfig(options.config)
  assertUsablePaths([{ path: options.out, what: '--out', kind: 'folder' }])
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
    const inventory = await gatherInventory({ source, database: source })
    const out = resolve(options.out)
    mkdirSync(out, { recursive: true })
    const file = join(out, 'workflow-reconstruction.md')
    writeFileSync(
      file,
      [
        renderWorkflowDocument(flows),
        renderProcessesMarkdown(inventory),
        renderInventoryMarkdown(inventory),
      ].join('\n'),
    )
    writeFileSync(join(out, 'inventory.json'), `${JSON.stringify(inventory, null, 2)}\n`)
    const counts = { flows: flows.length, ...countInventory(inventory) }
    if (options.json) process.stdout.write(`${JSON.stringify({ file, counts })}\n`)
    else {
      process.stdout.write(
        `Wrote ${file}: ${counts.flows} X2Flow automation(s) to rebuild in Power Automate, ${counts.processes} ` +
          `process(es) as business process flows; to rebuild: ${counts.reports} report(s), ${counts.charts} chart(s), ` +
          `${counts.dashboards} dashboard(s), ${counts.campaigns} campaign(s), ${counts.templates} template(s) ` +
          `(also in inventory.json).\n`,
      )
    }
    return EXIT.ok
  } finally {
    await source.close()
  }
}

export function registerDocs(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('docs')
    .description(
      'write the Workflow Reconstruction Document: each X2Flow automation as trigger, conditions and steps with ' +
        'the Power Automate trigger and actions that rebuild it; each process as a business process flow; and the ' +
        'inventory of reports, charts, dashboards, campaigns and templates to rebuild (reads the X2CRM database)',
    )
    .addHelpText(
      'after',
      `
Writes, in the output folder:
  workflow-reconstruction.md   automations, processes → business process flows, inventory to rebuild
  inventory.json               the same inventory as data (reports, charts, dashboards, processes, campaigns, templates)

Needs source.mysql in the configuration: X2Flow, processes, report settings and layouts are only in the database.

Exit codes:
  0  written
  1  the database could not be read (the message says why)
  2  configuration problem (no source.mysql, a missing password variable)`,
    )
    .option('-c, --config <path>', 'configuration file', 'x2d365.yaml')
    .option('-o, --out <dir>', 'output folder', 'docs')
    .option('--json', 'print the file written and the counts as JSON')
    .action(async (options: DocsOptions) => setExitCode(await docsCommand(options)))
}
