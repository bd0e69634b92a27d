import { InternalError } from '../errors.ts'
import {
  ROW_STATUSES,
  type Checkpoint,
  type OutcomeStatus,
  type RecordOutcome,
  type RunId,
} from './ledger.ts'

const STATUSES: ReadonlySet<string> = new Set<OutcomeStatus>([...ROW_STATUSES, 'quarantined', 'skipped'])

/** Every outcome of a batch must belong to the run and phase it is recorded under; anything else is our bug. */
export function assertBatchBelongs(runId: RunId, phase: string, outcomes: readonly RecordOutcome[]): void {
  for (const o of outcomes) {
    if (o.runId !== runId || o.phase !== phase) {
      throw new InternalError(
        `Outcome of ${o.sourceKey} (run ${o.runId}, phase ${o.phase}) recorded in a batch of run ${runId}, phase ${phase}`,
      )
    }
  }
}

/**
 * Why the store would refuse this outcome or checkpoint, or undefined. SQLite enforces the same rules with
 * constraints; the in-memory ledger asks this before it changes anything, so both refuse the same batches.
 */
export function invalidBatchReason(
  outcomes: readonly RecordOutcome[],
  checkpoint: Checkpoint,
): string | undefined {
  for (const o of outcomes) {
    if (!STATUSES.has(o.status)) return `${o.sourceKey}: unknown status "${o.status}"`
    if (ROW_STATUSES.includes(o.status) && o.targetId === undefined) {
      return `${o.sourceKey}: a ${o.status} outcome needs a targetId`
    }
  }
  if (!Number.isSafeInteger(checkpoint.lastSourceId)) {
    return `checkpoint lastSourceId ${checkpoint.lastSourceId} is not an integer`
  }
  return undefined
}
