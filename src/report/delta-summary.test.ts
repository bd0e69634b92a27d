import { describe, expect, it } from 'vitest'
import type { DeltaChangeLine, DeltaResult, EntityDelta } from '../run/delta.ts'
import { describeDelta } from './delta-summary.ts'
import type { PhaseReconciliation } from '../run/reconciliation.ts'

function anEntity(entity: string, found: Partial<EntityDelta['found']> = {}, retried = 0): EntityDelta {
  return { entity, found: { new: 0, changed: 0, deleted: 0, unchanged: 10, ...found }, retried }
}

function aPhase(phase: string, counts: Partial<PhaseReconciliation> = {}): PhaseReconciliation {
  const base = { created: 0, updated: 0, quarantined: 0, skipped: 0, deleted: 0, restored: 0, ...counts }
  const accounted = base.created + base.updated + base.quarantined + base.skipped + base.deleted
  return { phase, source: accounted, accounted, balanced: true, ...base, ...counts }
}

function aChange(sourceKey: string, change: DeltaChangeLine['change'], outcome: DeltaChangeLine['outcome']) {
  return { sourceKey, change, phase: sourceKey.split(':')[0] ?? '', outcome }
}

function aDelta(overrides: Partial<DeltaResult> = {}): DeltaResult {
  return {
    runId: 'delta-1',
    since: 'migrate-1',
    entities: [anEntity('Accounts'), anEntity('Contacts')],
    reconciliation: { phases: [], balanced: true },
    changes: [],
    deletions: 'deactivate',
    seconds: 1.5,
    ...overrides,
  }
}

describe('describeDelta', () => {
  it('says which way the changes were found and how many records each class read whole', () => {
    const text = describeDelta(
      aDelta({
        reading: { mode: 'changelog', since: '2026-12-04T09:50:00.000Z', after: 'delta-0' },
        entities: [
          { ...anEntity('Accounts'), read: { mode: 'changelog', read: 3, scanned: 1000, candidates: 2 } },
          {
            ...anEntity('Contacts', { changed: 1 }),
            read: { mode: 'full', read: 2000, fellBack: 'the spot check found 1 unmarked record changed' },
          },
        ],
      }),
      'ledger.sqlite',
    )
    expect(text).toContain(
      "Changes read from X2CRM's change log and timestamps since 2026-12-04T09:50:00.000Z",
    )
    expect(text).toContain(
      'Accounts: 0 new, 0 changed, 0 deleted, 10 unchanged; 3 records read of 1000 ids (changelog)',
    )
    expect(text).toContain('2000 records read (full: the spot check found 1 unmarked record changed)')
    const full = describeDelta(aDelta({ reading: { mode: 'full', why: 'asked for (--changes full)' } }), 'l')
    expect(full).toContain(
      'Every record compared by content hash (--changes full: asked for (--changes full))',
    )
  })

  it('says when nothing changed, and that nothing was written', () => {
    const text = describeDelta(aDelta(), 'ledger.sqlite')
    expect(text).toContain('Delta run delta-1 (since migration migrate-1; deletions: deactivate)')
    expect(text).toContain('  Accounts: 0 new, 0 changed, 0 deleted, 10 unchanged\n')
    expect(text).toContain('Nothing changed in X2CRM since the last run: nothing was written.')
    expect(text).toContain('Balanced: every change has an outcome (ledger: ledger.sqlite).')
    expect(text).not.toContain('phase')
  })

  it('tells new records from quarantined ones tried again, and lists each change with its outcome', () => {
    const result = aDelta({
      entities: [anEntity('Accounts', { new: 3, changed: 1 }, 1), anEntity('Contacts', { deleted: 1 })],
      reconciliation: {
        phases: [aPhase('Accounts', { created: 3, updated: 1 }), aPhase('Contacts', { deleted: 1 })],
        balanced: true,
      },
      changes: [
        aChange('Accounts:7', 'new', 'created'),
        aChange('Accounts:8', 'changed', 'updated'),
        { ...aChange('Contacts:3', 'deleted', 'deleted'), detail: 'deactivated' },
      ],
    })
    const text = describeDelta(result, 'ledger.sqlite')
    expect(text).toContain(
      '  Accounts: 2 new, 1 changed, 0 deleted, 10 unchanged; 1 quarantined before, tried again',
    )
    expect(text).toMatch(/phase\s+source\s+created/)
    expect(text).toContain('  new     Accounts:7       → created\n')
    expect(text).toContain('  deleted Contacts:3       → deleted (deactivated)\n')
    // 5 found, 3 listed: the rest are in the report.
    expect(text).toContain('  … and 2 more: `x2d365 report --run delta-1` lists every one')
  })

  it('counts the records still quarantined apart instead of listing them as changes', () => {
    const result = aDelta({
      entities: [anEntity('Contacts', { new: 2 }, 2)],
      reconciliation: { phases: [aPhase('Contacts', { quarantined: 2 })], balanced: true },
      changes: [
        aChange('Contacts:1', 'retried', 'quarantined'),
        aChange('Contacts:2', 'retried', 'quarantined'),
      ],
    })
    const text = describeDelta(result, 'ledger.sqlite')
    expect(text).not.toContain('Contacts:1')
    expect(text).toContain('  2 records quarantined before are still quarantined (the same reasons)')
    expect(text).not.toContain('Nothing changed')
  })

  it('says when the changes do not balance', () => {
    const result = aDelta({
      entities: [anEntity('Accounts', { changed: 1 })],
      reconciliation: { phases: [aPhase('Accounts', { balanced: false })], balanced: false },
    })
    expect(describeDelta(result, 'ledger.sqlite')).toContain(
      'NOT balanced: some changes have no outcome. Run `x2d365 delta` again',
    )
  })
})
