import type { ReasonGroup, RunReport } from './run-report.ts'

/** The run report as Markdown, for a ticket or a sign-off e-mail. Pure. */
export function renderMarkdown(report: RunReport): string {
  const lines = [
    `# x2d365 ${report.kind} run ${report.runId}`,
    '',
    `- status: **${report.status}**`,
    `- started: ${report.startedAt}${report.finishedAt ? `, finished: ${report.finishedAt}` : ''}`,
  ]
  if (report.seconds !== undefined) lines.push(`- duration: ${report.seconds.toFixed(1)} s`)
  if (report.recordsPerSecond !== undefined) lines.push(`- throughput: ${report.recordsPerSecond} records/s`)
  lines.push('', '## Reconciliation', '')
  if (report.reconciliation) {
    lines.push(
      '| phase | source | created | updated | quarantined | skipped | balanced |',
      '|---|---:|---:|---:|---:|---:|---|',
    )
    for (const p of report.reconciliation.phases) {
      lines.push(
        `| ${p.phase} | ${p.source} | ${p.created} | ${p.updated} | ${p.quarantined} | ${p.skipped} | ${p.balanced ? 'yes' : '**NO**'} |`,
      )
    }
    lines.push(
      '',
      report.reconciliation.balanced
        ? 'Every source record is accounted for.'
        : '**Some source records are unaccounted for.**',
    )
  } else {
    lines.push('The run did not finish: no reconciliation yet. Run `x2d365 migrate` again to resume it.')
  }
  if (report.completeness && report.completeness.length > 0) {
    lines.push(
      '',
      '## Completeness of the source',
      '',
      'X2CRM hides some records from its lists; they were fetched by id.',
      '',
    )
    lines.push('| phase | X2CRM count | listed | found by id | ids deleted |', '|---|---:|---:|---:|---:|')
    for (const c of report.completeness)
      lines.push(`| ${c.phase} | ${c.count} | ${c.listed} | ${c.gapFetched} | ${c.missing} |`)
  }
  lines.push(...groupSection('Quarantined records', report.quarantine.total, report.quarantine.groups))
  lines.push(
    ...groupSection('Records loaded with warnings', report.withWarnings.total, report.withWarnings.groups),
  )
  lines.push(...groupSection('Skipped', report.skipped.total, report.skipped.groups))
  return `${lines.join('\n')}\n`
}

function groupSection(title: string, total: number, groups: readonly ReasonGroup[]): string[] {
  const lines = ['', `## ${title} (${total})`, '']
  if (total === 0) return [...lines, 'None.']
  lines.push('| phase | count | reason | examples |', '|---|---:|---|---|')
  for (const g of groups)
    lines.push(`| ${g.phase} | ${g.count} | ${g.reason.replace(/\|/g, '\\|')} | ${g.examples.join(', ')} |`)
  return lines
}
