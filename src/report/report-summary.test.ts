import { describe, expect, it } from 'vitest'
import { describeWrittenReport } from './report-summary.ts'
import type { RunReport } from './run-report.ts'

function aReport(overrides: Partial<RunReport> = {}): RunReport {
  const none = { total: 0, groups: [] }
  return {
    runId: 'm1',
    kind: 'migrate',
    status: 'succeeded',
    startedAt: '2026-11-26T10:00:00.000Z',
    quarantine: none,
    skipped: none,
    withWarnings: none,
    ...overrides,
  }
}

describe('describeWrittenReport', () => {
  it('names the files and the quarantined records, and says how to feed fixes back', () => {
    const text = describeWrittenReport(aReport({ quarantine: { total: 1, groups: [] } }), '/r/m1')
    expect(text).toBe(
      'Report of migrate run m1 (succeeded) in /r/m1:\n' +
        '  report.html  report.md  report.json  quarantine.csv (1 record)\n' +
        '  Fill in fixed_value in quarantine.csv and feed it back with `x2d365 fix quarantine.csv`.\n',
    )
  })

  it('says whether the run was verified, and by which run', () => {
    expect(describeWrittenReport(aReport({ verification: null }), 'o')).toContain(
      'Not verified yet: run `x2d365 verify` (then `x2d365 report` again).\n',
    )
    const verified = { runId: 'v1', ok: true, entities: [] }
    expect(describeWrittenReport(aReport({ verification: verified }), 'o')).toContain(
      'Verified by run v1: every record checked matches its source.\n',
    )
    expect(describeWrittenReport(aReport({ verification: { ...verified, ok: false } }), 'o')).toContain(
      "Verified by run v1: differences found (see the report's Verification section).\n",
    )
  })
})
