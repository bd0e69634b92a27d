import { describe, expect, it } from 'vitest'
import { HttpError } from '../../errors.ts'
import { loadRows } from './bulk-load.ts'
import type { DataverseTarget, RowResult, TableRef, TargetRow } from './types.ts'

const contact: TableRef = { logicalName: 'contact', entitySet: 'contacts', primaryId: 'contactid' }

const aRow = (n: number, values: Record<string, unknown> = { lastname: `Row ${n}` }): TargetRow => ({
  targetId: `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`,
  values,
})

const request = {
  method: 'POST',
  url: 'https://org.test/api/data/v9.2/contacts/Microsoft.Dynamics.CRM.UpsertMultiple',
}
const dataverseError = (status: number, code: string, message: string) =>
  new HttpError(request, status, { error: { code, message } }, message)

/** A target that refuses, all or nothing like a standard table, any call holding a row `refuse` picks. */
function fakeTarget(refuse: (row: TargetRow) => HttpError | undefined) {
  const calls: number[] = []
  const loaded: string[] = []
  const target: DataverseTarget = {
    async upsertMultiple(_table, rows) {
      calls.push(rows.length)
      for (const row of rows) {
        const error = refuse(row)
        if (error) throw error
      }
      loaded.push(...rows.map((r) => r.targetId))
    },
    upsert: () => Promise.reject(new Error('not used')),
    query: () => {
      throw new Error('not used')
    },
  }
  return { target, calls, loaded }
}

describe('loadRows', () => {
  it('loads everything in one call when nothing is wrong', async () => {
    const rows = Array.from({ length: 100 }, (_, i) => aRow(i))
    const { target, calls } = fakeTarget(() => undefined)
    const results = await loadRows(target, contact, rows)
    expect(results).toEqual(rows.map((r) => ({ status: 'loaded', targetId: r.targetId })))
    expect(calls).toEqual([100])
  })

  it('splits a refused chunk to isolate the bad rows, in few calls', async () => {
    const bad = new Set([7, 50, 93])
    const rows = Array.from({ length: 100 }, (_, i) =>
      aRow(i, bad.has(i) ? { lastname: 'x'.repeat(60) } : {}),
    )
    const message = (i: number) =>
      `The length of the 'lastname' attribute of the 'contact' entity exceeded 50 (row ${i})`
    const { target, calls, loaded } = fakeTarget((row) => {
      const index = rows.indexOf(row)
      return bad.has(index) ? dataverseError(400, '0x80044331', message(index)) : undefined
    })
    const splits: number[] = []
    const results = await loadRows(target, contact, rows, { onSplit: (size) => splits.push(size) })

    expect(results).toHaveLength(100)
    results.forEach((result, i) => expect(result.targetId).toBe(rows[i]?.targetId))
    expect(results.filter((r) => r.status === 'loaded')).toHaveLength(97)
    expect(results.filter((r) => r.status === 'rejected')).toEqual(
      [...bad].map((i) => ({
        status: 'rejected',
        targetId: rows[i]?.targetId,
        httpStatus: 400,
        code: '0x80044331',
        reason: message(i),
      })),
    )
    expect(new Set(loaded).size).toBe(97)
    // Each bad row costs at most two calls per level of a log2(100) ≈ 7 deep split.
    expect(calls.length).toBeLessThanOrEqual(1 + 2 * 3 * Math.ceil(Math.log2(100)))
    expect(splits[0]).toBe(100)
  })

  it('with isolate, sends a refused chunk once more, row by row, instead of splitting it', async () => {
    const rows = Array.from({ length: 100 }, (_, i) =>
      aRow(i, i === 7 || i === 93 ? { lastname: 'bad' } : {}),
    )
    const { target, calls } = fakeTarget((row) =>
      row.values['lastname'] === 'bad' ? dataverseError(400, '0x80044331', 'too long') : undefined,
    )
    const isolated: number[] = []
    const splits: number[] = []
    const results = await loadRows(target, contact, rows, {
      onSplit: (size) => splits.push(size),
      isolate: async (part) => {
        isolated.push(part.length)
        return part.map((row): RowResult =>
          row.values['lastname'] === 'bad'
            ? {
                status: 'rejected',
                targetId: row.targetId,
                httpStatus: 400,
                code: '0x80044331',
                reason: 'too long',
              }
            : { status: 'loaded', targetId: row.targetId },
        )
      },
    })
    expect(calls).toHaveLength(1)
    expect(isolated).toEqual([100])
    expect(splits).toEqual([])
    expect(results.filter((r) => r.status === 'rejected').map((r) => r.targetId)).toEqual([
      rows[7]?.targetId,
      rows[93]?.targetId,
    ])
  })

  it('rejects a single bad row without splitting', async () => {
    const { target } = fakeTarget(() =>
      dataverseError(404, '0x80040217', 'account With Id = 1 Does Not Exist'),
    )
    expect(await loadRows(target, contact, [aRow(1)])).toEqual([
      {
        status: 'rejected',
        targetId: aRow(1).targetId,
        httpStatus: 404,
        code: '0x80040217',
        reason: 'account With Id = 1 Does Not Exist',
      },
    ])
  })

  it.each([
    ['401', dataverseError(401, '', 'Unauthorized')],
    ['403', dataverseError(403, '0x80040220', 'Principal user is missing prvCreateContact privilege')],
    ['408', dataverseError(408, '', 'Request timeout')],
    ['429 after retries', dataverseError(429, '0x80072322', 'Number of requests exceeded the limit')],
    ['503 after retries', dataverseError(503, '', 'Service unavailable')],
    [
      'an unknown entity set',
      dataverseError(404, '0x80060888', "Resource not found for the segment 'contactz'."),
    ],
    ['a network failure', new TypeError('fetch failed')],
  ])('rethrows %s: the run must stop', async (_, error) => {
    const { target, calls } = fakeTarget(() => {
      throw error
    })
    await expect(loadRows(target, contact, [aRow(1), aRow(2)])).rejects.toBe(error)
    expect(calls).toEqual([2])
  })

  it('returns nothing for no rows, without a call', async () => {
    const { target, calls } = fakeTarget(() => undefined)
    expect(await loadRows(target, contact, [])).toEqual([])
    expect(calls).toEqual([])
  })
})
