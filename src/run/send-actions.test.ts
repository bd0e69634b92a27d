import { describe, expect, it } from 'vitest'
import { HttpError } from '../errors.ts'
import type { TableRef } from '../target/dataverse/types.ts'
import { inBatches, sendActions, slices, writeRows } from './send-actions.ts'

const CASES: TableRef = { logicalName: 'incident', entitySet: 'incidents', primaryId: 'incidentid' }
const refused = (status: number, code: string, message: string) =>
  new HttpError({ method: 'POST', url: 'https://x/api/data/v9.2/WinOpportunity' }, status, {
    error: { code, message },
  })

describe('sending closing requests in batches', () => {
  it('slices in order, the last one shorter', () => {
    expect(slices([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]])
    expect(slices([], 100)).toEqual([])
  })

  it('runs at most `inFlight` slices at once and gives the results in the items’ order', async () => {
    let running = 0
    let most = 0
    const releases: (() => void)[] = []
    const done = inBatches(
      Array.from({ length: 10 }, (_, i) => i),
      async (slice) => {
        running++
        most = Math.max(most, running)
        await new Promise<void>((resolve) => releases.push(resolve))
        running--
        return slice.map((n) => n * 10)
      },
      { perBatch: 3, inFlight: 2 },
    )
    // Release the slices one by one, last started first: the results still come in order.
    for (let released = 0; released < 4; released++) {
      await new Promise((resolve) => setImmediate(resolve))
      releases.pop()?.()
    }
    expect(await done).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90])
    expect(most).toBe(2)
  })

  it('without a batch of actions sends one each: a refusal is an outcome, anything systemic throws', async () => {
    const sent: string[] = []
    const target = {
      callAction: async (name: string) => {
        sent.push(name)
        if (name === 'LoseOpportunity') throw refused(400, '0x80040203', 'already closed')
        if (name === 'CloseIncident') throw refused(429, '0x80072322', 'Number of requests exceeded')
      },
    }
    expect(
      await sendActions(target, [
        { name: 'WinOpportunity', body: {} },
        { name: 'LoseOpportunity', body: {} },
      ]),
    ).toEqual([
      { status: 'done' },
      { status: 'refused', httpStatus: 400, code: '0x80040203', reason: 'already closed' },
    ])
    await expect(sendActions(target, [{ name: 'CloseIncident', body: {} }])).rejects.toBeInstanceOf(HttpError)
    expect(sent).toEqual(['WinOpportunity', 'LoseOpportunity', 'CloseIncident'])
  })

  it('writes rows in a batch when it can: a row gone (404) is done, as `update` and `delete` say "missing"', async () => {
    const target = {
      batch: async (_table: TableRef, rows: readonly { targetId: string }[]) =>
        rows.map((row) =>
          row.targetId === 'gone'
            ? {
                status: 'rejected' as const,
                targetId: row.targetId,
                httpStatus: 404,
                code: '0x80040217',
                reason: 'no row',
              }
            : row.targetId === 'bad'
              ? {
                  status: 'rejected' as const,
                  targetId: row.targetId,
                  httpStatus: 400,
                  code: '0x1',
                  reason: 'refused',
                }
              : { status: 'loaded' as const, targetId: row.targetId },
        ),
    }
    const rows = ['ok', 'gone', 'bad'].map((targetId) => ({ targetId, values: { statecode: 2 } }))
    expect(await writeRows(target, CASES, rows, 'update')).toEqual([
      undefined,
      undefined,
      { httpStatus: 400, code: '0x1', reason: 'refused' },
    ])
  })
})
