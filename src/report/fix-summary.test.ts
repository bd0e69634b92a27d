import { describe, expect, it } from 'vitest'
import type { SourceFix } from '../ledger/fix-store.ts'
import type { FixResult } from '../run/fix.ts'
import { describeFix, describeFixRefusal } from './fix-summary.ts'

function aFix(line: number, fix: Partial<SourceFix> = {}): SourceFix & { line: number } {
  return {
    line,
    entity: 'Contacts',
    id: 12,
    field: 'email',
    value: 'jane@contoso.com',
    original: 'jane@',
    fixedAt: '2026-11-26T10:00:00.000Z',
    fixedBy: 'dana',
    ...fix,
  }
}

function aFixResult(overrides: Partial<FixResult> = {}): FixResult {
  return { problems: [], stored: [aFix(2)], relinked: [], fixedOutcomes: [], ...overrides }
}

const aDelta = {
  runId: 'delta-1',
  since: 'migrate-1',
  entities: [{ entity: 'Contacts', found: { new: 0, changed: 1, deleted: 0, unchanged: 9 }, retried: 0 }],
  reconciliation: { phases: [], balanced: true },
  changes: [],
  deletions: 'deactivate' as const,
  seconds: 1,
}

describe('describeFixRefusal', () => {
  it('lists every bad line and says nothing was stored', () => {
    const text = describeFixRefusal('q.csv', {
      problems: [
        { line: 2, message: 'fixed_value is empty' },
        { line: 5, message: 'Contacts has no field "nope"' },
      ],
    })
    expect(text).toBe(
      'q.csv: 2 problems, so nothing was stored:\n' +
        '  line 2: fixed_value is empty\n' +
        '  line 5: Contacts has no field "nope"\n' +
        'Correct the file and run `x2d365 fix` again, or pass --skip-bad to store the good lines only.\n',
    )
  })
})

describe('describeFix', () => {
  it('shows each fix stored, with the value it replaces, and says when nothing was loaded', () => {
    const long = 'x'.repeat(70)
    const result = aFixResult({ stored: [aFix(2), aFix(3, { id: 13, original: null, value: long })] })
    const text = describeFix('q.csv', result, 'dana', 'ledger.sqlite')
    expect(text).toContain('Stored 2 fixes by dana (ledger: ledger.sqlite):\n')
    expect(text).toContain('  line 2: Contacts:12 email "jane@" → "jane@contoso.com"\n')
    expect(text).toContain(`  line 3: Contacts:13 email (empty) → "${'x'.repeat(60)}… (70 characters)"\n`)
    expect(text).toContain(
      'Not loaded (--no-load): the next `x2d365 delta` or `x2d365 migrate` reads the records',
    )
  })

  it('says when the file held no fix', () => {
    expect(describeFix('q.csv', aFixResult({ stored: [] }), 'dana', 'l')).toBe('q.csv: no fix to store.\n')
  })

  it('after the delta: the skipped lines, the records loaded again for their links, and each fixed record', () => {
    const result = aFixResult({
      problems: [{ line: 4, message: 'fixed_value is empty' }],
      relinked: ['Contacts:40'],
      delta: aDelta,
      fixedOutcomes: [
        { runId: 'delta-1', phase: 'Contacts', sourceKey: 'Contacts:12', status: 'updated' },
        {
          runId: 'delta-1',
          phase: 'Contacts',
          sourceKey: 'Contacts:13',
          status: 'quarantined',
          reason: 'too long',
        },
      ],
    })
    const text = describeFix('q.csv', result, 'dana', 'ledger.sqlite')
    expect(text).toContain('Skipped 1 bad line (--skip-bad):\n  line 4: fixed_value is empty\n')
    expect(text).toContain(
      '1 loaded record with an empty link to a fixed one were loaded again so the link binds: Contacts:40',
    )
    expect(text).toContain('Delta run delta-1 (since migration migrate-1; deletions: deactivate)')
    expect(text).toContain('The fixed records:\n  Contacts:12      Contacts         → updated\n')
    expect(text).toContain('  Contacts:13      Contacts         → quarantined (too long)\n')
    expect(text).toContain('Some fixed records are still quarantined')
    expect(text).not.toContain('Not loaded')
  })
})
