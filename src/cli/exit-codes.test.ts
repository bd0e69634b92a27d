import { describe, expect, it } from 'vitest'
import type { RecordOutcome } from '../ledger/ledger.ts'
import type { PhaseReconciliation, Reconciliation } from '../run/reconciliation.ts'
import type { OwnerCheck } from '../run/validate.ts'
import {
  EXIT,
  exitCodeForDemo,
  exitCodeForFix,
  exitCodeForMapCheck,
  exitCodeForOwners,
  exitCodeForRollback,
  exitCodeForRun,
  exitCodeForValidation,
  exitCodeForVerify,
  fixRefused,
} from './exit-codes.ts'

function aPhase(counts: Partial<PhaseReconciliation> = {}): PhaseReconciliation {
  return {
    phase: 'Accounts',
    source: 10,
    created: 10,
    updated: 0,
    quarantined: 0,
    skipped: 0,
    deleted: 0,
    restored: 0,
    accounted: 10,
    balanced: true,
    ...counts,
  }
}

function aReconciliation(...phases: PhaseReconciliation[]): Reconciliation {
  return { phases, balanced: phases.every((p) => p.balanced) }
}

function anOutcome(status: RecordOutcome['status']): RecordOutcome {
  return { runId: 'r1', phase: 'Contacts', sourceKey: 'Contacts:1', status }
}

const aProblem = { line: 2, message: 'fixed_value is empty' }

describe('exit codes', () => {
  it('keeps the numbers scripts rely on', () => {
    expect(EXIT).toEqual({ ok: 0, failed: 1, config: 2, quarantined: 3, unbalanced: 4, internal: 70 })
  })

  it('migrate and delta: 0 when everything loaded, 3 with quarantined records, 4 when not balanced', () => {
    expect(exitCodeForRun({ reconciliation: aReconciliation(aPhase(), aPhase({ phase: 'Contacts' })) })).toBe(
      0,
    )
    const quarantined = aPhase({ created: 9, quarantined: 1 })
    expect(exitCodeForRun({ reconciliation: aReconciliation(aPhase(), quarantined) })).toBe(3)
    const lost = aPhase({ created: 8, quarantined: 1, accounted: 9, balanced: false })
    expect(exitCodeForRun({ reconciliation: aReconciliation(lost) })).toBe(4)
  })

  it('verify: 4 on any difference', () => {
    expect(exitCodeForVerify({ ok: true })).toBe(0)
    expect(exitCodeForVerify({ ok: false })).toBe(4)
  })

  it('validate: 2 when migrate would refuse the owners, else 3 when records would be quarantined', () => {
    const owners: OwnerCheck = { checked: true, matched: 3, defaulted: [], queue: [], problems: [] }
    const none = { total: 0, groups: [] }
    expect(exitCodeForValidation({ owners, quarantine: none })).toBe(0)
    expect(exitCodeForValidation({ owners, quarantine: { total: 2, groups: [] } })).toBe(3)
    expect(exitCodeForValidation({ owners: { ...owners, refusal: '2 owners left' }, quarantine: none })).toBe(
      2,
    )
    expect(exitCodeForValidation({ owners: { checked: false, note: 'offline' }, quarantine: none })).toBe(0)
  })

  it('rollback: 0 when verified or when nothing is left to undo, 4 when its check finds leftovers', () => {
    expect(exitCodeForRollback({ verified: true })).toBe(0)
    expect(exitCodeForRollback('nothing to undo')).toBe(0)
    expect(exitCodeForRollback({ verified: false })).toBe(4)
  })

  it('fix: 2 when a bad line refused the file, 4 when its delta does not balance, 3 when records stay quarantined', () => {
    const loaded = { problems: [], fixedOutcomes: [anOutcome('updated')] }
    expect(exitCodeForFix(loaded, false)).toBe(0)
    expect(exitCodeForFix({ ...loaded, problems: [aProblem] }, false)).toBe(2)
    expect(fixRefused({ problems: [aProblem] }, false)).toBe(true)
    // --skip-bad stores the good lines: not refused, but not clean either.
    expect(fixRefused({ problems: [aProblem] }, true)).toBe(false)
    expect(exitCodeForFix({ ...loaded, problems: [aProblem] }, true)).toBe(3)
    expect(exitCodeForFix({ problems: [], fixedOutcomes: [anOutcome('quarantined')] }, false)).toBe(3)
    const unbalanced = {
      runId: 'd1',
      since: 'm1',
      entities: [],
      changes: [],
      deletions: 'deactivate' as const,
      seconds: 1,
      reconciliation: aReconciliation(aPhase({ accounted: 9, balanced: false })),
    }
    expect(exitCodeForFix({ ...loaded, delta: unbalanced }, false)).toBe(4)
  })

  it('users and map validate: 2 while there is something to resolve', () => {
    expect(exitCodeForOwners(undefined)).toBe(0)
    expect(exitCodeForOwners('migrate will not start: 2 owners have no Dataverse user')).toBe(2)
    expect(exitCodeForMapCheck({ ok: true })).toBe(0)
    expect(exitCodeForMapCheck({ ok: false })).toBe(2)
  })

  it('demo: 1 when a step failed', () => {
    expect(exitCodeForDemo({ ok: true })).toBe(0)
    expect(exitCodeForDemo({ ok: false })).toBe(1)
  })
})
