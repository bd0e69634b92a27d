import { describe, expect, it } from 'vitest'
import { firstSpan, idSpans, nextSpan } from './id-spans.ts'

const range = (from: number, count: number, step = 1) =>
  Array.from({ length: count }, (_, i) => from + i * step)

describe('id spans', () => {
  it('start from the density of the first page’s second half', () => {
    expect(firstSpan(1000, range(1, 1000))).toBe(1000)
    expect(firstSpan(1000, range(1, 1000, 3))).toBe(3000)
    // Media's negative ids, then dense ids: only the dense half counts.
    expect(firstSpan(10, [-5000, -4000, -3000, -2000, -1000, 1, 2, 3, 4, 5])).toBe(10)
    expect(firstSpan(1, [7])).toBe(1)
    expect(firstSpan(7, [])).toBe(7)
  })

  it('keep a span that held about a page, and follow a change in density', () => {
    expect(nextSpan(1000, 1000, 1000)).toBe(1000)
    expect(nextSpan(1000, 1000, 500)).toBe(2000)
    expect(nextSpan(1000, 2000, 1600)).toBe(1250)
    // A range cut by its LIMIT after 2000 rows over its first 700 ids.
    expect(nextSpan(1000, 700, 2000)).toBe(350)
  })

  it('change at most fourfold from the ids observed', () => {
    expect(nextSpan(1000, 1000, 10)).toBe(4000)
    expect(nextSpan(1000, 1000, 0)).toBe(4000)
    expect(nextSpan(1000, 4000, 0)).toBe(16000)
    expect(nextSpan(1000, 100_000, 2000 * 1000)).toBe(25_000)
  })

  it('never go below 1 or past the safe integers', () => {
    expect(nextSpan(1, 1, 2)).toBe(1)
    expect(nextSpan(1000, Number.MAX_SAFE_INTEGER, 0)).toBe(Number.MAX_SAFE_INTEGER)
  })

  it('learn from each observation', () => {
    const spans = idSpans(100, range(1, 100))
    expect(spans.span()).toBe(100)
    spans.observe(100, 0)
    expect(spans.span()).toBe(400)
    spans.observe(150, 200)
    expect(spans.span()).toBe(75)
  })
})
