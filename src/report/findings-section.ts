import { FINDING_KINDS, type FindingKind, type Findings } from '../mapping/findings.ts'
import type { RepairCounts } from '../mapping/repair-tally.ts'
import { esc } from './charts.ts'

/** What each finding means for the lead, in words. */
export const FINDING_TITLES: Readonly<Record<FindingKind, string>> = {
  duplicateEmail:
    'likely duplicates: the same e-mail ignoring case (loaded as separate records: Dataverse compares text ignoring case, so an e-mail key would merge them)',
  duplicateNameCompany: 'likely duplicates: the same name and company (loaded as separate records)',
  futureTimestamp:
    'timestamps in the future (loaded as they are; a delta never takes its watermark from them)',
  privateRecord:
    "private records (visibility 0): in Dataverse the owner's security role decides who sees them",
  groupVisibility:
    "records visible only to their owner's groups (visibility 2): Dataverse shares by owner, team or business unit",
  inactiveOwner: 'records of inactive X2CRM users (owned as users.yaml decides)',
}

/** The Findings as Markdown: one row per kind with its count and examples (both ids of a duplicate). Pure. */
export function findingsMarkdown(findings: Findings | undefined): string[] {
  const lines = ['', '## Findings', '']
  const kinds = FINDING_KINDS.filter((k) => (findings?.[k]?.count ?? 0) > 0)
  if (findings === undefined) return [...lines, 'Not collected by this run.']
  if (kinds.length === 0)
    return [...lines, 'None: no duplicates, future timestamps, private records or inactive owners.']
  lines.push(
    'Reported, never acted on: each record loads as X2CRM holds it. Decide in X2CRM (merge, correct) or accept.',
    '',
    '| finding | count | examples |',
    '|---|---:|---|',
  )
  for (const kind of kinds) {
    const entry = findings[kind]
    if (entry === undefined) continue
    const examples = entry.examples.map((e) => `${e.sourceKeys.join(' and ')}: ${e.detail}`).join('<br>')
    lines.push(`| ${cell(FINDING_TITLES[kind])} | ${entry.count} | ${cell(examples)} |`)
  }
  return lines
}

/** The Repairs as Markdown: each named repair with how many records it touched and examples. Pure. */
export function repairsMarkdown(repairs: RepairCounts | undefined): string[] {
  const lines = ['', '## Repairs', '']
  if (repairs === undefined) return [...lines, 'Not counted by this run.']
  const names = Object.keys(repairs).sort()
  if (names.length === 0) return [...lines, 'None made.']
  lines.push(
    'Named rules of the map (switch one off under `repairs` in mapping.yaml); a repair that found no single answer left the value empty and says so.',
    '',
    '| repair | records | examples |',
    '|---|---:|---|',
  )
  for (const name of names) {
    const entry = repairs[name]
    if (entry === undefined) continue
    const examples = entry.examples.map((e) => `${e.sourceKey}: ${e.detail}`).join('<br>')
    lines.push(`| ${name} | ${entry.count} | ${cell(examples)} |`)
  }
  return lines
}

/** Findings and repairs in a few terminal lines. Pure. */
export function findingsLines(findings: Findings | undefined, repairs: RepairCounts | undefined): string[] {
  const lines: string[] = []
  const kinds = FINDING_KINDS.filter((k) => (findings?.[k]?.count ?? 0) > 0)
  if (kinds.length > 0) {
    lines.push('Findings (reported, not acted on):')
    for (const kind of kinds) {
      const entry = findings?.[kind]
      const first = entry?.examples[0]
      lines.push(
        `  ${String(entry?.count ?? 0).padStart(6)}  ${kind}${first === undefined ? '' : `  e.g. ${first.sourceKeys.join(' and ')}: ${first.detail}`}`,
      )
    }
  }
  const names = Object.keys(repairs ?? {}).sort()
  if (names.length > 0) {
    lines.push('Repairs (named rules of the map):')
    for (const name of names) lines.push(`  ${String(repairs?.[name]?.count ?? 0).padStart(6)}  ${name}`)
  }
  return lines
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
}

/** The Repairs and Findings sections of the migration's HTML report. Pure. */
export function findingsHtml(repairs: RepairCounts | undefined, findings: Findings | undefined): string {
  const repairNames = Object.keys(repairs ?? {}).sort()
  const repairRows = repairNames
    .map((name) => {
      const entry = repairs?.[name]
      if (entry === undefined) return ''
      return `<tr><td>${esc(name)}</td><td class="n">${entry.count}</td><td>${entry.examples.map((e) => `<div><code>${esc(e.sourceKey)}</code> ${esc(e.detail)}</div>`).join('')}</td></tr>`
    })
    .join('\n')
  const kinds = FINDING_KINDS.filter((k) => (findings?.[k]?.count ?? 0) > 0)
  const findingRows = kinds
    .map((kind) => {
      const entry = findings?.[kind]
      if (entry === undefined) return ''
      return `<tr><td>${esc(FINDING_TITLES[kind])}</td><td class="n">${entry.count}</td><td>${entry.examples.map((e) => `<div>${e.sourceKeys.map((k) => `<code>${esc(k)}</code>`).join(' and ')} ${esc(e.detail)}</div>`).join('')}</td></tr>`
    })
    .join('\n')
  return `<section id="repairs-section"><h2>Repairs</h2>
<p>Named rules of the map (switch one off under <code>repairs</code> in mapping.yaml), counted on the records as they stand; a repair that found no single answer left the value empty and says so.</p>
${repairNames.length === 0 ? '<p id="repairs-none">None made.</p>' : `<table id="repairs"><thead><tr><th>repair</th><th class="n">records</th><th>examples</th></tr></thead><tbody>\n${repairRows}\n</tbody></table>`}
</section>
<section id="findings-section"><h2>Findings</h2>
<p>What X2CRM's data holds that the migration reported and did not act on: every record loaded as X2CRM holds it. Decide in X2CRM (merge, correct) or accept.</p>
${findings === undefined ? '<p id="findings-none">Not collected by this migration.</p>' : kinds.length === 0 ? '<p id="findings-none">None.</p>' : `<table id="findings"><thead><tr><th>finding</th><th class="n">records</th><th>examples</th></tr></thead><tbody>\n${findingRows}\n</tbody></table>`}
</section>`
}
