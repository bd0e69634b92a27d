import { describe, expect, it } from 'vitest'
import { sharedReadAhead } from './migrate.ts'

describe('sharedReadAhead', () => {
  it('splits what one phase alone may hold read ahead among the phases loading side by side', () => {
    // Six tables of Actions: at most the 10,000 rows of one phase alone, not six times that (790 -> 575 MB at 100k).
    expect(sharedReadAhead({ batchSize: 100 }, 6) * 6).toBeLessThanOrEqual(10_000)
    expect(sharedReadAhead({ batchSize: 100 }, 2)).toBe(5_000)
  })

  it('keeps at least four batches per phase, so each still has calls in flight', () => {
    expect(sharedReadAhead({ batchSize: 1000 }, 6)).toBe(4_000)
    expect(sharedReadAhead({}, 100)).toBe(400)
  })
})

describe('sharedReadAhead of the link pass', () => {
  it('shares the total it is given, never below four batches a phase', () => {
    expect(sharedReadAhead({ batchSize: 100 }, 8, 4_000)).toBe(500)
    expect(sharedReadAhead({ batchSize: 100 }, 1, 4_000)).toBe(4_000)
    expect(sharedReadAhead({ batchSize: 100 }, 20, 4_000)).toBe(400)
  })
})
