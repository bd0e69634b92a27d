import { describe, expect, it } from 'vitest'
import { boundHeapGrowth, HEAP_GROWING_PERCENT } from './heap-growth.ts'

describe('bounding the heap growth of a migration', () => {
  it('sets V8 heap growing percent when node was started without one', () => {
    const set: string[] = []
    expect(boundHeapGrowth(['--enable-source-maps'], (flags) => set.push(flags))).toBe(true)
    expect(set).toEqual([`--heap-growing-percent=${HEAP_GROWING_PERCENT}`])
  })

  it("leaves the user's own choice, in either spelling, including 0 (V8's default)", () => {
    const set: string[] = []
    expect(boundHeapGrowth(['--heap-growing-percent=0'], (flags) => set.push(flags))).toBe(false)
    expect(boundHeapGrowth(['--heap_growing_percent=80'], (flags) => set.push(flags))).toBe(false)
    expect(set).toEqual([])
  })
})
