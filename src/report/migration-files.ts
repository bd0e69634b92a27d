import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Ledger, RunInfo } from '../ledger/ledger.ts'
import type { Mapping } from '../mapping/types.ts'
import { mapIdentity, operatorName, packageVersion, readDiscoveredScope } from './identity.ts'
import { buildMigrationReport, type MigrationReport, type ReportIdentity } from './migration-report.ts'
import { writePdf } from './pdf.ts'
import { renderMigrationHtml, verdict } from './render-migration-html.ts'
import { renderMigrationMarkdown } from './render-migration-markdown.ts'

export interface MigrationReportRequest {
  out: string
  runs: readonly RunInfo[]
  ledger: Pick<Ledger, 'outcomes' | 'counts' | 'fixes'>
  mapping: Mapping
  /** The map file, when one is used (else the built-in map). */
  mappingPath?: string | undefined
  source: ReportIdentity['source']
  target: ReportIdentity['target']
  by?: string
  /** discovery.json; scope.json is read beside it. */
  discoveryPath: string
  pdf: boolean
  /** What was left out of the report and why, for the caller to print. */
  notes: string[]
  now?: () => Date
}

/** Builds the migration's report and writes report.json, report.md, report.html and (with `pdf`) report.pdf. */
export async function writeMigrationReport(
  request: MigrationReportRequest,
): Promise<{ report: MigrationReport; files: string[]; verdict: string }> {
  const discovered = readDiscoveredScope(
    request.discoveryPath,
    join(dirname(request.discoveryPath), 'scope.json'),
    request.notes,
  )
  if (discovered === undefined)
    request.notes.push(
      `no ${request.discoveryPath} (nor scope.json beside it): the report cannot list the X2CRM modules and fields ` +
        'left out; run `x2d365 discover` or pass --discovery',
    )
  const report = await buildMigrationReport({
    runs: request.runs,
    ledger: request.ledger,
    mapping: request.mapping,
    identity: {
      source: request.source,
      target: request.target,
      map: mapIdentity(request.mappingPath),
      version: packageVersion(),
      operator: operatorName(request.by),
      generatedAt: (request.now ?? (() => new Date()))().toISOString(),
    },
    ...(discovered !== undefined && { discovered }),
  })
  const html = join(request.out, 'report.html')
  writeFileSync(join(request.out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`)
  writeFileSync(join(request.out, 'report.md'), renderMigrationMarkdown(report))
  writeFileSync(html, renderMigrationHtml(report))
  const files = ['report.html', 'report.md', 'report.json']
  if (request.pdf) {
    await writePdf(html, join(request.out, 'report.pdf'))
    files.push('report.pdf')
  }
  return { report, files, verdict: verdict(report).text }
}
