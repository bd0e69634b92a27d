import { describe, expect, it } from 'vitest'
import type { RecordHash } from '../../domain/record-hash.ts'
import { detectDeltaByChanges, mergeIds, type ChangesReport, type IdReader } from './changes.ts'
import type { DeltaChange } from './delta.ts'
import type { ReadOptions, X2crmRecord } from './types.ts'

/** A class in memory: records by id, and a reader that says which ids it was asked for. */
function table(records: X2crmRecord[]) {
  const asked: number[][] = []
  const reader: IdReader = {
    async *records(_entity: string, options?: ReadOptions) {
      const ids = options?.ids ?? []
      asked.push([...ids])
      for (const record of records) if (ids.includes(Number(record['id']))) yield record
    },
  }
  return { reader, asked }
}

const hash = (record: X2crmRecord) => `h:${String(record['title'])}`
const hashesOf = (entries: [number, string][]) => ({
  async *hashes(): AsyncGenerator<RecordHash> {
    for (const [id, h] of entries) yield { id, hash: h }
  },
})
const finderOf = (ids: number[], touched: number[]) => ({
  async *ids() {
    yield* ids
  },
  touched: async () => new Set(touched),
})

async function run(gen: AsyncGenerator<DeltaChange>): Promise<{ changes: string[] }> {
  const changes: string[] = []
  for await (const change of gen) changes.push(`${change.status} ${change.id}`)
  return { changes }
}

describe('detectDeltaByChanges', () => {
  const records = [1, 2, 3, 4, 6].map((id) => ({ id, title: id === 2 || id === 4 ? 'new title' : 'same' }))
  // Known before: 1..5 with the "same" title. Now: 2 changed (marked), 4 changed (unmarked), 5 gone, 6 new.
  const previous = hashesOf([1, 2, 3, 4, 5].map((id) => [id, 'h:same']))

  it('reads the marked and the new ids only, proves each by its hash, and finds deletions by ids alone', async () => {
    const { reader, asked } = table(records)
    let report: ChangesReport | undefined
    const { changes } = await run(
      detectDeltaByChanges(reader, finderOf([1, 2, 3, 4, 6], [2, 3]), 'Contacts', previous, {
        since: 0,
        hash,
        spotCheck: 0,
        onReport: (r) => (report = r),
      }),
    )
    // 3 was marked but is the same: read, not a change. 4 changed without a mark: missed (the documented limit).
    expect(changes).toEqual(['changed 2', 'new 6', 'deleted 5'])
    expect(asked).toEqual([[2, 3, 6]])
    expect(report).toMatchObject({
      read: 3,
      scanned: 5,
      candidates: 3,
      missed: 0,
      counts: { new: 1, changed: 1, unchanged: 3, deleted: 1 },
    })
  })

  it('compares the ids it is told to check whatever the marks say (quarantined or fixed before)', async () => {
    const { reader } = table(records)
    const { changes } = await run(
      detectDeltaByChanges(reader, finderOf([1, 2, 3, 4, 6], []), 'Contacts', previous, {
        since: 0,
        hash,
        spotCheck: 0,
        alsoCheck: new Set([4]),
      }),
    )
    expect(changes).toEqual(['changed 4', 'new 6', 'deleted 5'])
  })

  it('yields nothing and reports the miss when the spot check finds an unmarked change', async () => {
    const { reader, asked } = table(records)
    let report: ChangesReport | undefined
    const { changes } = await run(
      detectDeltaByChanges(reader, finderOf([1, 2, 3, 4, 6], [2]), 'Contacts', previous, {
        since: 0,
        hash,
        spotCheck: 3,
        onReport: (r) => (report = r),
      }),
    )
    expect(changes).toEqual([])
    // The spot check: the first three unmarked known ids (1, 3, 4); 4 changed.
    expect(asked).toEqual([[1, 3, 4]])
    expect(report?.missed).toBe(1)
  })

  it('draws the spot check from the whole class, not only its first ids', async () => {
    const many = Array.from({ length: 10 }, (_, i) => ({ id: i + 1, title: 'same' }))
    const { reader, asked } = table(many)
    await run(
      detectDeltaByChanges(
        reader,
        finderOf(
          many.map((r) => r.id),
          [],
        ),
        'Contacts',
        hashesOf(many.map((r) => [r.id, 'h:same'])),
        // A draw of 0 puts each later record in the sample's first place: the last one ends there.
        { since: 0, hash, spotCheck: 2, random: () => 0 },
      ),
    )
    expect(asked).toEqual([[2, 10]])
  })

  it('stops when a source answers ids it was not asked for (a source that ignores ReadOptions.ids)', async () => {
    const ignoring: IdReader = {
      async *records() {
        yield* records
      },
    }
    await expect(
      run(
        detectDeltaByChanges(ignoring, finderOf([1, 2, 3, 4, 6], [2]), 'Contacts', previous, {
          since: 0,
          hash,
          spotCheck: 0,
        }),
      ),
    ).rejects.toThrow(/does not honour ids; run the delta with --changes full/)
  })
})

describe('mergeIds', () => {
  it('gives one entry per id, with the previous hash where there is one', async () => {
    const merged = []
    for await (const entry of mergeIds(
      finderOf([1, 3, 4], []).ids(),
      hashesOf([
        [2, 'b'],
        [3, 'c'],
      ]).hashes(),
    ))
      merged.push(entry)
    expect(merged).toEqual([
      { id: 1, inSource: true },
      { id: 2, inSource: false },
      { id: 3, inSource: true, hash: 'c' },
      { id: 4, inSource: true },
    ])
  })

  it('refuses source ids out of order', async () => {
    const entries = async () => {
      for await (const _ of mergeIds(finderOf([3, 1], []).ids(), hashesOf([]).hashes()));
    }
    await expect(entries()).rejects.toThrow(/ascend/)
  })
})
