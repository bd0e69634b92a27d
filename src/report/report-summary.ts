import { describeUnverified, plural, type RunReport } from './run-report.ts'

/** What a person reads after `report`: where the files are, whether the run was verified, what to do next. Pure. */
export function describeWrittenReport(report: RunReport, out: string): string {
  return (
    `Report of ${report.kind} run ${report.runId} (${report.status}) in ${out}:\n  report.html  report.md  report.json  quarantine.csv (${plural(report.quarantine.total, 'record')})\n` +
    verificationLine(report) +
    (report.quarantine.total > 0
      ? '  Fill in fixed_value in quarantine.csv and feed it back with `x2d365 fix quarantine.csv`.\n'
      : '')
  )
}

/** One line on whether the run was verified, so nobody signs off a run that never was. */
function verificationLine(report: RunReport): string {
  const v = report.verification
  if (v === undefined) return ''
  if (v === null) return `${describeUnverified(report)}\n`
  return v.ok
    ? `Verified by run ${v.runId}: every record checked matches its source.\n`
    : `Verified by run ${v.runId}: differences found (see the report's Verification section).\n`
}
