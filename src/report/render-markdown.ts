import {
  describeDeletions,
  describeTimings,
  describeUnfinished,
  describeUnverified,
  plural,
  type DeltaChanges,
  type ReasonGroup,
  type RollbackUndo,
  type RunReport,
} from './run-report.ts'
import { showValue, type VerificationReport } from './verification.ts'

/** The run report as Markdown, for a ticket or a sign-off e-mail. Pure. */
export function renderMarkdown(report: RunReport): string {
  const lines = [
    `# x2d365 ${report.kind} run ${report.runId}`,
    '',
    `- status: **${report.status}**`,
    `- started: ${report.startedAt}${report.finishedAt ? `, finished: ${report.finishedAt}` : ''}`,
    ...describeTimings(report).map((line) => `- ${line.charAt(0).toLowerCase()}${line.slice(1)}`),
  ]
  if (report.error !== undefined) lines.push('', `**It stopped:** ${report.error}`)
  if (report.changes !== undefined) lines.push(...changesSection(report.changes))
  if (report.kind === 'migrate' || report.kind === 'delta' || report.reconciliation) {
    lines.push(...reconciliationSection(report))
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
  if (report.undo !== undefined) lines.push(...undoSection(report.undo, report.status))
  if (report.verification !== undefined) {
    lines.push(...verificationSection(report, report.verification))
  }
  if (report.kind !== 'verify') {
    lines.push(...groupSection('Quarantined records', report.quarantine.total, report.quarantine.groups))
    lines.push(
      ...groupSection('Records loaded with warnings', report.withWarnings.total, report.withWarnings.groups),
    )
    lines.push(...groupSection('Skipped', report.skipped.total, report.skipped.groups))
  }
  return `${lines.join('\n')}\n`
}

function reconciliationSection(report: RunReport): string[] {
  const lines = ['', '## Reconciliation', '']
  const r = report.reconciliation
  if (!r) return [...lines, describeUnfinished(report)]
  const deleted = r.phases.some((p) => p.deleted > 0)
  lines.push(
    `| phase | source | created | updated |${deleted ? ' deleted |' : ''} quarantined | skipped | balanced |`,
    `|---|---:|---:|---:|${deleted ? '---:|' : ''}---:|---:|---|`,
  )
  for (const p of r.phases) {
    lines.push(
      `| ${p.phase} | ${p.source} | ${p.created} | ${p.updated} |${deleted ? ` ${p.deleted} |` : ''} ${p.quarantined} | ${p.skipped} | ${p.balanced ? 'yes' : '**NO**'} |`,
    )
  }
  lines.push(
    '',
    r.balanced ? 'Every source record is accounted for.' : '**Some source records are unaccounted for.**',
  )
  return lines
}

function changesSection(delta: DeltaChanges): string[] {
  const lines = ['', '## What changed in X2CRM', '']
  if (delta.since !== undefined)
    lines.push(`Compared with what migration ${delta.since} and the deltas since loaded.`)
  lines.push(`Rows of records deleted in X2CRM: ${describeDeletions(delta.deletions)}.`, '')
  lines.push(
    '| X2CRM class | new | quarantined before, tried again | changed | deleted | unchanged |',
    '|---|---:|---:|---:|---:|---:|',
  )
  for (const e of delta.entities)
    lines.push(`| ${e.entity} | ${e.new} | ${e.retried} | ${e.changed} | ${e.deleted} | ${e.unchanged} |`)
  return lines
}

function undoSection(u: RollbackUndo, status: string): string[] {
  const lines = ['', '## What the rollback undid', '']
  lines.push(
    status === 'running'
      ? '**The rollback did not finish.** Run `x2d365 rollback` again to resume it.'
      : u.verified
        ? 'Verified: none of the rows it deleted remains, and every row it restored equals its before-image.'
        : `**NOT verified:** ${u.remaining ?? '?'} rows it should have deleted remain, ${u.mismatched ?? '?'} restored rows differ from their before-image.`,
    '',
    `It undid ${u.ofKind === undefined ? 'run' : `the ${u.ofKind} run`} ${u.of ?? '(not recorded)'}: deleted ${u.deleted} rows that run created and restored ${u.restored} rows it had changed.`,
    '',
    '| phase | deleted | restored | skipped | quarantined |',
    '|---|---:|---:|---:|---:|',
  )
  for (const p of u.phases)
    lines.push(`| ${p.phase} | ${p.deleted} | ${p.restored} | ${p.skipped} | ${p.quarantined} |`)
  if (u.remainingRows !== undefined && u.remainingRows.length > 0) {
    lines.push(
      '',
      `Rows still in Dataverse (the first ${u.remainingRows.length} of ${u.remaining ?? '?'}):`,
      '',
    )
    lines.push('| table | id | X2CRM id |', '|---|---|---|')
    for (const r of u.remainingRows) lines.push(`| ${r.entitySet} | ${r.targetId} | ${r.x2crmId ?? ''} |`)
  }
  return lines
}

function verificationSection(report: RunReport, v: VerificationReport | null): string[] {
  const itself = report.kind === 'verify'
  const lines = ['', '## Verification', '']
  if (v === null) return [...lines, describeUnverified(report)]
  const differ = v.entities.reduce((n, e) => n + e.mismatched, 0)
  const missing = v.entities.reduce((n, e) => n + e.missing, 0)
  lines.push(
    v.ok
      ? 'Every record checked matches its source, field by field.'
      : `**Differences found:** ${plural(differ, 'record')} ${differ === 1 ? 'differs from its' : 'differ from their'} source, ${plural(missing, 'record')} missing from Dataverse.`,
    '',
    `${itself ? 'This verification' : `Verify run ${v.runId}`}${v.finishedAt === undefined ? '' : ` (finished ${v.finishedAt})`} read back ${v.sample === undefined ? 'every migrated record' : `a random sample of up to ${v.sample} records per object`}${v.of === undefined ? '' : `; it checked run ${v.of}`}.`,
    '',
    '| object | checked | matched | mismatched | missing | not migrated |',
    '|---|---:|---:|---:|---:|---:|',
  )
  for (const e of v.entities)
    lines.push(
      `| ${e.entity} | ${e.checked} | ${e.matched} | ${e.mismatched} | ${e.missing} | ${e.notMigrated} |`,
    )
  // In Dataverse, but a later write was refused: not compared, and said so with the reason.
  for (const e of v.entities.filter((x) => x.quarantined > 0))
    lines.push(
      '',
      `${e.entity}: ${plural(e.quarantined, 'record')} quarantined, not compared (the row in Dataverse is older than X2CRM): ${e.quarantinedKeys
        .slice(0, 10)
        .map((q) => `${q.sourceKey} (${cell(q.reason)})`)
        .join('; ')}${e.quarantined > 10 ? '; …' : ''}`,
    )
  const columns = v.entities.flatMap((e) => e.columns.map((c) => ({ entity: e.entity, ...c })))
  lines.push('', '### Mismatches per column', '')
  if (columns.length === 0) lines.push('No column differs.')
  else {
    lines.push('| object | column | X2CRM field | rows | examples: X2CRM (through the map) → Dataverse |')
    lines.push('|---|---|---|---:|---|')
    for (const c of columns) {
      const examples = c.examples.map(
        (x) => `${x.sourceKey}: ${showValue(x.expected)} → ${showValue(x.actual)}`,
      )
      // Each example escaped on its own: the <br> between them is markup, not text.
      lines.push(
        `| ${c.entity} | ${c.column} | ${c.field} | ${c.rows} | ${examples.map(cell).join('<br>')} |`,
      )
    }
  }
  for (const e of v.entities.filter((x) => x.missing > 0)) {
    lines.push(
      '',
      `${e.entity}: missing from Dataverse: ${e.missingKeys.join(', ')}${e.missing > e.missingKeys.length ? `, … (${e.missing} in all)` : ''}`,
    )
  }
  return lines
}

function groupSection(title: string, total: number, groups: readonly ReasonGroup[]): string[] {
  const lines = ['', `## ${title} (${total})`, '']
  if (total === 0) return [...lines, 'None.']
  lines.push('| phase | count | reason | examples |', '|---|---:|---|---|')
  for (const g of groups)
    lines.push(`| ${g.phase} | ${g.count} | ${cell(g.reason)} | ${g.examples.join(', ')} |`)
  return lines
}

/** Text in a table cell: a pipe or a line break would end the cell or the row. */
function cell(text: string): string {
  // X2CRM values and Dataverse messages are text: `<` would open HTML in a Markdown viewer.
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
}
