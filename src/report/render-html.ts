import type { PhaseReconciliation } from '../run/reconciliation.ts'
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
import { showValue, type ObjectVerification, type VerificationReport } from './verification.ts'

const COLORS = {
  created: '#2e7d32',
  updated: '#1565c0',
  deleted: '#6d4c41',
  quarantined: '#c62828',
  skipped: '#9e9e9e',
} as const

/** One self-contained HTML file: inline styles and SVG charts, no scripts, nothing fetched. Pure. */
export function renderHtml(report: RunReport): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>x2d365 ${esc(report.kind)} run ${esc(report.runId)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}h3{font-size:1rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}.ok{color:#2e7d32;font-weight:600}.bad{color:#c62828;font-weight:700}.todo{color:#8a5a00;font-weight:600}
.facts{display:flex;gap:2rem;flex-wrap:wrap}.facts div{background:#f5f5f5;padding:.5rem 1rem;border-radius:4px}
.legend span{display:inline-block;margin-right:1rem}.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle}
code{font-size:.9em}
</style>
</head>
<body>
<h1>x2d365 ${esc(report.kind)} run <code>${esc(report.runId)}</code></h1>
<div class="facts">
<div>Status: <strong>${esc(report.status)}</strong></div>
<div>Started: ${esc(report.startedAt)}</div>
${report.finishedAt ? `<div>Finished: ${esc(report.finishedAt)}</div>` : ''}
${describeTimings(report)
  .map((line) => `<div>${esc(line)}</div>`)
  .join('\n')}
</div>
${report.error === undefined ? '' : `<p id="error" class="bad">It stopped: ${esc(report.error)}</p>`}
${report.changes === undefined ? '' : changes(report.changes)}
${report.kind === 'migrate' || report.kind === 'delta' || report.reconciliation ? reconciliation(report) : ''}
${completeness(report)}
${report.undo === undefined ? '' : undo(report.undo, report.status)}
${report.verification === undefined ? '' : verification(report, report.verification)}
${
  report.kind === 'verify'
    ? ''
    : `${groups('quarantine', 'Quarantined records', report.quarantine.total, report.quarantine.groups, 'Their rows are in quarantine.csv next to this report.')}
${groups('warnings', 'Loaded with warnings', report.withWarnings.total, report.withWarnings.groups, 'These records loaded; something in them was dropped or changed on the way.')}
${groups('skipped', 'Skipped', report.skipped.total, report.skipped.groups, '')}`
}
</body>
</html>
`
}

function reconciliation(report: RunReport): string {
  const r = report.reconciliation
  if (!r)
    return `<h2>Reconciliation</h2>\n<p id="verdict" class="bad">${code(esc(describeUnfinished(report)))}</p>`
  const deleted = r.phases.some((p) => p.deleted > 0)
  return `<h2>Reconciliation</h2>
<p id="verdict" class="${r.balanced ? 'ok' : 'bad'}">${
    r.balanced
      ? `Balanced: every source record was created, updated, ${deleted ? 'deleted, ' : ''}quarantined or skipped.`
      : 'NOT balanced: some source records are unaccounted for.'
  }</p>
${chart(r.phases)}
<table id="reconciliation">
<thead><tr><th>phase</th><th class="n">source</th><th class="n">created</th><th class="n">updated</th>${deleted ? '<th class="n">deleted</th>' : ''}<th class="n">quarantined</th><th class="n">skipped</th><th>balanced</th></tr></thead>
<tbody>
${r.phases
  .map(
    (p) =>
      `<tr data-phase="${esc(p.phase)}"><td>${esc(p.phase)}</td><td class="n">${p.source}</td><td class="n">${p.created}</td><td class="n">${p.updated}</td>${deleted ? `<td class="n">${p.deleted}</td>` : ''}<td class="n">${p.quarantined}</td><td class="n">${p.skipped}</td><td class="${p.balanced ? 'ok' : 'bad'}">${p.balanced ? 'yes' : `no (${p.accounted - p.source})`}</td></tr>`,
  )
  .join('\n')}
</tbody>
</table>`
}

function changes(delta: DeltaChanges): string {
  return `<h2 id="changes">What changed in X2CRM</h2>
<p>${delta.since === undefined ? 'Compared' : `Compared with what migration <code>${esc(delta.since)}</code> and the deltas since loaded`}, record by record (content hashes, so changes X2CRM did not date count too). Rows of records deleted in X2CRM: ${esc(describeDeletions(delta.deletions))}.</p>
<table id="changes-table">
<thead><tr><th>X2CRM class</th><th class="n">new</th><th class="n">quarantined before, tried again</th><th class="n">changed</th><th class="n">deleted</th><th class="n">unchanged</th></tr></thead>
<tbody>
${delta.entities.map((e) => `<tr data-entity="${esc(e.entity)}"><td>${esc(e.entity)}</td><td class="n">${e.new}</td><td class="n">${e.retried}</td><td class="n">${e.changed}</td><td class="n">${e.deleted}</td><td class="n">${e.unchanged}</td></tr>`).join('\n')}
</tbody>
</table>`
}

function undo(u: RollbackUndo, status: string): string {
  const verdict =
    status === 'running'
      ? '<p id="undo-verdict" class="bad">The rollback did not finish. Run <code>x2d365 rollback</code> again to resume it.</p>'
      : u.verified
        ? '<p id="undo-verdict" class="ok">Verified: none of the rows it deleted remains, and every row it restored equals its before-image.</p>'
        : `<p id="undo-verdict" class="bad">NOT verified: ${u.remaining ?? '?'} rows it should have deleted remain, ${u.mismatched ?? '?'} restored rows differ from their before-image.</p>`
  return `<h2 id="undo">What the rollback undid</h2>
${verdict}
<p>It undid ${u.ofKind === undefined ? 'run' : `the ${esc(u.ofKind)} run`} ${u.of === undefined ? '(not recorded)' : `<code>${esc(u.of)}</code>`}: deleted <strong>${u.deleted}</strong> rows that run created and restored <strong>${u.restored}</strong> rows it had changed, as they were before.</p>
<table id="undo-phases">
<thead><tr><th>phase</th><th class="n">deleted</th><th class="n">restored</th><th class="n">skipped</th><th class="n">quarantined</th></tr></thead>
<tbody>
${u.phases.map((p) => `<tr data-phase="${esc(p.phase)}"><td>${esc(p.phase)}</td><td class="n">${p.deleted}</td><td class="n">${p.restored}</td><td class="n">${p.skipped}</td><td class="n">${p.quarantined}</td></tr>`).join('\n')}
</tbody>
</table>${remainingRows(u)}`
}

/** The rows a rollback left in Dataverse, as its check named them (the first 20). */
function remainingRows(u: RollbackUndo): string {
  const rows = u.remainingRows ?? []
  if (rows.length === 0) return ''
  return `
<p>Rows still in Dataverse (the first ${rows.length} of ${u.remaining ?? '?'}):</p>
<table id="undo-remaining">
<thead><tr><th>table</th><th>id</th><th>X2CRM id</th></tr></thead>
<tbody>
${rows.map((r) => `<tr><td>${esc(r.entitySet)}</td><td><code>${esc(r.targetId)}</code></td><td>${esc(r.x2crmId ?? '')}</td></tr>`).join('\n')}
</tbody>
</table>`
}

function verification(report: RunReport, v: VerificationReport | null): string {
  const itself = report.kind === 'verify'
  if (v === null) {
    return `<h2 id="verification">Verification</h2>
<p id="verification-verdict" class="todo">${code(esc(describeUnverified(report)))}</p>`
  }
  const differ = v.entities.reduce((n, e) => n + e.mismatched, 0)
  const missing = v.entities.reduce((n, e) => n + e.missing, 0)
  const columns = v.entities.flatMap((e) => e.columns.map((c) => ({ entity: e.entity, ...c })))
  const missingKeys = v.entities.filter((e) => e.missing > 0)
  return `<h2 id="verification">Verification</h2>
<p id="verification-verdict" class="${v.ok ? 'ok' : 'bad'}">${
    v.ok
      ? 'Every record checked matches its source, field by field.'
      : `Differences found: ${plural(differ, 'record')} ${differ === 1 ? 'differs from its' : 'differ from their'} source, ${plural(missing, 'record')} missing from Dataverse.`
  }</p>
<p>${itself ? 'This verification' : `Verify run <code>${esc(v.runId)}</code>`}${v.finishedAt === undefined ? '' : ` (finished ${esc(v.finishedAt)})`} read back ${v.sample === undefined ? 'every migrated record' : `a random sample of up to ${v.sample} records per object`} and compared it through the map with X2CRM as it was then${v.of === undefined ? '' : `; it checked run <code>${esc(v.of)}</code>`}.</p>
${verificationChart(v.entities)}
<table id="verification-objects">
<thead><tr><th>object</th><th class="n">checked</th><th class="n">matched</th><th class="n">mismatched</th><th class="n">missing</th><th class="n">not migrated</th></tr></thead>
<tbody>
${v.entities.map((e) => `<tr data-entity="${esc(e.entity)}"><td>${esc(e.entity)}</td><td class="n">${e.checked}</td><td class="n">${e.matched}</td><td class="n ${e.mismatched > 0 ? 'bad' : ''}">${e.mismatched}</td><td class="n ${e.missing > 0 ? 'bad' : ''}">${e.missing}</td><td class="n">${e.notMigrated}</td></tr>`).join('\n')}
</tbody>
</table>
<p>Not migrated: quarantined or never loaded, so not compared (see the migration's quarantine).</p>
${v.entities
  .filter((e) => e.quarantined > 0)
  .map(
    (e) =>
      `<p class="quarantined-not-compared">${esc(e.entity)}: ${plural(e.quarantined, 'record')} quarantined, not compared (the row in Dataverse is older than X2CRM): ${e.quarantinedKeys
        .slice(0, 10)
        .map((q) => `${esc(q.sourceKey)} (${esc(q.reason)})`)
        .join('; ')}${e.quarantined > 10 ? '; …' : ''}</p>`,
  )
  .join('\n')}
<h3 id="verification-columns-title">Mismatches per column (${columns.length === 0 ? 'none' : columns.length})</h3>
${
  columns.length === 0
    ? '<p>No column differs.</p>'
    : `<table id="verification-columns">
<thead><tr><th>object</th><th>column</th><th>X2CRM field</th><th class="n">rows</th><th>examples: X2CRM (through the map) → Dataverse</th></tr></thead>
<tbody>
${columns.map((c) => `<tr data-column="${esc(`${c.entity}.${c.column}`)}"><td>${esc(c.entity)}</td><td><code>${esc(c.column)}</code></td><td><code>${esc(c.field)}</code></td><td class="n">${c.rows}</td><td>${c.examples.map((x) => `${esc(x.sourceKey)}: ${esc(showValue(x.expected))} → ${esc(showValue(x.actual))}`).join('<br>')}</td></tr>`).join('\n')}
</tbody>
</table>`
}
${missingKeys.map((e) => `<p class="missing">${esc(e.entity)}: missing from Dataverse: ${e.missingKeys.map(esc).join(', ')}${e.missing > e.missingKeys.length ? `, … (${e.missing} in all)` : ''}</p>`).join('\n')}`
}

/** Matched, mismatched and missing rows per object, as stacked bars. */
function verificationChart(entities: readonly ObjectVerification[]): string {
  const colors = { matched: '#2e7d32', mismatched: '#c62828', missing: '#6a1b9a' } as const
  const rows = entities.map((e) => ({
    label: e.entity,
    parts: [
      { key: 'matched', value: e.matched, color: colors.matched },
      { key: 'mismatched', value: e.mismatched, color: colors.mismatched },
      { key: 'missing', value: e.missing, color: colors.missing },
    ],
  }))
  return stackedBars('verification per object', rows, colors)
}

function completeness(report: RunReport): string {
  if (!report.completeness || report.completeness.length === 0) return ''
  return `<h2 id="completeness">Completeness of the source</h2>
<p>X2CRM hides some records from its lists; x2d365 fetched them by id.</p>
<table><thead><tr><th>phase</th><th class="n">X2CRM count</th><th class="n">listed</th><th class="n">found by id</th><th class="n">ids deleted</th></tr></thead><tbody>
${report.completeness.map((c) => `<tr><td>${esc(c.phase)}</td><td class="n">${c.count}</td><td class="n">${c.listed}</td><td class="n">${c.gapFetched}</td><td class="n">${c.missing}</td></tr>`).join('\n')}
</tbody></table>`
}

function chart(phases: readonly PhaseReconciliation[]): string {
  const rows = phases.map((p) => ({
    label: p.phase,
    total: Math.max(p.source, p.accounted),
    parts: (['created', 'updated', 'deleted', 'quarantined', 'skipped'] as const).map((k) => ({
      key: k,
      value: p[k],
      color: COLORS[k],
    })),
  }))
  // Only a delta deletes rows: the legend names deleted when one did.
  const deleted = phases.some((p) => p.deleted > 0)
  const legend = Object.fromEntries(Object.entries(COLORS).filter(([k]) => k !== 'deleted' || deleted))
  return stackedBars('outcomes per phase', rows, legend)
}

/** One horizontal stacked bar per row, with a legend; empty parts draw nothing. */
function stackedBars(
  label: string,
  rows: readonly {
    label: string
    total?: number
    parts: readonly { key: string; value: number; color: string }[]
  }[],
  legendColors: Readonly<Record<string, string>>,
): string {
  const rowHeight = 26
  const labelWidth = 150
  const width = 760
  const barWidth = width - labelWidth - 10
  const bars = rows
    .map((row, i) => {
      const total = Math.max(
        1,
        row.total ?? 0,
        row.parts.reduce((n, p) => n + p.value, 0),
      )
      let x = labelWidth
      const parts = row.parts
        .filter((p) => p.value > 0)
        .map((p) => {
          const w = (p.value / total) * barWidth
          const rect = `<rect x="${x.toFixed(1)}" y="${i * rowHeight + 4}" width="${w.toFixed(1)}" height="${rowHeight - 8}" fill="${p.color}"><title>${esc(p.key)}: ${p.value}</title></rect>`
          x += w
          return rect
        })
        .join('')
      return `<text x="0" y="${i * rowHeight + rowHeight / 2 + 4}" font-size="12">${esc(row.label)}</text>${parts}`
    })
    .join('\n')
  const legend = Object.entries(legendColors)
    .map(([k, c]) => `<span><i style="background:${c}"></i>${k}</span>`)
    .join('')
  return `<svg role="img" aria-label="${esc(label)}" width="${width}" height="${rows.length * rowHeight}" viewBox="0 0 ${width} ${rows.length * rowHeight}">${bars}</svg>
<div class="legend">${legend}</div>`
}

function groups(
  id: string,
  title: string,
  total: number,
  list: readonly ReasonGroup[],
  note: string,
): string {
  if (total === 0) return `<h2 id="${id}">${title} (0)</h2><p>None.</p>`
  return `<h2 id="${id}">${title} (${total})</h2>${note ? `<p>${note}</p>` : ''}
<table><thead><tr><th>phase</th><th class="n">count</th><th>reason</th><th>examples</th></tr></thead><tbody>
${list.map((g) => `<tr><td>${esc(g.phase)}</td><td class="n">${g.count}</td><td>${esc(g.reason)}</td><td>${g.examples.map(esc).join(', ')}</td></tr>`).join('\n')}
</tbody></table>`
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** `x2d365 verify` in escaped text → <code>x2d365 verify</code>. */
function code(escaped: string): string {
  return escaped.replace(/`([^`]+)`/g, '<code>$1</code>')
}
