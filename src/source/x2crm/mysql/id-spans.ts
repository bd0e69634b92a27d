/**
 * How many ids wide the next page's range should be (`id > after AND id <= after + span`) for it to hold about
 * `limit` matching rows, learned from what the ranges read so far held.
 *
 * The reader used to learn exact page bounds from an id scan per 10 pages; MariaDB then walked every row twice
 * (once for the ids, once for the page), 30–40 % of its CPU on this 2-core machine, where it competes with the
 * reader. Ids are mostly dense (auto-increment, a few deletions), so a span learned from the last pages is close;
 * where it is not, a range's `LIMIT` (2 × `limit`) bounds the page and the reader reads the rest of that range
 * before the next (the range is cut; the ids it did read give the density exactly), and empty ranges (a hole, a
 * sparse filter) widen the next ones quickly.
 *
 * @example
 * const spans = idSpans(1000, firstPageIds)
 * const range = { after, last: after + spans.span() }
 * spans.observe(cut ? lastIdRead - range.after : range.last - range.after, rows.length)
 */
export interface IdSpans {
  /** The width of the next range, ≥ 1. */
  span(): number
  /**
   * What a range held: `rows` matching rows over `covered` ids (its whole width, or for a range its LIMIT cut, from
   * its start to the last id read: the density read, not guessed).
   */
  observe(covered: number, rows: number): void
}

/** At most this many times wider or narrower than the ids observed, so one odd range does not swing it. */
const MOST_CHANGE = 4

export function idSpans(limit: number, firstPageIds: readonly number[]): IdSpans {
  let current = firstSpan(limit, firstPageIds)
  return {
    span: () => current,
    observe(covered, rows) {
      current = nextSpan(limit, covered, rows)
    },
  }
}

/**
 * The span of `limit` ids at the density of the second half of the first page (the part nearest to where the
 * ranges begin; X2CRM's first ids can be far apart, e.g. Media's negative ids).
 */
export function firstSpan(limit: number, ids: readonly number[]): number {
  if (ids.length < 2) return Math.max(1, limit)
  const from = Math.min(Math.floor(ids.length / 2), ids.length - 2)
  const width = (ids.at(-1) ?? 0) - (ids[from] ?? 0)
  const gaps = ids.length - 1 - from
  return clampSpan((width * limit) / gaps)
}

/** The span for `limit` rows after `rows` rows were found over `covered` ids; an empty range widens it fourfold. */
export function nextSpan(limit: number, covered: number, rows: number): number {
  if (rows === 0) return clampSpan(covered * MOST_CHANGE)
  const estimate = (covered * limit) / rows
  return clampSpan(Math.min(covered * MOST_CHANGE, Math.max(covered / MOST_CHANGE, estimate)))
}

function clampSpan(span: number): number {
  if (!Number.isFinite(span)) return Number.MAX_SAFE_INTEGER
  return Math.min(Number.MAX_SAFE_INTEGER, Math.max(1, Math.round(span)))
}
