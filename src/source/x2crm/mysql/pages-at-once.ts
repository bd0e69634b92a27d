/**
 * How many id ranges the MySQL reader reads at once, from the round trip to the database (the fastest of a few
 * `SELECT 1`). On this machine's own MariaDB (≈ 0.1 ms) the reader is limited by its CPU and 3 is as fast as 8 with
 * less memory; across a network each range waits a round trip or more, and more of them in flight hide it: at a 10 ms
 * round trip 8 at once read 50,064 contacts in 0.48–0.53 s, 3 at once in 0.86–1.14 s (docs/performance.md, "Session 8").
 * `source.mysql.pagesAtOnce` overrides it.
 */
export const LOCAL_PAGES_AT_ONCE = 3
export const MOST_PAGES_AT_ONCE = 8

/** Round trips below this are a database on this machine or next to it. */
const LOCAL_ROUND_TRIP_MS = 2

export function pagesForRoundTrip(roundTripMs: number): number {
  if (!(roundTripMs >= LOCAL_ROUND_TRIP_MS)) return LOCAL_PAGES_AT_ONCE
  return Math.min(MOST_PAGES_AT_ONCE, LOCAL_PAGES_AT_ONCE + Math.ceil(roundTripMs / 2))
}
