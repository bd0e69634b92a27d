import type { Ledger } from '../ledger/ledger.ts'
import { MIGRATE_RUN } from './migrate.ts'

/**
 * Which cases a delta closes (close-incidents.ts): a changelog delta, only the records it loaded, plus those the deltas
 * stopped since the last good run loaded (they may have reopened a closed case and stopped before closing it again;
 * their hashes moved on, so no later delta finds them changed). Undefined, every case of the class: a full delta
 * reads everything anyway, and so re-applies any state that drifted.
 */
export async function casesToClose(
  ledger: Pick<Ledger, 'runs' | 'outcomes'>,
  mode: 'changelog' | 'full',
  touched: ReadonlySet<string>,
  current: string,
): Promise<ReadonlySet<string> | undefined> {
  if (mode === 'full') return undefined
  const keys = new Set(touched)
  for (const run of await ledger.runs()) {
    if (run.runId === current) continue
    if (run.status === 'succeeded' && (run.kind === MIGRATE_RUN || run.kind === 'delta')) break
    if (run.kind !== 'delta' || run.status !== 'failed') continue
    for await (const outcome of ledger.outcomes(run.runId)) keys.add(outcome.sourceKey)
  }
  return keys
}
