import { describeRetries } from '../run/retry-tally.ts'
import { describeClosed } from './closed-opportunities.ts'
import { esc, groupedBars, simpleBars } from './charts.ts'
import { findingsHtml } from './findings-section.ts'
import type { LeftOut, MigrationReport, ReportIdentity } from './migration-report.ts'
import type { RuleGroup } from './rule-groups.ts'
import { showValue } from './verification.ts'

const PALETTE = { source: '#37474f', loaded: '#2e7d32', quarantined: '#c62828', rate: '#1565c0' } as const

/**
 * The migration's report as one self-contained HTML file, made to be printed and signed: inline styles and SVG, no
 * scripts, nothing fetched; print CSS breaks pages before sections and repeats table headers. Pure.
 */
export function renderMigrationHtml(report: MigrationReport): string {
  const id = report.identity
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Migration report: X2CRM ${esc(id.source.instance)} → Dynamics 365</title>
<style>
body{font:13px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;color:#111;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:2px solid #333;padding-bottom:.2rem}h3{font-size:1rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #999;padding:.25rem .45rem;text-align:left;vertical-align:top}
th{background:#eee}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#1b5e20;font-weight:600}.bad{color:#b71c1c;font-weight:700}.todo{color:#6d4c00;font-weight:600}
dl.identity{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dl.identity dt{font-weight:600}dl.identity dd{margin:0}
figure.chart{margin:1rem 0}figure.chart svg{max-width:100%;height:auto}figcaption{font-size:.85em;color:#333}
table.chart-data{font-size:.85em;width:auto}.legend span{margin-right:1.2rem;display:inline-flex;align-items:center;gap:.3rem}
.signature td{height:3.2rem}.example{font-size:.85em;color:#333;margin-top:.15rem}table.rules td:nth-child(3){width:30%}table.rules td:nth-child(5){width:38%}.muted{color:#444}code{font-size:.92em}
@page{size:A4;margin:14mm 12mm}
@media print{body{margin:0;max-width:none;font-size:10.5pt}section.major{break-before:page}h2,h3{break-after:avoid}
thead{display:table-header-group}tr,figure.chart svg,dl.identity{break-inside:avoid}a{color:inherit;text-decoration:none}}
</style>
</head>
<body>
<header>
<h1>Migration report: X2CRM → Microsoft Dynamics 365</h1>
<p class="muted">Written by x2d365 ${esc(id.version)} on ${esc(id.generatedAt)} by ${esc(id.operator)}.</p>
${identity(report)}
<p id="verdict" class="${verdict(report).ok ? 'ok' : 'bad'}">${esc(verdict(report).text)}</p>
<p id="key-figures">${esc(keyFigures(report))}</p>
</header>
${scope(report)}
${leftOut(report.leftOut)}
${tables(report)}
${reconciliation(report)}
${problems(report)}
${findingsHtml(report.repairs, report.findings)}
${verification(report)}
${history(report)}
${other(report)}
${signOff(id)}
</body>
</html>
`
}

function identity(report: MigrationReport): string {
  const id = report.identity
  const m = report.migration
  const rows: [string, string][] = [
    [
      'Source (X2CRM)',
      `${id.source.url ?? 'not recorded'}${id.source.username ? ` (as ${id.source.username})` : ''}`,
    ],
    ['X2CRM instance', id.source.instance],
    ['Target (Dataverse)', id.target.url ?? 'not recorded'],
    ['Map', mapText(id.map)],
    ['x2d365 version', id.version],
    ['Operator', id.operator],
    [
      'Migration',
      m === undefined
        ? 'no full migration in the ledger yet'
        : `run ${m.runId}, ${m.status}, started ${m.startedAt}${m.finishedAt ? `, finished ${m.finishedAt}` : ''}`,
    ],
    ...(m?.retries === undefined
      ? []
      : [['Requests sent again', describeRetries(m.retries)] as [string, string]]),
    ['Report written', id.generatedAt],
  ]
  return `<dl class="identity" id="identity">
${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd data-field="${esc(k)}">${esc(v)}</dd>`).join('\n')}
</dl>`
}

export function mapText(map: ReportIdentity['map']): string {
  switch (map.kind) {
    case 'confirmed':
      return `${map.path}, content hash ${map.hash}, confirmed by ${map.confirmedBy} on ${map.confirmedAt}`
    case 'unconfirmed':
      return `${map.path}: ${map.note}`
    default:
      return 'built-in map (X2CRM Accounts → account, Contacts → contact)'
  }
}

export function verdict(report: MigrationReport): { ok: boolean; text: string } {
  if (report.migration === undefined) return { ok: false, text: 'No full migration has finished yet.' }
  const balanced = report.reconciliation?.balanced !== false
  const v = report.verification
  const verified = v !== null && v.report.ok
  const parts = [
    balanced
      ? 'Every source record is accounted for.'
      : 'NOT balanced: some source records are unaccounted for.',
    report.quarantine.total === 0
      ? 'Nothing is quarantined.'
      : `${report.quarantine.total} records are quarantined (see the fix path).`,
    v === null
      ? 'Not verified: run `x2d365 verify`.'
      : verified
        ? `Verified by run ${v.report.runId}.`
        : `Verification run ${v.report.runId} found differences.`,
  ]
  return { ok: balanced && verified && report.quarantine.total === 0, text: parts.join(' ') }
}

/** The numbers a reader wants first, in one sentence. */
function keyFigures(report: MigrationReport): string {
  const records = report.scope.reduce((n, s) => n + (s.records ?? 0), 0)
  const loaded = report.scope.reduce((n, s) => n + (s.loaded ?? 0), 0)
  const count = (kind: string) => report.history.filter((h) => h.kind === kind).length
  return (
    `${records} X2CRM records in the map's classes, ${loaded} loaded by the migration; ` +
    `now ${report.quarantine.total} quarantined, ${report.warnings.total} loaded with warnings. ` +
    `Since: ${count('delta')} deltas, ${count('fix')} batches of fixes, ${count('verify')} verifications, ${count('rollback')} rollbacks.`
  )
}

function scope(report: MigrationReport): string {
  const rows = report.scope
  const chart = groupedBars(
    'chart-records',
    'Records per table',
    'For each X2CRM class of the map: records X2CRM has, records loaded into Dataverse, and records quarantined, in the migration run.',
    [
      { name: 'in X2CRM', pattern: 'solid', color: PALETTE.source },
      { name: 'loaded', pattern: 'hatch', color: PALETTE.loaded },
      { name: 'quarantined', pattern: 'dots', color: PALETTE.quarantined },
    ],
    rows.map((r) => ({
      label: `${r.phase} → ${r.table}`,
      values: [r.records ?? 0, r.loaded ?? 0, r.quarantined ?? 0],
    })),
  )
  return `<section id="scope"><h2>What was migrated</h2>
<table id="scope-table"><thead><tr><th>X2CRM class</th><th>Dataverse table</th><th class="n">records</th><th class="n">loaded</th><th class="n">quarantined</th><th class="n">skipped</th><th class="n">fields moved</th><th>fields skipped on purpose</th></tr></thead><tbody>
${rows
  .map(
    (r) =>
      `<tr data-entity="${esc(r.phase)}"><td>${esc(r.phase === r.entity ? r.entity : `${r.entity} (${r.phase})`)}</td><td><code>${esc(r.table)}</code></td><td class="n">${num(r.records)}</td><td class="n">${num(r.loaded)}</td><td class="n">${num(r.quarantined)}</td><td class="n">${num(r.skipped)}</td><td class="n">${r.fields}</td><td>${r.skippedFields.length === 0 ? '—' : esc(r.skippedFields.join(', '))}</td></tr>`,
  )
  .join('\n')}
</tbody></table>
${rows.some((r) => r.records !== undefined) ? chart : ''}
</section>`
}

function leftOut(rows: readonly LeftOut[]): string {
  const label = { module: 'module', field: 'fields', object: 'not moved by x2d365' } as const
  return `<section id="left-out-section"><h2>What was left out, and why</h2>
<table id="left-out"><thead><tr><th>kind</th><th>what</th><th class="n">count</th><th>why</th></tr></thead><tbody>
${rows.map((r) => `<tr data-kind="${r.kind}"><td>${label[r.kind]}</td><td>${esc(r.what)}</td><td class="n">${r.count === null ? 'not counted' : r.count}</td><td>${code(esc(r.reason))}</td></tr>`).join('\n')}
</tbody></table></section>`
}

function tables(report: MigrationReport): string {
  if (report.tables.length === 0) return ''
  return `<section id="tables-section"><h2>Rows per Dataverse table</h2>
<p>What the migration and every delta after it wrote, per table and state, and what rollbacks undid.</p>
<table id="tables"><thead><tr><th>table</th><th class="n">created</th><th class="n">updated</th><th class="n">deleted in X2CRM (by a delta)</th><th class="n">quarantined</th><th class="n">skipped</th><th class="n">undone by a rollback</th></tr></thead><tbody>
${report.tables.map((t) => `<tr data-table="${esc(t.table)}"><td><code>${esc(t.table)}</code></td><td class="n">${t.created}</td><td class="n">${t.updated}</td><td class="n">${t.deletedByDelta}</td><td class="n">${t.quarantined}</td><td class="n">${t.skipped}</td><td class="n">${t.undone}</td></tr>`).join('\n')}
</tbody></table>${report.closed === undefined ? '' : `\n<p id="closed">${esc(describeClosed(report.closed))}</p>`}</section>`
}

function reconciliation(report: MigrationReport): string {
  const r = report.reconciliation
  if (r === undefined) return ''
  return `<section id="reconciliation-section"><h2>Reconciliation of the migration</h2>
<p class="${r.balanced ? 'ok' : 'bad'}">${r.balanced ? 'Balanced: every source record was created, updated, quarantined or skipped.' : 'NOT balanced: some source records are unaccounted for.'}</p>
<table id="reconciliation"><thead><tr><th>phase</th><th class="n">source</th><th class="n">created</th><th class="n">updated</th><th class="n">quarantined</th><th class="n">skipped</th><th>balanced</th></tr></thead><tbody>
${r.phases.map((p) => `<tr data-phase="${esc(p.phase)}"><td>${esc(p.phase)}</td><td class="n">${p.source}</td><td class="n">${p.created}</td><td class="n">${p.updated}</td><td class="n">${p.quarantined}</td><td class="n">${p.skipped}</td><td class="${p.balanced ? 'ok' : 'bad'}">${p.balanced ? 'yes' : `no (${p.accounted - p.source})`}</td></tr>`).join('\n')}
</tbody></table></section>`
}

function problems(report: MigrationReport): string {
  const q = report.quarantine
  const chart =
    q.groups.length === 0
      ? ''
      : simpleBars(
          'chart-quarantine',
          'Quarantine by rule',
          'Records quarantined, per rule they break, largest first.',
          { name: 'quarantined', pattern: 'dots', color: PALETTE.quarantined },
          q.groups.map((g) => ({ label: ruleLabel(g), value: g.count })),
          ['rule', 'records'],
        )
  return `<section class="major" id="problems"><h2>Quarantine and warnings, by rule</h2>
<p>As things stand after the migration and every delta: a record quarantined first and loaded by a later delta is no longer counted. Rules group records whatever their values; each rule shows a few records as examples.</p>
${ruleTable('quarantine', `Quarantined (${q.total})`, q.groups)}
${chart}
<h3 id="fix-path">The fix path</h3>
<p><code>quarantine.csv</code> (next to this report) has one line per quarantined record and field, with X2CRM's current value and an empty <code>fixed_value</code>. Fill it in, then run <code>x2d365 fix quarantine.csv</code>: the values are checked, kept in the ledger with who and when, and a delta loads the fixed records. X2CRM itself is not changed.</p>
${ruleTable('warnings', `Loaded with warnings (${report.warnings.total})`, report.warnings.groups)}
${report.skipped.total === 0 ? '' : ruleTable('skipped', `Skipped (${report.skipped.total})`, report.skipped.groups)}
</section>`
}

function ruleLabel(g: RuleGroup): string {
  return `${g.phase ? `${g.phase}: ` : ''}${g.field ? `${g.field}: ` : ''}${g.rule}`
}

function ruleTable(id: string, title: string, groups: readonly RuleGroup[]): string {
  if (groups.length === 0) return `<h3 id="${id}-title">${esc(title)}</h3><p>None.</p>`
  return `<h3 id="${id}-title">${esc(title)}</h3>
<table class="rules" id="${id}"><thead><tr><th>phase</th><th>X2CRM field</th><th>rule</th><th class="n">records</th><th>examples</th></tr></thead><tbody>
${groups.map((g) => `<tr><td>${esc(g.phase)}</td><td>${esc(g.field)}</td><td>${esc(g.rule)}</td><td class="n">${g.count}</td><td>${g.examples.map((x) => `<code>${esc(x.sourceKey)}</code>`).join(', ')}${g.examples[0] === undefined ? '' : `<div class="example">e.g. ${esc(g.examples[0].reason)}</div>`}</td></tr>`).join('\n')}
</tbody></table>`
}

function verification(report: MigrationReport): string {
  const v = report.verification
  if (v === null)
    return `<section class="major" id="verification"><h2>Verification</h2><p class="todo" id="verification-verdict">Not verified: run <code>x2d365 verify</code>, then <code>x2d365 report</code> again.</p></section>`
  const r = v.report
  const checked = r.entities.reduce((n, e) => n + e.checked, 0)
  const columns = r.entities.flatMap((e) => e.columns.map((c) => ({ entity: e.entity, ...c })))
  return `<section class="major" id="verification"><h2>Verification</h2>
<p id="verification-verdict" class="${r.ok ? 'ok' : 'bad'}">${r.ok ? `All ${checked} records checked match their source, field by field.` : 'Differences found (below).'}</p>
<p>Verify run <code>${esc(r.runId)}</code>${r.finishedAt ? ` (finished ${esc(r.finishedAt)})` : ''} read back ${r.sample === undefined ? 'every migrated record' : `a random sample of up to ${r.sample} records per object`} and compared them through the map with X2CRM${r.of ? `; it checked run <code>${esc(r.of)}</code>` : ''}.${v.overtakenBy ? ` The ${esc(v.overtakenBy.kind)} run <code>${esc(v.overtakenBy.runId)}</code> wrote to Dataverse after it: that state is not verified.` : ''}</p>
<table id="verification-objects"><thead><tr><th>object</th><th class="n">checked</th><th class="n">matched</th><th class="n">mismatched</th><th class="n">missing</th><th class="n">not migrated</th><th class="n">coverage</th></tr></thead><tbody>
${r.entities.map((e) => `<tr><td>${esc(e.entity)}</td><td class="n">${e.checked}</td><td class="n">${e.matched}</td><td class="n">${e.mismatched}</td><td class="n">${e.missing}</td><td class="n">${e.notMigrated}</td><td class="n">${coverage(report, e.entity, e.checked)}</td></tr>`).join('\n')}
</tbody></table>
${r.entities
  .filter((e) => e.quarantined > 0)
  .map(
    (e) =>
      `<p class="quarantined-not-compared">${esc(e.entity)}: ${e.quarantined} quarantined, not compared (a later write was refused, so the row in Dataverse is older than X2CRM): ${e.quarantinedKeys
        .slice(0, 10)
        .map((q) => `${esc(q.sourceKey)} (${esc(q.reason)})`)
        .join('; ')}${e.quarantined > 10 ? '; …' : ''}</p>`,
  )
  .join('\n')}
${
  columns.length === 0
    ? ''
    : `<table id="verification-columns"><thead><tr><th>object</th><th>column</th><th>X2CRM field</th><th class="n">rows</th><th>examples: X2CRM → Dataverse</th></tr></thead><tbody>
${columns.map((c) => `<tr><td>${esc(c.entity)}</td><td><code>${esc(c.column)}</code></td><td><code>${esc(c.field)}</code></td><td class="n">${c.rows}</td><td>${c.examples.map((x) => `${esc(x.sourceKey)}: ${esc(showValue(x.expected))} → ${esc(showValue(x.actual))}`).join('<br>')}</td></tr>`).join('\n')}
</tbody></table>`
}
</section>`
}

/** Checked records as a share of what X2CRM has of that class. */
function coverage(report: MigrationReport, entity: string, checked: number): string {
  const records = report.scope.filter((s) => s.entity === entity).reduce((n, s) => n + (s.records ?? 0), 0)
  return records === 0 ? '—' : `${((checked / records) * 100).toFixed(1)} %`
}

function history(report: MigrationReport): string {
  const rate =
    report.rates.length === 0
      ? ''
      : simpleBars(
          'chart-rate',
          'Load rate per run',
          'Records per second of each run that wrote to Dataverse, in order (from each run’s start and finish). The ledger keeps no per-batch timings, so pauses for Dataverse throttling (429, Retry-After) cannot be placed in time; they are part of each run’s duration.',
          { name: 'records per second', pattern: 'hatch', color: PALETTE.rate },
          report.rates.map((r) => ({
            label: `${r.kind} ${r.startedAt.slice(0, 16).replace('T', ' ')}`,
            value: r.perSecond,
            note: `${r.records} in ${r.seconds.toFixed(0)} s`,
          })),
          ['run', 'records per second'],
        )
  return `<section class="major" id="history-section"><h2>Cutover history</h2>
<p>Every run and every batch of fixes, oldest first.</p>
<table id="history"><thead><tr><th>when</th><th>what</th><th>run / by</th><th>status</th><th>result</th></tr></thead><tbody>
${report.history.map((h) => `<tr data-kind="${esc(h.kind)}"><td>${esc(h.at)}</td><td>${esc(h.kind)}</td><td><code>${esc(h.id)}</code></td><td>${esc(h.status)}</td><td>${code(esc(h.what))}</td></tr>`).join('\n')}
</tbody></table>
${rate}
</section>`
}

function other(report: MigrationReport): string {
  if (report.other.length === 0) return ''
  return `<section id="other-runs"><h2>Other runs</h2>
<table><thead><tr><th>when</th><th>kind</th><th>run</th><th>status</th><th>summary</th></tr></thead><tbody>
${report.other.map((o) => `<tr><td>${esc(o.startedAt)}</td><td>${esc(o.kind)}</td><td><code>${esc(o.runId)}</code></td><td>${esc(o.status)}</td><td><code>${esc(JSON.stringify(o.summary).slice(0, 400))}</code></td></tr>`).join('\n')}
</tbody></table></section>`
}

function signOff(id: ReportIdentity): string {
  return `<section class="major" id="sign-off"><h2>Sign-off</h2>
<p>By signing, each party confirms that this report describes the migration of X2CRM <strong>${esc(id.source.instance)}</strong> (${esc(id.source.url ?? 'source not recorded')}) into ${esc(id.target.url ?? 'the Dataverse environment')}, including what was left out, and accepts it.</p>
<table class="signature" id="signatures"><thead><tr><th>role</th><th>name</th><th>date</th><th>signature</th></tr></thead><tbody>
<tr><td>Migration lead (ran x2d365)</td><td>${esc(id.operator)}</td><td></td><td></td></tr>
<tr><td>Customer: business owner</td><td></td><td></td><td></td></tr>
<tr><td>Customer: IT / Dynamics 365 administrator</td><td></td><td></td><td></td></tr>
</tbody></table></section>`
}

function num(n: number | undefined): string {
  return n === undefined ? '—' : String(n)
}

/** `x2d365 verify` in escaped text → <code>x2d365 verify</code>. */
function code(escaped: string): string {
  return escaped.replace(/`([^`]+)`/g, '<code>$1</code>')
}
