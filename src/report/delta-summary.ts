import type { DeltaResult } from '../run/delta.ts'
import { formatReconciliation } from './reconciliation.ts'

/** Changes listed in a terminal; `--json` and `x2d365 report` have them all. */
const SHOWN = 20

/** What a person reads after a delta: what X2CRM changed, what Dataverse got, the first changes one by one. Pure. */
export function describeDelta(result: DeltaResult, ledgerPath: string): string {
  const lines = [
    `\nDelta run ${result.runId} (since migration ${result.since}; deletions: ${result.deletions})`,
  ]
  if (result.reading !== undefined) lines.push(describeReading(result.reading))
  for (const { entity, found, retried, read } of result.entities) {
    lines.push(
      `  ${entity}: ${found.new - retried} new, ${found.changed} changed, ${found.deleted} deleted, ${found.unchanged} unchanged` +
        (retried > 0 ? `; ${retried} quarantined before, tried again` : '') +
        (read === undefined ? '' : `; ${describeRead(read)}`),
    )
  }
  const stillQuarantined = result.changes.filter((c) => c.change === 'retried' && c.outcome === 'quarantined')
  // Everything the delta found, but the records that were quarantined before and still are.
  const changed =
    result.entities.reduce((n, e) => n + e.found.new + e.found.changed + e.found.deleted, 0) -
    stillQuarantined.length
  if (changed <= 0 && stillQuarantined.length === 0) {
    lines.push('\nNothing changed in X2CRM since the last run: nothing was written.')
  } else {
    lines.push('', formatReconciliation(result.reconciliation), '')
    const shown = result.changes.filter((c) => !stillQuarantined.includes(c)).slice(0, SHOWN)
    for (const change of shown) {
      lines.push(
        `  ${change.change.padEnd(7)} ${change.sourceKey.padEnd(16)} → ${change.outcome}` +
          (change.detail === undefined ? '' : ` (${change.detail})`),
      )
    }
    if (changed > shown.length)
      lines.push(
        `  … and ${changed - shown.length} more: \`x2d365 report --run ${result.runId}\` lists every one`,
      )
    if (stillQuarantined.length > 0) {
      lines.push(
        `  ${stillQuarantined.length} records quarantined before are still quarantined (the same reasons): ` +
          `\`x2d365 report --run ${result.runId}\` lists them with a CSV to fix them`,
      )
    }
  }
  lines.push(
    '',
    result.reconciliation.balanced
      ? `Balanced: every change has an outcome (ledger: ${ledgerPath}). Run \`x2d365 delta\` again at cutover; \`x2d365 rollback\` undoes it.`
      : 'NOT balanced: some changes have no outcome. Run `x2d365 delta` again; if it persists, report a bug.',
    '',
  )
  return lines.join('\n')
}

/** Which way the delta found the changes, in one line. */
function describeReading(reading: NonNullable<DeltaResult['reading']>): string {
  return reading.mode === 'changelog'
    ? `  Changes read from X2CRM's change log and timestamps since ${reading.since} (the start of run ` +
        `${reading.after}, less a margin), each proven by its content hash; \`--changes full\` compares everything`
    : `  Every record compared by content hash (--changes full: ${reading.why})`
}

function describeRead(read: NonNullable<DeltaResult['entities'][number]['read']>): string {
  const rows = `${read.read} record${read.read === 1 ? '' : 's'} read`
  if (read.mode === 'changelog') return `${rows} of ${read.scanned ?? 0} ids (changelog)`
  return read.fellBack === undefined ? `${rows} (full)` : `${rows} (full: ${read.fellBack})`
}
