import { describe, expect, it } from 'vitest'
import { LOCAL_PAGES_AT_ONCE, MOST_PAGES_AT_ONCE, pagesForRoundTrip } from './pages-at-once.ts'

describe('pages read at once', () => {
  it('stay at 3 for a database on this machine or next to it', () => {
    expect(pagesForRoundTrip(0.1)).toBe(LOCAL_PAGES_AT_ONCE)
    expect(pagesForRoundTrip(1.9)).toBe(LOCAL_PAGES_AT_ONCE)
    expect(pagesForRoundTrip(Number.NaN)).toBe(LOCAL_PAGES_AT_ONCE)
  })

  it('grow with the round trip, up to 8', () => {
    expect(pagesForRoundTrip(2)).toBe(4)
    expect(pagesForRoundTrip(4.5)).toBe(6)
    expect(pagesForRoundTrip(10)).toBe(MOST_PAGES_AT_ONCE)
    expect(pagesForRoundTrip(250)).toBe(MOST_PAGES_AT_ONCE)
  })
})
