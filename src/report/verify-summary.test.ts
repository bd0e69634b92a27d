import { describe, expect, it } from 'vitest'
import type { EntityVerification, VerifyResult } from '../run/verify.ts'
import { formatVerification } from './verify-summary.ts'

function anObject(entity: string, counts: Partial<EntityVerification> = {}): EntityVerification {
  return {
    entity,
    checked: 200,
    matched: 200,
    mismatched: 0,
    missing: 0,
    notMigrated: 0,
    quarantined: 0,
    byColumn: {},
    mismatches: [],
    missingKeys: [],
    quarantinedKeys: [],
    ...counts,
  }
}

function aVerification(entities: EntityVerification[], overrides: Partial<VerifyResult> = {}): VerifyResult {
  return { runId: 'verify-1', of: 'migrate-1', sample: 200, entities, ok: true, seconds: 2, ...overrides }
}

describe('formatVerification', () => {
  it('shows a row per object and says every checked record matches', () => {
    const text = formatVerification(
      aVerification([anObject('Accounts'), anObject('Contacts', { notMigrated: 3 })]),
    )
    expect(text.split('\n').slice(0, 3)).toEqual([
      'entity     checked  matched  mismatched  missing  not migrated',
      'Accounts       200      200           0        0             0',
      'Contacts       200      200           0        0             3',
    ])
    expect(text).toContain('Verified: every record checked matches its source.\n')
    expect(text).toContain('Recorded as run verify-1 (it checked run migrate-1); `x2d365 report` shows it')
  })

  it('shows records quarantined after their load apart, with their reasons, and counts them in the summary', () => {
    const services = anObject('Services', {
      checked: 283,
      matched: 283,
      quarantined: 1,
      quarantinedKeys: [{ sourceKey: 'Services:1035', reason: 'customerid is required and cannot be null' }],
    })
    const text = formatVerification(aVerification([services]))
    expect(text).toContain('    quarantined, not compared: 1 (their newest outcome is a quarantine)\n')
    expect(text).toContain('    Services:1035 quarantined: customerid is required and cannot be null\n')
    expect(text).toContain('1 records in Dataverse are quarantined, not compared')
    expect(text).toContain('Verified: every record checked matches its source.')
  })

  it('lists the columns that differ, the first differences with both values, and the missing rows', () => {
    const missingKeys = Array.from({ length: 12 }, (_, i) => `Contacts:${i + 1}`)
    const contacts = anObject('Contacts', {
      matched: 187,
      mismatched: 1,
      missing: 12,
      byColumn: { lastname: 1 },
      mismatches: [
        {
          sourceKey: 'Contacts:40',
          targetId: 'c-40',
          field: 'lastName',
          column: 'lastname',
          expected: 'Doe',
          actual: 'Roe',
        },
      ],
      missingKeys: missingKeys.slice(0, 10),
    })
    const text = formatVerification(aVerification([contacts], { ok: false, of: undefined }))
    expect(text).toContain('    lastname: 1 rows differ\n')
    expect(text).toContain('    Contacts:40 lastName → lastname: expected "Doe", Dataverse has "Roe"\n')
    expect(text).toContain(
      `    missing from Dataverse: ${missingKeys.slice(0, 10).join(', ')}, … (12 in all)\n`,
    )
    expect(text).toContain('Differences found (see above).\nRecorded as run verify-1; ')
  })
})
