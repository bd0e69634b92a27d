import { describe, expect, it } from 'vitest'
import type { Ledger, RecordOutcome, RunInfo } from '../ledger/ledger.ts'
import { rowsToClose } from './close-scope.ts'

const run = (runId: string, kind: string, status: RunInfo['status']) => ({ runId, kind, status }) as RunInfo

function ledgerOf(runs: RunInfo[], outcomes: Record<string, string[]>): Pick<Ledger, 'runs' | 'outcomes'> {
  const ledger: Pick<Ledger, 'runs' | 'outcomes'> = {
    runs: () => Promise.resolve(runs),
    async *outcomes(runId: string) {
      for (const sourceKey of outcomes[runId] ?? [])
        yield { runId, sourceKey, status: 'updated' } as RecordOutcome
    },
  }
  return ledger
}

describe('rowsToClose', () => {
  const runs = [
    run('now', 'delta', 'running'),
    run('stopped-2', 'delta', 'failed'),
    run('verify', 'verify', 'succeeded'),
    run('stopped-1', 'delta', 'failed'),
    run('good', 'delta', 'succeeded'),
    run('older-stopped', 'delta', 'failed'),
    run('migrate', 'migrate', 'succeeded'),
  ]
  const ledger = ledgerOf(runs, {
    now: ['Services:9'],
    'stopped-2': ['Services:2'],
    'stopped-1': ['Services:1', 'Opportunity:1'],
    good: ['Services:3'],
    'older-stopped': ['Services:4'],
  })

  it('what this delta loaded and what the deltas stopped since the last good run loaded', async () => {
    const keys = await rowsToClose(ledger, new Set(['Services:5']), 'now')
    expect([...keys].sort()).toEqual(['Opportunity:1', 'Services:1', 'Services:2', 'Services:5'])
  })
})
