/** Inclusive: `{ from: 5, to: 999 }` is 995 ids. */
export interface IdRange {
  from: number
  to: number
}

/**
 * Ids collected in ascending order, kept as ranges so a report stays small however many there are (Media in the
 * fixture misses 5–999 and 1007–1999: two ranges, not 1,988 numbers).
 */
export interface IdRangeList {
  /** Adds an id; ids must come in ascending order. */
  add(id: number): void
  ranges(): IdRange[]
  size(): number
}

export function createIdRangeList(): IdRangeList {
  const ranges: IdRange[] = []
  let size = 0
  return {
    add(id) {
      const last = ranges.at(-1)
      if (last && id <= last.to) throw new RangeError(`ids must ascend: ${id} after ${last.to}`)
      if (last && id === last.to + 1) last.to = id
      else ranges.push({ from: id, to: id })
      size++
    },
    ranges: () => ranges.map((range) => ({ ...range })),
    size: () => size,
  }
}

/** `[{from: 1, to: 3}, {from: 7, to: 7}]` → `1–3, 7`. */
export function formatIdRanges(ranges: readonly IdRange[]): string {
  return ranges.map(({ from, to }) => (from === to ? `${from}` : `${from}–${to}`)).join(', ')
}
