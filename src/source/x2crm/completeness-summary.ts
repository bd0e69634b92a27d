import type { CompletenessReport } from './extract.ts'
import { formatIdRanges } from './id-ranges.ts'

/**
 * The extraction report as a Markdown table: per class, how many records it had, how many came from lists and how
 * many from gap fetches (hidden from lists), and which ids answered 404.
 */
export function formatCompletenessTable(reports: readonly CompletenessReport[]): string {
  const rows = reports.map((report) => {
    const check =
      (report.listsMatchCount === false
        ? `lists ${report.listed} ≠ count ${report.count}`
        : 'lists = count') +
      (report.unprobedBelow > 1 ? `; ids below ${report.unprobedBelow} not probed` : '')
    const missing =
      report.missing === 0 ? '0' : `${report.missing} (${abridged(formatIdRanges(report.missingIds))})`
    const hidden =
      report.gapFetched === 0 ? '0' : `${report.gapFetched} (${abridged(formatIdRanges(report.hiddenIds))})`
    return `| ${report.entity} | ${report.listed + report.gapFetched} | ${report.listed} | ${hidden} | ${missing} | ${check} |`
  })
  return [
    '| class | records | from lists | from gap fetches (hidden) | missing ids (404) | check |',
    '|---|---:|---:|---:|---:|---|',
    ...rows,
  ].join('\n')
}

function abridged(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}…` : text
}
