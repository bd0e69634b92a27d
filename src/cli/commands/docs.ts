import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ConfigError } from '../../errors.ts'
import { assertUsablePaths } from '../../paths.ts'
import { describeDocs } from '../../report/docs-summary.ts'
import { gatherInventory } from '../../report/gather-inventory.ts'
import { countInventory } from '../../report/inventory.ts'
import { renderInventoryMarkdown, renderProcessesMarkdown } from '../../report/inventory-markdown.ts'
import { renderWorkflowDocument, type X2FlowRow } from '../../report/workflow-doc.ts'
import { connectDatabase } from '../connect.ts'
import { EXIT } from '../exit-codes.ts'
import { readConfig } from '../inputs.ts'
import { silent, withSession } from '../session.ts'

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
  await withSession(
    silent,
    () => connectDatabase(mysql),
    async (source) => {
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
      process.stdout.write(
        options.json ? `${JSON.stringify({ file, counts })}\n` : describeDocs(file, counts),
      )
    },
  )
  return EXIT.ok
}
