import { describe, expect, it } from 'vitest'
import type { RunInfo } from '../ledger/ledger.ts'
import { undoChain } from './run-chain.ts'

const run = (runId: string, kind: string): RunInfo => ({
  runId,
  kind,
  status: 'succeeded',
  startedAt: '2026-11-26T00:00:00Z',
  params: {},
})

describe('undoChain', () => {
  // Newest first, as the ledger lists runs.
  const runs = [
    run('d3', 'delta'),
    run('r2', 'rollback'),
    run('d2', 'delta'),
    run('v1', 'verify'),
    run('d1', 'delta'),
    run('m1', 'migrate'),
    run('m0', 'migrate'),
  ]

  it('undoes every later delta or migrate run first, newest first, then the run asked for', () => {
    expect(undoChain(runs, run('m1', 'migrate'), new Set()).map((r) => r.runId)).toEqual([
      'd3',
      'd2',
      'd1',
      'm1',
    ])
  })

  it('leaves out runs that are undone already', () => {
    expect(undoChain(runs, run('m1', 'migrate'), new Set(['d2'])).map((r) => r.runId)).toEqual([
      'd3',
      'd1',
      'm1',
    ])
  })

  it('undoes only the newest run when nothing came after it', () => {
    expect(undoChain(runs, run('d3', 'delta'), new Set()).map((r) => r.runId)).toEqual(['d3'])
  })
})
