import type { PhaseReconciliation } from './reconciliation.ts'
import type { ReasonGroup, RunReport } from './run-report.ts'

const COLORS = { created: '#2e7d32', updated: '#1565c0', quarantined: '#c62828', skipped: '#9e9e9e' } as const

/** One self-contained HTML file: inline styles and SVG charts, no scripts, nothing fetched. Pure. */
export function renderHtml(report: RunReport): string {
  const r = report.reconciliation
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>x2d365 ${esc(report.kind)} run ${esc(report.runId)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}.ok{color:#2e7d32;font-weight:600}.bad{color:#c62828;font-weight:700}
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
${report.seconds !== undefined ? `<div>Duration: ${report.seconds.toFixed(1)} s</div>` : ''}
${report.recordsPerSecond !== undefined ? `<div>Throughput: ${report.recordsPerSecond} records/s</div>` : ''}
</div>
<h2>Reconciliation</h2>
${
  r
    ? `<p id="verdict" class="${r.balanced ? 'ok' : 'bad'}">${
        r.balanced
          ? 'Balanced: every source record was created, updated, quarantined or skipped.'
          : 'NOT balanced: some source records are unaccounted for.'
      }</p>
${chart(r.phases)}
<table id="reconciliation">
<thead><tr><th>phase</th><th class="n">source</th><th class="n">created</th><th class="n">updated</th><th class="n">quarantined</th><th class="n">skipped</th><th>balanced</th></tr></thead>
<tbody>
${r.phases
  .map(
    (p) =>
      `<tr data-phase="${esc(p.phase)}"><td>${esc(p.phase)}</td><td class="n">${p.source}</td><td class="n">${p.created}</td><td class="n">${p.updated}</td><td class="n">${p.quarantined}</td><td class="n">${p.skipped}</td><td class="${p.balanced ? 'ok' : 'bad'}">${p.balanced ? 'yes' : `no (${p.accounted - p.source})`}</td></tr>`,
  )
  .join('\n')}
</tbody>
</table>`
    : '<p id="verdict" class="bad">The run did not finish: there is no reconciliation yet. Run <code>x2d365 migrate</code> again to resume it.</p>'
}
${completeness(report)}
${groups('quarantine', 'Quarantined records', report.quarantine.total, report.quarantine.groups, 'Their rows are in quarantine.csv next to this report.')}
${groups('warnings', 'Loaded with warnings', report.withWarnings.total, report.withWarnings.groups, 'These records loaded; something in them was dropped or changed on the way.')}
${groups('skipped', 'Skipped', report.skipped.total, report.skipped.groups, '')}
</body>
</html>
`
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
  const rowHeight = 26
  const labelWidth = 150
  const width = 760
  const barWidth = width - labelWidth - 10
  const bars = phases
    .map((p, i) => {
      const total = Math.max(1, p.source, p.accounted)
      let x = labelWidth
      const parts = (['created', 'updated', 'quarantined', 'skipped'] as const)
        .filter((k) => p[k] > 0)
        .map((k) => {
          const w = (p[k] / total) * barWidth
          const rect = `<rect x="${x.toFixed(1)}" y="${i * rowHeight + 4}" width="${w.toFixed(1)}" height="${rowHeight - 8}" fill="${COLORS[k]}"><title>${k}: ${p[k]}</title></rect>`
          x += w
          return rect
        })
        .join('')
      return `<text x="0" y="${i * rowHeight + rowHeight / 2 + 4}" font-size="12">${esc(p.phase)}</text>${parts}`
    })
    .join('\n')
  const legend = Object.entries(COLORS)
    .map(([k, c]) => `<span><i style="background:${c}"></i>${k}</span>`)
    .join('')
  return `<svg role="img" aria-label="outcomes per phase" width="${width}" height="${phases.length * rowHeight}" viewBox="0 0 ${width} ${phases.length * rowHeight}">${bars}</svg>
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
