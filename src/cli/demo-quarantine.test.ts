import { describe, expect, it } from 'vitest'
import { createMemoryLedger } from '../ledger/memory.ts'
import { formatQuarantineReasons, quarantineReasons } from './demo-quarantine.ts'

describe("the demo's quarantine reasons", () => {
  it('groups a run’s quarantined records by rule, the largest first, and prints the top ones with an example', async () => {
    const ledger = createMemoryLedger()
    const run = await ledger.startRun('migrate', { instance: 'demo' }, new Date('2026-12-04T10:00:00Z'))
    const refused = (id: number, length: number) => ({
      runId: run.runId,
      phase: 'Contacts',
      sourceKey: `Contacts:${id}`,
      status: 'quarantined' as const,
      reason: `lastName: "${'x'.repeat(length)}" is longer than contact.lastname allows (50 characters)`,
    })
    await ledger.recordBatch(
      run.runId,
      'Contacts',
      [
        refused(1, 60),
        { runId: run.runId, phase: 'Contacts', sourceKey: 'Contacts:2', status: 'created', targetId: 't2' },
        refused(3, 70),
        {
          runId: run.runId,
          phase: 'Contacts',
          sourceKey: 'Contacts:4',
          status: 'quarantined',
          reason: 'email: required',
        },
      ],
      { lastSourceId: 4 },
    )
    const reasons = await quarantineReasons(ledger, run.runId)
    expect(reasons.total).toBe(3)
    expect(reasons.groups.map((g) => [g.field, g.count])).toEqual([
      ['lastName', 2],
      ['email', 1],
    ])
    const text = formatQuarantineReasons(reasons, 1)
    expect(text).toMatch(/^Quarantine: 3 records, and why/)
    expect(text).toContain(
      '      2  Contacts                 lastName: "…" is longer than contact.lastname allows (50 characters) (e.g. Contacts:1)\n',
    )
    expect(text).toContain('      1  for 1 other reasons\n')
  })

  it('says so when nothing was quarantined', () => {
    expect(formatQuarantineReasons({ total: 0, groups: [] })).toBe('Quarantine: nothing quarantined.\n')
  })
})
