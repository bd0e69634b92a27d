import { describe, expect, it } from 'vitest'
import { createIdSet } from './id-set.ts'

describe('createIdSet', () => {
  it('holds the ids added, grows as ids grow, and counts each id once', () => {
    const ids = createIdSet()
    for (const id of [1, 8, 9, 100_000, 1, 2 ** 27 + 5, 2 ** 40]) ids.add(id)
    expect([1, 8, 9, 100_000, 2 ** 27 + 5, 2 ** 40].every((id) => ids.has(id))).toBe(true)
    expect([0, 2, 7, 10, 99_999, 100_001, 2 ** 27 + 4, 5_000_000].some((id) => ids.has(id))).toBe(false)
    expect(ids.size).toBe(6)
  })
})
