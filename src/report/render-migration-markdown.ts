import { describeRetries } from '../run/retry-tally.ts'
import { describeClosed } from './closed-opportunities.ts'
import type { MigrationReport } from './migration-report.ts'
import { mapText, verdict } from './render-migration-html.ts'
import type { RuleGroup } from './rule-groups.ts'
import { findingsMarkdown, repairsMarkdown } from './findings-section.ts'

/** The migration's report as Markdown, for a ticket or an e-mail; the HTML and PDF are the documents to sign. Pure. */
export function renderMigrationMarkdown(report: MigrationReport): string {
  const id = report.identity
  const lines = [
    '# Migration report: X2CRM → Microsoft Dynamics 365',
    '',
    `- source (X2CRM): ${cell(id.source.url ?? 'not recorded')}, instance ${cell(id.source.instance)}`,
    `- target (Dataverse): ${cell(id.target.url ?? 'not recorded')}`,
    `- map: ${cell(mapText(id.map))}`,
    `- x2d365 ${id.version}, operator ${cell(id.operator)}, written ${id.generatedAt}`,
    ...(report.migration === undefined
      ? []
      : [
          `- migration: run ${report.migration.runId} (${report.migration.status}), ${report.migration.startedAt}`,
          ...(report.migration.retries === undefined
            ? []
            : [`- requests sent again: ${describeRetries(report.migration.retries)}`]),
        ]),
    '',
    verdict(report).text,
    '',
    '## What was migrated',
    '',
    '| X2CRM class | Dataverse table | records | loaded | quarantined | skipped |',
    '|---|---|---:|---:|---:|---:|',
    ...report.scope.map(
      (s) =>
        `| ${cell(s.phase)} | ${s.table} | ${s.records ?? '—'} | ${s.loaded ?? '—'} | ${s.quarantined ?? '—'} | ${s.skipped ?? '—'} |`,
    ),
    '',
    '## What was left out, and why',
    '',
    '| kind | what | count | why |',
    '|---|---|---:|---|',
    ...report.leftOut.map(
      (l) => `| ${l.kind} | ${cell(l.what)} | ${l.count ?? 'not counted'} | ${cell(l.reason)} |`,
    ),
    ...(report.closed === undefined ? [] : ['', describeClosed(report.closed)]),
    ...rules(`Quarantined (${report.quarantine.total})`, report.quarantine.groups),
    '',
    'Fix path: fill in `fixed_value` in `quarantine.csv`, then `x2d365 fix quarantine.csv`.',
    ...rules(`Loaded with warnings (${report.warnings.total})`, report.warnings.groups),
    ...repairsMarkdown(report.repairs),
    ...findingsMarkdown(report.findings),
    '',
    '## Verification',
    '',
    report.verification === null
      ? 'Not verified: run `x2d365 verify`.'
      : `Verify run ${report.verification.report.runId}: ${report.verification.report.ok ? 'every record checked matches its source' : 'differences found'}.`,
    '',
    '## Cutover history',
    '',
    '| when | what | run / by | status | result |',
    '|---|---|---|---|---|',
    ...report.history.map((h) => `| ${h.at} | ${h.kind} | ${cell(h.id)} | ${h.status} | ${cell(h.what)} |`),
    '',
    '## Sign-off',
    '',
    '| role | name | date | signature |',
    '|---|---|---|---|',
    `| Migration lead | ${cell(id.operator)} | | |`,
    '| Customer: business owner | | | |',
    '| Customer: IT / Dynamics 365 administrator | | | |',
  ]
  return `${lines.join('\n')}\n`
}

function rules(title: string, groups: readonly RuleGroup[]): string[] {
  const lines = ['', `## ${title}`, '']
  if (groups.length === 0) return [...lines, 'None.']
  lines.push('| phase | X2CRM field | rule | records | examples |', '|---|---|---|---:|---|')
  for (const g of groups)
    lines.push(
      `| ${cell(g.phase)} | ${cell(g.field)} | ${cell(g.rule)} | ${g.count} | ${g.examples.map((x) => cell(x.sourceKey)).join(', ')} |`,
    )
  return lines
}

/** Text in a table cell: a pipe or a line break would end the cell or the row, `<` would open HTML. */
function cell(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
}
