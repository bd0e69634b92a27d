import { describe, expect, it } from 'vitest'
import { reconcile } from '../run/reconciliation.ts'
import { formatReconciliation } from './reconciliation.ts'

describe('formatReconciliation', () => {
  it('says by how much a phase that lost or invented records is off', () => {
    const result = reconcile(
      new Map([
        ['Accounts', 10],
        ['Contacts', 3],
      ]),
      [{ phase: 'Accounts', created: 9, updated: 0, quarantined: 0, skipped: 0, deleted: 0, restored: 0 }],
    )
    expect(formatReconciliation(result)).toContain('NO (-1)')
  })
})
