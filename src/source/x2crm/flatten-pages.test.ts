import { describe, expect, it } from 'vitest'
import { flattenPages } from './flatten-pages.ts'

/** Pages as a generator, remembering how far it got and whether it was closed. */
function tracked(pages: readonly (readonly number[])[], failAfter?: number) {
  const state = { served: 0, closed: false }
  async function* generate() {
    try {
      for (const page of pages) {
        if (failAfter !== undefined && state.served === failAfter) throw new Error('page read failed')
        await Promise.resolve()
        state.served++
        yield page
      }
    } finally {
      state.closed = true
    }
  }
  return { state, pages: generate() }
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of items) out.push(item)
  return out
}

describe('flattenPages', () => {
  it('gives every item in order and skips empty pages', async () => {
    const { pages, state } = tracked([[1, 2], [], [3], [], [4, 5, 6]])
    expect(await all(flattenPages(pages))).toEqual([1, 2, 3, 4, 5, 6])
    expect(state.closed).toBe(true)
  })

  it('ends at once on no pages or only empty ones', async () => {
    expect(await all(flattenPages(tracked([]).pages))).toEqual([])
    expect(await all(flattenPages(tracked([[], []]).pages))).toEqual([])
  })

  it('reads no page before the first next()', async () => {
    const { pages, state } = tracked([[1]])
    const items = flattenPages(pages)
    await Promise.resolve()
    expect(state.served).toBe(0)
    expect(await items.next()).toEqual({ value: 1, done: false })
  })

  it('throws an error of the pages after the items before it, then is over', async () => {
    const { pages } = tracked([[1, 2], [3]], 1)
    const items = flattenPages(pages)
    const seen: number[] = []
    await expect(
      (async () => {
        for await (const item of items) seen.push(item)
      })(),
    ).rejects.toThrow('page read failed')
    expect(seen).toEqual([1, 2])
    expect(await items.next()).toEqual({ value: undefined, done: true })
  })

  it('closes the pages when the consumer stops early, without reading further', async () => {
    const { pages, state } = tracked([[1, 2], [3, 4], [5]])
    const seen: number[] = []
    for await (const item of flattenPages(pages)) {
      seen.push(item)
      if (item === 3) break
    }
    expect(seen).toEqual([1, 2, 3])
    expect(state).toEqual({ served: 2, closed: true })
  })

  it('answers next() calls made without waiting in the order made', async () => {
    const { pages } = tracked([[1], [], [2, 3], [4]])
    const items = flattenPages(pages)
    const results = await Promise.all([items.next(), items.next(), items.next(), items.next(), items.next()])
    expect(results).toEqual([
      { value: 1, done: false },
      { value: 2, done: false },
      { value: 3, done: false },
      { value: 4, done: false },
      { value: undefined, done: true },
    ])
  })

  it('lets a return() during a page read wait for it, then closes the pages', async () => {
    const { pages, state } = tracked([[1], [2]])
    const items = flattenPages(pages)
    const first = items.next()
    const closed = items.return?.()
    expect(await first).toEqual({ value: 1, done: false })
    expect(await closed).toEqual({ value: undefined, done: true })
    expect(state.closed).toBe(true)
    expect(await items.next()).toEqual({ value: undefined, done: true })
  })
})
