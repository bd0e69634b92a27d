import { describe, expect, it } from 'vitest'
import { createIdRangeList, formatIdRanges } from './id-ranges.ts'

describe('createIdRangeList', () => {
  it('merges consecutive ids into ranges and counts them', () => {
    const list = createIdRangeList()
    for (const id of [1, 2, 3, 7, 9, 10]) list.add(id)
    expect(list.ranges()).toEqual([
      { from: 1, to: 3 },
      { from: 7, to: 7 },
      { from: 9, to: 10 },
    ])
    expect(list.size()).toBe(6)
    expect(formatIdRanges(list.ranges())).toBe('1–3, 7, 9–10')
  })

  it('refuses ids out of order', () => {
    const list = createIdRangeList()
    list.add(5)
    expect(() => list.add(5)).toThrow(RangeError)
  })
})
