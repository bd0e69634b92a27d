import { MigrationError } from '../errors.ts'
import type { PhaseCounts } from '../ledger/ledger.ts'

/**
 * A run stopped because its caller asked it to (Ctrl-C, SIGTERM): no new batch started, the ones in flight finished
 * and were recorded, and the run stays resumable (a migrate run stays `running`; the next delta closes a stopped one).
 */
export class RunInterrupted extends MigrationError {
  override name = 'RunInterrupted'
  constructor(
    readonly runId: string,
    readonly kind: string,
    /** What the run has recorded so far, per phase (empty until the run adds them). */
    readonly counts: readonly PhaseCounts[] = [],
  ) {
    super(`The ${kind} run ${runId} was interrupted; what it recorded is kept`)
  }
}

/** Throws {@link RunInterrupted} when `signal` has been aborted: called before each new piece of work starts. */
export function stopIfAborted(signal: AbortSignal | undefined, runId: string, kind = 'run'): void {
  if (signal?.aborted === true) throw new RunInterrupted(runId, kind)
}

/**
 * Rethrows `error`; an interruption as one of the run of `kind`, with what it recorded (for the message that says
 * what was done).
 */
export async function withCounts(
  error: unknown,
  counts: () => Promise<readonly PhaseCounts[]>,
  kind: string,
): Promise<never> {
  if (error instanceof RunInterrupted) throw new RunInterrupted(error.runId, kind, await counts())
  throw error
}
