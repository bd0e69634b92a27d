import { setFlagsFromString } from 'node:v8'

/**
 * How much V8 lets the heap grow past what the last full collection kept before it collects again, in percent, for a
 * migration. V8's own choice goes up to 4× on a machine with memory to spare, and a migration makes garbage at a
 * steady rate while keeping little (what is in flight, the name index, the findings): the heap then swells to several
 * times what it holds, and with it the native memory that garbage pins until it is collected (buffers, hashes,
 * statements). bench:scale, 200,000 records (session 6), findings in first-seen.ts: peak RSS 365 MB at 100 %, 325 MB
 * at 50 % for about the CPU of V8's choice (86.6 s; 84.3 s and 662 MB before, with the findings' old Map), 309 MB at
 * 30 % for much more (116 s, on a busier machine).
 */
export const HEAP_GROWING_PERCENT = 50

/**
 * Has V8 collect once the heap grew by {@link HEAP_GROWING_PERCENT} % instead of letting it grow up to 4×, unless the
 * user started node with their own `--heap-growing-percent` (0 gives V8's own choice back). V8 reads the flag at each
 * full collection, so setting it once the process runs takes effect from the next one. Returns whether it was set.
 */
export function boundHeapGrowth(
  execArgv: readonly string[] = process.execArgv,
  setFlags: (flags: string) => void = setFlagsFromString,
): boolean {
  if (execArgv.some((flag) => /^--heap[-_]growing[-_]percent\b/.test(flag))) return false
  setFlags(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`)
  return true
}
