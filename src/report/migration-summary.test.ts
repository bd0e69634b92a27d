import { describe, expect, it } from 'vitest'
import { describeMigration } from './migration-summary.ts'
import type { PhaseReconciliation } from '../run/reconciliation.ts'

const accounts: PhaseReconciliation = {
  phase: 'Accounts',
  source: 10,
  created: 9,
  updated: 0,
  quarantined: 1,
  skipped: 0,
  deleted: 0,
  restored: 0,
  accounted: 10,
  balanced: true,
}

describe('describeMigration', () => {
  it('shows the reconciliation and says it balances, with the ledger to look in', () => {
    const text = describeMigration({ reconciliation: { phases: [accounts], balanced: true } }, 'l.sqlite', {
      sample: false,
    })
    expect(text).toMatch(/^\nphase\s+source\s+created\s+updated\s+quarantined\s+skipped\s+balanced/)
    expect(text).toMatch(
      /\nBalanced: every source record is created, updated, quarantined or skipped \(ledger: l\.sqlite\)\.\n$/,
    )
    expect(text).not.toContain('rehearsal')
  })

  it('reminds that a sample was a rehearsal, and says when records are unaccounted for', () => {
    const lost = { ...accounts, created: 8, accounted: 9, balanced: false }
    const text = describeMigration({ reconciliation: { phases: [lost], balanced: false } }, 'l.sqlite', {
      sample: true,
    })
    expect(text).toContain('\nA rehearsal on a sample: `x2d365 migrate` without --sample loads everything.\n')
    expect(text).toMatch(
      /\nNOT balanced: some source records have no outcome\. Run `x2d365 migrate` again; .*\n$/,
    )
  })
})
