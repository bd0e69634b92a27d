/**
 * Inline SVG charts for printed reports: readable in grey scale (each series has a pattern as well as a colour, and
 * every bar its number written beside it), with a title, a description and the same numbers as a table. Pure.
 */

export interface Series {
  name: string
  /** `solid`, `hatch` (diagonal lines) or `dots`: tells the series apart without colour. */
  pattern: 'solid' | 'hatch' | 'dots'
  color: string
}

export interface ChartRow {
  label: string
  values: readonly number[]
}

/** Grouped horizontal bars: one group per row, one bar per series, the value written at the end of each bar. */
export function groupedBars(
  id: string,
  title: string,
  description: string,
  series: readonly Series[],
  rows: readonly ChartRow[],
): string {
  const bar = 14
  const gap = 10
  const labelWidth = 190
  const width = 760
  const barWidth = width - labelWidth - 70
  const groupHeight = series.length * bar + gap
  const max = Math.max(1, ...rows.flatMap((r) => r.values))
  const height = Math.max(1, rows.length) * groupHeight + 4
  const bars = rows
    .map((row, i) => {
      const top = i * groupHeight + 2
      const label = `<text x="0" y="${top + (series.length * bar) / 2 + 4}" font-size="12">${esc(clip(row.label, 28))}</text>`
      const parts = series
        .map((s, j) => {
          const value = row.values[j] ?? 0
          const w = Math.max(value > 0 ? 1 : 0, (value / max) * barWidth)
          const y = top + j * bar
          return (
            `<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${bar - 2}" fill="url(#${id}-${j})" stroke="#222" stroke-width="0.5"><title>${esc(`${row.label}, ${s.name}: ${value}`)}</title></rect>` +
            `<text x="${(labelWidth + w + 4).toFixed(1)}" y="${y + bar - 4}" font-size="10">${value}</text>`
          )
        })
        .join('')
      return label + parts
    })
    .join('\n')
  return figure(
    id,
    title,
    description,
    width,
    height,
    defs(id, series) + bars,
    series,
    ['row', ...series.map((s) => s.name)],
    rows.map((r) => [r.label, ...r.values.map(String)]),
  )
}

/** One bar per row, for a single series (quarantine by rule, records per second per run). */
export function simpleBars(
  id: string,
  title: string,
  description: string,
  series: Series,
  rows: readonly { label: string; value: number; note?: string }[],
  columns: readonly [string, string],
): string {
  return groupedBars(
    id,
    title,
    description,
    [series],
    rows.map((r) => ({
      label: r.note === undefined ? r.label : `${r.label} (${r.note})`,
      values: [r.value],
    })),
  ).replace(
    /<thead>.*?<\/thead>/s,
    `<thead><tr><th>${esc(columns[0])}</th><th class="n">${esc(columns[1])}</th></tr></thead>`,
  )
}

function defs(id: string, series: readonly Series[]): string {
  const patterns = series.map((s, j) => {
    const pid = `${id}-${j}`
    switch (s.pattern) {
      case 'hatch':
        return `<pattern id="${pid}" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/><rect width="3" height="6" fill="${s.color}"/></pattern>`
      case 'dots':
        return `<pattern id="${pid}" patternUnits="userSpaceOnUse" width="5" height="5"><rect width="5" height="5" fill="#fff"/><circle cx="2.5" cy="2.5" r="1.5" fill="${s.color}"/></pattern>`
      default:
        return `<pattern id="${pid}" patternUnits="userSpaceOnUse" width="4" height="4"><rect width="4" height="4" fill="${s.color}"/></pattern>`
    }
  })
  return `<defs>${patterns.join('')}</defs>`
}

function figure(
  id: string,
  title: string,
  description: string,
  width: number,
  height: number,
  body: string,
  series: readonly Series[],
  header: readonly string[],
  cells: readonly (readonly string[])[],
): string {
  const legend =
    series.length < 2
      ? ''
      : `<div class="legend">${series
          .map(
            (s, j) =>
              `<span><svg width="14" height="14" aria-hidden="true">${defs(`${id}-legend-${j}`, [s])}<rect width="14" height="14" fill="url(#${id}-legend-${j}-0)" stroke="#222" stroke-width="0.5"/></svg> ${esc(s.name)} (${s.pattern === 'solid' ? 'solid' : s.pattern === 'hatch' ? 'striped' : 'dotted'})</span>`,
          )
          .join('')}</div>`
  return `<figure class="chart" id="${id}">
<svg role="img" aria-labelledby="${id}-title ${id}-desc" aria-label="${esc(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><title id="${id}-title">${esc(title)}</title><desc id="${id}-desc">${esc(description)}</desc>${body}</svg>
${legend}
<figcaption>${esc(title)}. ${esc(description)}</figcaption>
<table class="chart-data" id="${id}-data"><thead><tr>${header.map((h, i) => `<th${i > 0 ? ' class="n"' : ''}>${esc(h)}</th>`).join('')}</tr></thead><tbody>
${cells.map((row) => `<tr>${row.map((c, i) => `<td${i > 0 ? ' class="n"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('\n')}
</tbody></table>
</figure>`
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/** Escapes text for HTML: X2CRM values and messages are text, never markup. Pure. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
