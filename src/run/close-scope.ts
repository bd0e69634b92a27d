import type { Ledger } from '../ledger/ledger.ts'
import { MIGRATE_RUN } from './migrate.ts'

/**
 * Which cases and opportunities a delta closes (close-incidents.ts, close-opportunities.ts): the records it loaded,
 * plus those the deltas stopped since the last good run loaded (one may have reopened a closed row and stopped before
 * closing it again; their hashes moved on, so no later delta finds them changed). A full delta closes every case:
 * it reads everything anyway, and so re-applies any state that drifted.
 */
export async function rowsToClose(
  ledger: Pick<Ledger, 'runs' | 'outcomes'>,
  touched: ReadonlySet<string>,
  current: string,
): Promise<ReadonlySet<string>> {
  const keys = new Set(touched)
  for (const run of await ledger.runs()) {
    if (run.runId === current) continue
    if (run.status === 'succeeded' && (run.kind === MIGRATE_RUN || run.kind === 'delta')) break
    if (run.kind !== 'delta' || run.status !== 'failed') continue
    for await (const outcome of ledger.outcomes(run.runId)) keys.add(outcome.sourceKey)
  }
  return keys
}
