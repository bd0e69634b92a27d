import type { VerifyResult } from '../run/verify.ts'

/** What a person reads after `verify`: a table per object, the columns that differ, the first differences. Pure. */
export function formatVerification(result: VerifyResult): string {
  const lines = ['entity     checked  matched  mismatched  missing  not migrated']
  for (const e of result.entities) {
    lines.push(
      `${e.entity.padEnd(9)} ${String(e.checked).padStart(8)} ${String(e.matched).padStart(8)} ${String(e.mismatched).padStart(11)} ${String(e.missing).padStart(8)} ${String(e.notMigrated).padStart(13)}`,
    )
    for (const [column, n] of Object.entries(e.byColumn)) lines.push(`    ${column}: ${n} rows differ`)
    for (const m of e.mismatches.slice(0, 10)) {
      lines.push(
        `    ${m.sourceKey} ${m.field} → ${m.column}: expected ${JSON.stringify(m.expected)}, Dataverse has ${JSON.stringify(m.actual)}`,
      )
    }
    if (e.quarantined > 0) {
      lines.push(`    quarantined, not compared: ${e.quarantined} (their newest outcome is a quarantine)`)
      for (const q of e.quarantinedKeys.slice(0, 10))
        lines.push(`    ${q.sourceKey} quarantined: ${q.reason}`)
      if (e.quarantined > 10) lines.push(`    … (${e.quarantined} in all: \`x2d365 report\` lists them)`)
    }
    if (e.missing > 0)
      lines.push(
        `    missing from Dataverse: ${e.missingKeys.slice(0, 10).join(', ')}${e.missing > 10 ? `, … (${e.missing} in all)` : ''}`,
      )
  }
  const quarantined = result.entities.reduce((n, e) => n + e.quarantined, 0)
  if (quarantined > 0)
    lines.push(
      `${quarantined} records in Dataverse are quarantined, not compared: a later write was refused, so the row there is older than X2CRM (fix them: \`x2d365 report\`, quarantine.csv).`,
    )
  lines.push(
    result.ok ? 'Verified: every record checked matches its source.' : 'Differences found (see above).',
    `Recorded as run ${result.runId}${result.of === undefined ? '' : ` (it checked run ${result.of})`}; \`x2d365 report\` shows it with that run.`,
  )
  return `${lines.join('\n')}\n`
}
