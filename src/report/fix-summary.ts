import type { FixResult } from '../run/fix.ts'
import { describeDelta } from './delta-summary.ts'

/** Why `fix` stored nothing: each bad line with its number, and the two ways on. Pure. */
export function describeFixRefusal(file: string, result: Pick<FixResult, 'problems'>): string {
  const n = result.problems.length
  return [
    `${file}: ${n} problem${n > 1 ? 's' : ''}, so nothing was stored:`,
    ...result.problems.map((p) => `  line ${p.line}: ${p.message}`),
    'Correct the file and run `x2d365 fix` again, or pass --skip-bad to store the good lines only.',
    '',
  ].join('\n')
}

/** What a person reads after a fix: what was stored, what was skipped, and what became of each fixed record. Pure. */
export function describeFix(file: string, result: FixResult, by: string, ledgerPath: string): string {
  const lines: string[] = []
  if (result.stored.length === 0) lines.push(`${file}: no fix to store.`)
  else {
    lines.push(
      `Stored ${result.stored.length} fix${result.stored.length > 1 ? 'es' : ''} by ${by} (ledger: ${ledgerPath}):`,
    )
    for (const fix of result.stored) {
      lines.push(
        `  line ${fix.line}: ${fix.entity}:${fix.id} ${fix.field} ${shown(fix.original)} → ${shown(fix.value)}`,
      )
    }
  }
  if (result.problems.length > 0) {
    lines.push(
      `Skipped ${result.problems.length} bad line${result.problems.length > 1 ? 's' : ''} (--skip-bad):`,
    )
    for (const p of result.problems) lines.push(`  line ${p.line}: ${p.message}`)
  }
  if (result.relinked.length > 0) {
    lines.push(
      `${result.relinked.length} loaded record${result.relinked.length > 1 ? 's' : ''} with an empty link to a fixed one ` +
        `${result.delta === undefined ? 'will be' : 'were'} loaded again so the link binds: ` +
        `${result.relinked.slice(0, 10).join(', ')}${result.relinked.length > 10 ? ', …' : ''}`,
    )
  }
  if (result.delta === undefined) {
    if (result.stored.length > 0) {
      lines.push(
        '',
        'Not loaded (--no-load): the next `x2d365 delta` or `x2d365 migrate` reads the records with their fixes.',
      )
    }
    return `${lines.join('\n')}\n`
  }
  lines.push(describeDelta(result.delta, ledgerPath).trimEnd(), '', 'The fixed records:')
  for (const o of result.fixedOutcomes) {
    lines.push(
      `  ${o.sourceKey.padEnd(16)} ${o.phase.padEnd(16)} → ${o.status}${o.reason ? ` (${o.reason})` : ''}`,
    )
  }
  if (result.fixedOutcomes.some((o) => o.status === 'quarantined')) {
    lines.push(
      '',
      'Some fixed records are still quarantined: `x2d365 report` writes their lines again with the reason; fix and feed them back.',
    )
  }
  return `${lines.join('\n')}\n`
}

/** A value as the fix summary shows it: quoted, long ones cut, empty said so. */
function shown(value: string | null): string {
  if (value === null) return '(empty)'
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}… (${value.length} characters)` : value)
}
