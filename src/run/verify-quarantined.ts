import type { Ledger, LoadedRecord } from '../ledger/ledger.ts'
import { UNDOABLE_KINDS, undoneRuns } from './run-chain.ts'

/** A record's newest quarantine among the runs verify checks. */
export interface Quarantine {
  runId: string
  /** Why the run quarantined it, as the ledger holds it. */
  reason: string
}

/**
 * Which records verify leaves uncompared because their newest outcome is a quarantine: a record loaded by one run and
 * quarantined by the same or a later one (a delta's update Dataverse refused) still has the old row in Dataverse, which
 * no longer says what X2CRM says. Comparing it would report a difference the quarantine already explains; verify
 * counts it apart with the reason instead. A record loaded again after its quarantine is compared as usual.
 */
export interface QuarantineIndex {
  /** The quarantine that is the newest outcome of this loaded record, if it is one. */
  newestOf(loaded: Pick<LoadedRecord, 'sourceKey' | 'runId'>): Quarantine | undefined
}

/**
 * Reads the quarantines of the instance's migrate and delta runs that no rollback undid, newest run first, keeping
 * each record's newest; only quarantined keys are held in memory.
 */
export async function readQuarantines(
  ledger: Pick<Ledger, 'runs' | 'outcomes'>,
  instance: string,
): Promise<QuarantineIndex> {
  const undone = await undoneRuns(ledger)
  // Newest first: a run's rank is its age (0 is the newest), over every kind so a rollback's restore ranks too.
  const runs = await ledger.runs()
  const rank = new Map(runs.map((r, i) => [r.runId, i]))
  const newest = new Map<string, Quarantine>()
  for (const run of runs) {
    if (!UNDOABLE_KINDS.includes(run.kind) || run.params['instance'] !== instance || undone.has(run.runId))
      continue
    for await (const outcome of ledger.outcomes(run.runId)) {
      if (outcome.status !== 'quarantined' || newest.has(outcome.sourceKey)) continue
      newest.set(outcome.sourceKey, { runId: run.runId, reason: outcome.reason ?? 'no reason recorded' })
    }
  }
  return {
    newestOf(loaded) {
      const quarantine = newest.get(loaded.sourceKey)
      if (quarantine === undefined) return undefined
      const quarantinedAt = rank.get(quarantine.runId) ?? Infinity
      const loadedAt = rank.get(loaded.runId) ?? Infinity
      // The same run counts as newer: its load (pass 1) comes before the step that quarantined it (links, close).
      return quarantinedAt <= loadedAt ? quarantine : undefined
    },
  }
}
