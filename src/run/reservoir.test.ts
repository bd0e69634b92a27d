import { describe, expect, it } from 'vitest'
import { createReservoir, reservoir } from './reservoir.ts'

async function* count(n: number): AsyncGenerator<number> {
  for (let i = 1; i <= n; i++) yield i
}

describe('reservoir', () => {
  it('keeps everything from a stream shorter than the sample, in order', async () => {
    expect(await reservoir(count(3), 5, () => 0)).toEqual([1, 2, 3])
  })

  it('replaces kept items as the random draw says, and gives the kept ones in stream order', async () => {
    // Item 4 draws j = floor(0.5 * 4) = 2 (replaces 3), item 5 draws floor(0.5 * 5) = 2 (replaces 4).
    expect(await reservoir(count(5), 3, () => 0.5)).toEqual([1, 2, 5])
    // A draw at or past the size keeps what it has.
    expect(await reservoir(count(5), 3, () => 0.99)).toEqual([1, 2, 3])
  })

  it('draws several samples from one pass, each on its own', () => {
    const low = createReservoir<number>(2, () => 0)
    const high = createReservoir<number>(2, () => 0.99)
    for (let i = 1; i <= 6; i++) {
      low.add(i)
      high.add(i)
    }
    expect(low.items()).toEqual([2, 6])
    expect(high.items()).toEqual([1, 2])
  })
})
