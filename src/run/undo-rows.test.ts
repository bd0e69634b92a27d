import { describe, expect, it } from 'vitest'
import { HttpError } from '../errors.ts'
import { ACCOUNT, defaultMapping } from '../mapping/default-map.ts'
import type { RowResult, TableRef, TargetRow } from '../target/dataverse/types.ts'
import { undoInBulk, undoStepOf, type BulkUndoTarget } from './undo-rows.ts'
import type { WrittenRow } from './written-rows.ts'

const map = defaultMapping().entities[0]
if (map === undefined) throw new Error('no account map')
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`
const aRow = (n: number, extra: Partial<WrittenRow> = {}): WrittenRow => ({
  phase: 'Accounts',
  sourceKey: `Accounts:${n}`,
  targetId: id(n),
  status: 'created',
  ...extra,
})
const image = (n: number, values: Record<string, unknown>) => ({
  phase: 'Accounts',
  targetId: id(n),
  entitySet: 'accounts',
  values,
})

describe('undoStepOf', () => {
  it('deletes what the run created, restores what it changed, re-creates what a delta deleted with its state after', () => {
    expect(undoStepOf(aRow(1), map).type).toBe('delete')
    expect(undoStepOf(aRow(2, { status: 'updated', image: image(2, { name: 'Old' }) }), map)).toMatchObject({
      type: 'restore',
      values: { name: 'Old' },
    })
    const recreate = undoStepOf(
      aRow(3, {
        status: 'deleted',
        image: image(3, { name: 'Gone', statecode: 1, statuscode: 2, createdon: '2020-01-01T00:00:00Z' }),
      }),
      map,
    )
    expect(recreate).toMatchObject({
      type: 'recreate',
      values: { name: 'Gone', overriddencreatedon: '2020-01-01T00:00:00Z' },
      state: { statecode: 1, statuscode: 2 },
    })
    expect(undoStepOf(aRow(4, { status: 'updated' }), map)).toMatchObject({ type: 'skip' })
    expect(undoStepOf(aRow(5, { status: undefined }), map)).toMatchObject({ type: 'skip' })
  })
})

describe('undoInBulk', () => {
  it('restores with UpdateMultiple, isolates a row deleted since in one $batch, deletes with one $batch', async () => {
    const calls: string[] = []
    const target: BulkUndoTarget = {
      async updateMultiple(_table: TableRef, rows: readonly TargetRow[]) {
        calls.push(`UpdateMultiple ${rows.length}`)
        if (rows.some((r) => r.targetId === id(3))) {
          throw new HttpError({ method: 'POST', url: 'x' }, 404, {
            error: { code: '0x80040217', message: 'account With Id = … Does Not Exist' },
          })
        }
      },
      upsertMultiple: () => Promise.reject(new Error('not used')),
      async batch(_table: TableRef, rows: readonly TargetRow[], operation) {
        calls.push(`$batch ${operation ?? 'upsert'} ${rows.length}`)
        return rows.map((r): RowResult =>
          r.targetId === id(3) || r.targetId === id(5)
            ? {
                status: 'rejected',
                targetId: r.targetId,
                httpStatus: 404,
                code: '0x80040217',
                reason: 'gone',
              }
            : { status: 'loaded', targetId: r.targetId },
        )
      },
    }
    const rows = [
      aRow(1),
      aRow(2, { status: 'updated', image: image(2, { name: 'A' }) }),
      aRow(3, { status: 'updated', image: image(3, { name: 'B' }) }),
      aRow(4),
      aRow(5),
    ]
    const outcomes = await undoInBulk(
      rows.map((r) => undoStepOf(r, map)),
      ACCOUNT,
      'rb',
      target,
    )
    expect(calls).toEqual(['UpdateMultiple 2', '$batch update 2', '$batch delete 3'])
    expect(outcomes.map((o) => [o.targetId, o.status, o.reason])).toEqual([
      [id(1), 'deleted', undefined],
      [id(2), 'restored', undefined],
      [id(3), 'skipped', 'the row was deleted in Dataverse since the migration; nothing to restore'],
      [id(4), 'deleted', undefined],
      [id(5), 'deleted', 'already gone'],
    ])
  })
})
