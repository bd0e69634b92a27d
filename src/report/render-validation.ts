import type { OwnerCheck, ValidationResult } from '../run/validate.ts'
import type { ReasonTallyGroup } from '../run/reason-groups.ts'
import { findingsLines, findingsMarkdown, repairsMarkdown } from './findings-section.ts'
import { describeTaker } from './owners-summary.ts'

/** Per phase: what a migration would do with the records read, as a fixed-width table for terminals. Pure. */
export function formatValidationPhases(result: ValidationResult): string {
  const header = ['phase', 'source', 'would load', 'would quarantine', 'would skip', 'with warnings']
  const rows = result.phases.map((p) => [
    p.phase,
    String(p.source),
    String(p.wouldLoad),
    String(p.wouldQuarantine),
    String(p.wouldSkip),
    String(p.withWarnings),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)))
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

/** The result for a terminal: the phase table, the top reasons with examples, owners, what was not checked. Pure. */
export function formatValidation(result: ValidationResult, options: { top?: number } = {}): string {
  const top = options.top ?? 10
  const lines = [formatValidationPhases(result), '']
  if (result.quarantine.total === 0)
    lines.push('Nothing would be quarantined by the checks validate can make.')
  else {
    lines.push(`Would quarantine ${result.quarantine.total} records:`)
    lines.push(...reasonLines(result.quarantine.groups, top))
  }
  if (result.warnings.total > 0) {
    lines.push('', `Would load ${result.warnings.total} records with warnings; the most frequent:`)
    lines.push(...reasonLines(result.warnings.groups, Math.min(top, 5)))
  }
  if (result.skipped.total > 0) {
    lines.push('', `Would skip ${result.skipped.total} records:`)
    lines.push(...reasonLines(result.skipped.groups, top))
  }
  const found = findingsLines(result.findings, result.repairs)
  if (found.length > 0) lines.push('', ...found)
  const added = result.newFields ?? []
  if (added.length > 0) {
    lines.push(
      '',
      `${added.length} X2CRM field${added.length > 1 ? 's' : ''} the map does not name (new since it was confirmed; \`x2d365 map propose --update\` adds them): ` +
        added.map((f) => `${f.entity}.${f.field}`).join(', '),
    )
  }
  lines.push('', ...ownerLines(result.owners))
  lines.push(...columnLines(result))
  lines.push(`Only Dataverse can refuse for: ${result.onlyDataverse.join('; ')}.`)
  return `${lines.join('\n')}\n`
}

function reasonLines(groups: readonly ReasonTallyGroup[], top: number): string[] {
  const lines: string[] = []
  for (const g of groups.slice(0, top)) {
    lines.push(`  ${String(g.count).padStart(6)}  ${g.phase}  ${g.field ? `${g.field}: ` : ''}${g.rule}`)
    for (const e of g.examples)
      lines.push(`            ${e.sourceKey}${e.value === undefined ? '' : `  ${e.value}`}`)
  }
  if (groups.length > top) lines.push(`  … and ${groups.length - top} more reasons (see validation.md)`)
  return lines
}

function ownerLines(owners: OwnerCheck): string[] {
  if (!owners.checked) return [`Owners: not checked (${owners.note}).`]
  const lines = [
    `Owners: ${owners.matched} X2CRM users matched to Dataverse users` +
      (owners.defaulted.length > 0
        ? `; the default owner takes the records of ${owners.defaulted.join(', ')}`
        : '') +
      '.',
  ]
  if (owners.refusal !== undefined) lines.push(`migrate would not start: ${owners.refusal}`)
  return lines
}

function columnLines(result: ValidationResult): string[] {
  const lines = [`Columns checked against ${result.columns.from}.`]
  if (result.columns.unchecked.length > 0) {
    lines.push(
      `Not checked column by column (no metadata): ${result.columns.unchecked.join(', ')}; run \`x2d365 schema apply\` first.`,
    )
  }
  const pending = result.columns.pendingSchema.length
  if (pending > 0) {
    lines.push(
      `\`x2d365 schema apply\` still has ${pending} change${pending > 1 ? 's' : ''} to make (see validation.md); the checks assumed ${pending > 1 ? 'them' : 'it'} made.`,
    )
  }
  return lines
}

/** The result as Markdown, to attach to a ticket or a sign-off. Pure. */
export function renderValidationMarkdown(result: ValidationResult, map: string): string {
  const lines = [
    `# x2d365 validation of ${result.instance}`,
    '',
    `- map: ${map}`,
    `- read: ${result.startedAt}, in ${result.seconds.toFixed(1)} s`,
    `- columns checked against ${result.columns.from}`,
    '- nothing was written to Dataverse',
    '',
    '## What a migration would do',
    '',
    '| phase | source | would load | would quarantine | would skip | with warnings |',
    '|---|---:|---:|---:|---:|---:|',
    ...result.phases.map(
      (p) =>
        `| ${p.phase} | ${p.source} | ${p.wouldLoad} | ${p.wouldQuarantine} | ${p.wouldSkip} | ${p.withWarnings} |`,
    ),
  ]
  const complete = result.phases.filter((p) => p.completeness !== undefined)
  if (complete.length > 0) {
    lines.push(
      '',
      '## Completeness of the source',
      '',
      'X2CRM hides some records from its lists; they were fetched by id.',
      '',
      '| phase | X2CRM count | listed | found by id | ids deleted |',
      '|---|---:|---:|---:|---:|',
    )
    for (const p of complete) {
      const c = p.completeness
      if (c) lines.push(`| ${p.phase} | ${c.count} | ${c.listed} | ${c.gapFetched} | ${c.missing} |`)
    }
  }
  lines.push(
    ...groupSection(
      'Would be quarantined',
      result.quarantine.total,
      result.quarantine.groups,
      'Each record is in quarantine-preview.csv. A record with two problems counts in both groups.',
    ),
  )
  lines.push(...groupSection('Would load with warnings', result.warnings.total, result.warnings.groups))
  lines.push(...groupSection('Would be skipped', result.skipped.total, result.skipped.groups))
  const added = result.newFields ?? []
  if (added.length > 0) {
    lines.push(
      '',
      '## Fields new since the map',
      '',
      'X2CRM has these fields and the map does not name them: they do not migrate until `x2d365 map propose --update` adds them and the map is confirmed again.',
      '',
      '| class | field | label | custom |',
      '|---|---|---|---|',
      ...added.map(
        (f) => `| ${f.entity} | ${f.field} | ${cell(f.label ?? '')} | ${f.custom ? 'yes' : 'no'} |`,
      ),
    )
  }
  lines.push(...repairsMarkdown(result.repairs))
  lines.push(...findingsMarkdown(result.findings))
  lines.push('', '## Owners', '')
  const owners = result.owners
  if (!owners.checked) lines.push(`Not checked: ${owners.note}.`)
  else {
    lines.push(`${owners.matched} X2CRM users matched to Dataverse users.`)
    if (owners.defaulted.length > 0)
      lines.push('', `The default owner takes the records of: ${owners.defaulted.join(', ')}.`)
    if (owners.queue.length > 0) {
      lines.push('', '| X2CRM user | records | why there is no match |', '|---|---:|---|')
      for (const q of owners.queue) lines.push(`| ${q.username} | ${q.records} | ${cell(q.reason)} |`)
    }
    if (owners.decisions !== undefined && owners.decisions.length > 0) {
      lines.push('', '| owner | records | taken by | decided by |', '|---|---:|---|---|')
      for (const d of owners.decisions) {
        const owner = `${d.owner}${d.kind === 'user' && d.inactive ? ' (inactive)' : ''}`
        lines.push(`| ${cell(owner)} | ${d.records} | ${cell(describeTaker(d))} | ${d.by} |`)
      }
    }
    if (owners.refusal !== undefined) lines.push('', `**migrate would not start:** ${owners.refusal}`)
  }
  lines.push('', '## Not checked here', '')
  if (result.columns.unchecked.length > 0)
    lines.push(
      `- tables without metadata, not checked column by column: ${result.columns.unchecked.join(', ')}`,
    )
  if (result.columns.pendingSchema.length > 0) {
    lines.push(`- \`x2d365 schema apply\` still has to make (the checks assumed it done):`)
    for (const change of result.columns.pendingSchema) lines.push(`  - ${change}`)
  }
  lines.push('- what only Dataverse can refuse:')
  for (const reason of result.onlyDataverse) lines.push(`  - ${reason}`)
  return `${lines.join('\n')}\n`
}

function groupSection(
  title: string,
  total: number,
  groups: readonly ReasonTallyGroup[],
  note?: string,
): string[] {
  const lines = ['', `## ${title} (${total})`, '']
  if (total === 0) return [...lines, 'None.']
  if (note !== undefined) lines.push(note, '')
  lines.push('| phase | count | field | rule | examples |', '|---|---:|---|---|---|')
  for (const g of groups) {
    const examples = g.examples
      .map((e) => (e.value === undefined ? e.sourceKey : `${e.sourceKey}: \`${e.value.replace(/`/g, "'")}\``))
      .join('<br>')
    lines.push(`| ${g.phase} | ${g.count} | ${g.field} | ${cell(g.rule)} | ${cell(examples)} |`)
  }
  return lines
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
}
