import { describe, expect, it } from 'vitest'
import { cutRanges } from '../load-chunk.ts'
import { rangesOf } from './distributed-run.ts'

async function* ids(...values: number[]) {
  yield* values
}

describe('slices of a class', () => {
  it('cuts at listed ids every `size` records, the last slice open, and rebuilds the same ranges from the cuts', async () => {
    const ranges = await cutRanges(ids(3, 5, 9, 12, 40, 41, 70), 3)

    expect(ranges).toEqual([
      { afterId: 0, throughId: 9 },
      { afterId: 9, throughId: 41 },
      { afterId: 41, throughId: null },
    ])
    expect(rangesOf([9, 41])).toEqual(ranges)
  })

  it('gives an empty class one open slice (records created after the plan still load)', async () => {
    expect(await cutRanges(ids(), 100)).toEqual([{ afterId: 0, throughId: null }])
    expect(rangesOf([])).toEqual([{ afterId: 0, throughId: null }])
  })
})
