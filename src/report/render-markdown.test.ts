import { describe, expect, it } from 'vitest'
import { renderMarkdown } from './render-markdown.ts'
import type { RunReport } from './run-report.ts'

describe('renderMarkdown', () => {
  it('separates mismatch examples with a real <br> and escapes the values themselves', () => {
    const report: RunReport = {
      runId: 'v1',
      kind: 'verify',
      status: 'succeeded',
      startedAt: '2026-11-26T10:00:00Z',
      verification: {
        runId: 'v1',
        ok: false,
        entities: [
          {
            entity: 'Contacts',
            checked: 2,
            matched: 0,
            mismatched: 2,
            missing: 0,
            notMigrated: 0,
            quarantined: 0,
            quarantinedKeys: [],
            missingKeys: [],
            columns: [
              {
                column: 'jobtitle',
                field: 'title',
                rows: 2,
                examples: [
                  { sourceKey: 'Contacts:1', expected: 'CFO', actual: '<b>CEO</b>' },
                  { sourceKey: 'Contacts:2', expected: 'a|b', actual: 'c' },
                ],
              },
            ],
          },
        ],
      },
      quarantine: { total: 0, groups: [] },
      skipped: { total: 0, groups: [] },
      withWarnings: { total: 0, groups: [] },
    }
    const row = renderMarkdown(report)
      .split('\n')
      .find((line) => line.startsWith('| Contacts | jobtitle'))
    expect(row).toContain('<br>Contacts:2')
    expect(row).not.toContain('&lt;br>')
    expect(row).toContain('&lt;b>CEO&lt;/b>')
    expect(row).toContain('a\\|b')
  })

  it('says which records were quarantined after their load and not compared, with the reason escaped', () => {
    const report: RunReport = {
      runId: 'v2',
      kind: 'verify',
      status: 'succeeded',
      startedAt: '2026-12-04T10:00:00Z',
      verification: {
        runId: 'v2',
        ok: true,
        entities: [
          {
            entity: 'Services',
            checked: 283,
            matched: 283,
            mismatched: 0,
            missing: 0,
            notMigrated: 16,
            quarantined: 1,
            quarantinedKeys: [{ sourceKey: 'Services:1035', reason: "'customerid' is <b>required</b>" }],
            missingKeys: [],
            columns: [],
          },
        ],
      },
      quarantine: { total: 0, groups: [] },
      skipped: { total: 0, groups: [] },
      withWarnings: { total: 0, groups: [] },
    }
    const text = renderMarkdown(report)
    expect(text).toContain(
      "Services: 1 record quarantined, not compared (the row in Dataverse is older than X2CRM): Services:1035 ('customerid' is &lt;b>required&lt;/b>)",
    )
  })
})
