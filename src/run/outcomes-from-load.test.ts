import { describe, expect, it } from 'vitest'
import type { RecordOutcome } from '../ledger/ledger.ts'
import type { TransformResult } from '../mapping/types.ts'
import type { RowResult } from '../target/dataverse/types.ts'
import {
  countStatuses,
  firstPassOutcomes,
  linkPassOutcomes,
  rejectionReason,
  type FirstPassBatch,
} from './outcomes-from-load.ts'

const ok = (id: number): TransformResult => ({
  status: 'ok',
  sourceKey: `Accounts:${id}`,
  targetId: `computed-${id}`,
  values: {},
  links: [],
  warnings: [],
})
const rejected = (targetId: string): Extract<RowResult, { status: 'rejected' }> => ({
  status: 'rejected',
  targetId,
  httpStatus: 400,
  code: '0x80040237',
  reason: 'name is too long',
})

describe('firstPassOutcomes', () => {
  const batch: FirstPassBatch = {
    runId: 'r1',
    phase: 'Accounts',
    transformed: [
      ok(1),
      ok(2),
      ok(3),
      ok(4),
      { status: 'skipped', sourceKey: 'Accounts:5', reason: 'private record' },
      { status: 'invalid', sourceKey: 'Accounts:6', issues: ['no name', 'bad date'] },
    ],
    // Accounts:2 was matched by dedupe to a row that was there already.
    targetIdOf: new Map([
      ['Accounts:1', 'computed-1'],
      ['Accounts:2', 'existing-row'],
      ['Accounts:3', 'computed-3'],
      ['Accounts:4', 'computed-4'],
    ]),
    warningsOf: new Map([['Accounts:1', ['email: not an address; left empty']]]),
    existed: new Set(['existing-row']),
  }
  const results: RowResult[] = [
    { status: 'loaded', targetId: 'computed-1' },
    { status: 'loaded', targetId: 'existing-row' },
    rejected('computed-3'),
  ]

  it('gives one outcome per record in source order: created, updated, quarantined with the reason, skipped', () => {
    expect(firstPassOutcomes(batch, results)).toEqual([
      {
        runId: 'r1',
        phase: 'Accounts',
        sourceKey: 'Accounts:1',
        status: 'created',
        targetId: 'computed-1',
        warnings: ['email: not an address; left empty'],
      },
      {
        runId: 'r1',
        phase: 'Accounts',
        sourceKey: 'Accounts:2',
        status: 'updated',
        targetId: 'existing-row',
        warnings: [],
      },
      {
        runId: 'r1',
        phase: 'Accounts',
        sourceKey: 'Accounts:3',
        status: 'quarantined',
        targetId: 'computed-3',
        reason: 'Dataverse rejected the row (400 0x80040237): name is too long',
        warnings: [],
      },
      {
        runId: 'r1',
        phase: 'Accounts',
        sourceKey: 'Accounts:4',
        status: 'quarantined',
        targetId: 'computed-4',
        reason: 'no result from the loader (internal error)',
        warnings: [],
      },
      {
        runId: 'r1',
        phase: 'Accounts',
        sourceKey: 'Accounts:5',
        status: 'skipped',
        reason: 'private record',
      },
      {
        runId: 'r1',
        phase: 'Accounts',
        sourceKey: 'Accounts:6',
        status: 'quarantined',
        reason: 'no name; bad date',
      },
    ])
  })
})

describe('linkPassOutcomes', () => {
  const settled: RecordOutcome = {
    runId: 'r1',
    phase: 'Accounts.links',
    sourceKey: 'Accounts:3',
    status: 'skipped',
    reason: 'no links to set',
  }

  it('keeps source order: settled records as they were, patched rows updated or quarantined', () => {
    const outcomes = linkPassOutcomes(
      {
        runId: 'r1',
        phase: 'Accounts.links',
        transformed: [ok(1), ok(2), ok(3)],
        settled: new Map([['Accounts:3', settled]]),
        pending: new Map([
          ['row-2', { sourceKey: 'Accounts:2', warnings: [] }],
          ['row-1', { sourceKey: 'Accounts:1', warnings: ['parentAccount: Accounts:9 is not in Dataverse'] }],
        ]),
      },
      [rejected('row-2'), { status: 'loaded', targetId: 'row-1' }, { status: 'loaded', targetId: 'unknown' }],
    )
    expect(outcomes).toEqual([
      {
        runId: 'r1',
        phase: 'Accounts.links',
        sourceKey: 'Accounts:1',
        targetId: 'row-1',
        status: 'updated',
        warnings: ['parentAccount: Accounts:9 is not in Dataverse'],
      },
      {
        runId: 'r1',
        phase: 'Accounts.links',
        sourceKey: 'Accounts:2',
        targetId: 'row-2',
        status: 'quarantined',
        reason: 'Dataverse rejected the row (400 0x80040237): name is too long',
        warnings: [],
      },
      settled,
    ])
  })

  it('gives no outcome for a record neither settled nor sent back', () => {
    const outcomes = linkPassOutcomes(
      {
        runId: 'r1',
        phase: 'Accounts.links',
        transformed: [ok(1)],
        settled: new Map(),
        pending: new Map([['row-1', { sourceKey: 'Accounts:1', warnings: [] }]]),
      },
      [],
    )
    expect(outcomes).toEqual([])
  })
})

describe('rejectionReason and countStatuses', () => {
  it('words a rejection with its status and code, when there is a code', () => {
    expect(rejectionReason({ ...rejected('x'), code: '' })).toBe(
      'Dataverse rejected the row (400): name is too long',
    )
    expect(rejectionReason({ status: 'loaded', targetId: 'x' })).toBe('')
  })

  it('counts outcomes by status', () => {
    const base = { runId: 'r1', phase: 'Accounts', sourceKey: 'Accounts:1' }
    expect(
      countStatuses([
        { ...base, status: 'created' },
        { ...base, status: 'created' },
        { ...base, status: 'skipped' },
      ]),
    ).toEqual({ created: 2, updated: 0, quarantined: 0, skipped: 1, deleted: 0, restored: 0 })
  })
})
