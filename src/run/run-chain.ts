import type { Ledger, RunInfo } from '../ledger/ledger.ts'

/** Kinds of runs that write to Dataverse and that a rollback can undo. */
export const UNDOABLE_KINDS: readonly string[] = ['migrate', 'delta']

/** Runs a rollback finished undoing (a rollback that stopped or failed its check does not count). */
export async function undoneRuns(ledger: Pick<Ledger, 'runs'>): Promise<Set<string>> {
  const undone = new Set<string>()
  for (const run of await ledger.runs()) {
    const of = run.params['of']
    if (run.kind === 'rollback' && run.status === 'succeeded' && typeof of === 'string') undone.add(of)
  }
  return undone
}

/**
 * What undoing `run` takes: every later migrate or delta run that is not undone yet, newest first, then the run
 * itself. A row a later run changed was changed on top of this run's work, so it has to be put back first. Pure.
 */
export function undoChain(runs: readonly RunInfo[], run: RunInfo, undone: ReadonlySet<string>): RunInfo[] {
  // `runs` is newest first, as the ledger lists them.
  const index = runs.findIndex((r) => r.runId === run.runId)
  const later = runs
    .slice(0, Math.max(0, index))
    .filter((r) => UNDOABLE_KINDS.includes(r.kind) && !undone.has(r.runId))
  return [...later, run]
}
