import { MigrationError, markRunStopped } from '../../errors.ts'
import type { Ledger, RunInfo } from '../../ledger/ledger.ts'
import type { PostgresLedgerExtras } from '../../ledger/postgres.ts'
import { planLoad } from '../../plan/plan-load.ts'
import type { X2crmSource } from '../../source/x2crm/types.ts'
import type { DataverseBulkTarget } from '../../target/dataverse/types.ts'
import { closeOpportunities } from '../close-opportunities.ts'
import type { Emit } from '../events.ts'
import { stopIfAborted } from '../interrupted.ts'
import { cutRanges } from '../load-chunk.ts'
import { MIGRATE_RUN, type MigrateOptions, type MigrateResult } from '../migrate.ts'
import { reconcile } from '../reconciliation.ts'
import { distributedParamsOf, mappingHash, rangesOf, type DistributedParams } from './distributed-run.ts'
import { chunkName, type PhaseQueueState, type RunQueue } from './run-queue.ts'

export interface CoordinateOptions extends MigrateOptions {
  /** Listed records per slice. @default 1000 */
  chunkSize?: number
  /** How often the queue is looked at while the workers load. @default 2000 */
  pollMs?: number
}

export interface CoordinateDeps {
  source: X2crmSource
  target: DataverseBulkTarget
  ledger: Ledger & PostgresLedgerExtras
  openQueue: (runId: string) => Promise<RunQueue>
  emit: Emit
  now: () => Date
  sleep: (ms: number) => Promise<void>
  /** Told where every phase stands, each time the queue is looked at. */
  onProgress?: (progress: readonly PhaseProgressState[]) => void
  signal?: AbortSignal
}

export interface PhaseProgressState extends PhaseQueueState {
  phase: string
  chunks: number
}

/**
 * `x2d365 migrate --distributed`: plans the run ({@link planLoad}), cuts each class into slices of `chunkSize` listed
 * ids, and puts them in the queue, one queue per phase (a phase's slices are taken once the phases before it are
 * done). `x2d365 worker` processes on any machine load them. This waits for the last slice, then closes what only a
 * whole run can (won and lost opportunities), reconciles the run from every slice's count, and finishes it. Run again
 * after a stop, it resumes the unfinished distributed run (enqueueing is idempotent).
 */
export async function coordinate(options: CoordinateOptions, deps: CoordinateDeps): Promise<MigrateResult> {
  const started = deps.now()
  const { phases } = planLoad(options.mapping)
  const unfinished = await deps.ledger.unfinishedRun(MIGRATE_RUN)
  const resumed =
    unfinished !== undefined &&
    distributedParamsOf(unfinished) !== undefined &&
    unfinished.params['instance'] === options.instance
  let run: RunInfo
  if (resumed) run = unfinished
  else {
    const cuts: Record<string, number[]> = {}
    for (const phase of phases) {
      if (cuts[phase.entity] !== undefined) continue
      const ranges = await cutRanges(idsOf(deps.source, phase.entity), options.chunkSize ?? 1000)
      cuts[phase.entity] = ranges.flatMap((r) => (r.throughId === null ? [] : [r.throughId]))
    }
    const distributed: DistributedParams = {
      mappingHash: mappingHash(options.mapping),
      chunkSize: options.chunkSize ?? 1000,
      phases: phases.map((p) => ({ name: p.name, entity: p.entity })),
      cuts,
    }
    run = await deps.ledger.startRun(
      MIGRATE_RUN,
      { instance: options.instance, batchSize: options.batchSize ?? 100, distributed },
      started,
    )
  }
  deps.emit({ type: 'run.started', runId: run.runId, resumed, at: started.toISOString() })
  const params = distributedParamsOf(run)
  if (params === undefined) throw new MigrationError(`Run ${run.runId} is not a distributed run`)
  const queue = await deps.openQueue(run.runId)
  try {
    for (const [index, phase] of params.phases.entries()) {
      const ranges = rangesOf(params.cuts[phase.entity] ?? [])
      await queue.enqueue(
        index,
        ranges.map((range, n) => ({
          runId: run.runId,
          phase: phase.name,
          chunk: chunkName(phase.name, index, n),
          ...range,
        })),
      )
    }
    // A resumed run sends again the slices that failed every attempt before (the cause has been fixed).
    if (resumed) for (const index of params.phases.keys()) await queue.retryFailed(index)
    await waitForWorkers(run, params, queue, deps, options.pollMs ?? 2000)
    const results = await queue.results()
    const sourceCounts = new Map(phases.map((p) => [p.name, results.get(p.name)?.sourceCount ?? 0]))
    const processed = [...results.values()].reduce((sum, r) => sum + r.processed, 0)
    // Each close is recorded as an intent before its action leaves: rollback finds it also after a kill.
    const closed = await closeOpportunities(phases, deps, undefined, {
      runId: run.runId,
      intents: deps.ledger.intents,
    })
    if (closed.won + closed.lost + closed.failed.length > 0)
      deps.emit({ type: 'opportunities.closed', ...closed })
    const reconciliation = reconcile(sourceCounts, await deps.ledger.counts(run.runId))
    const finished = deps.now()
    const seconds = (finished.getTime() - started.getTime()) / 1000
    await deps.ledger.finishRun(run.runId, 'succeeded', finished, {
      reconciliation,
      seconds,
      processed,
      closed,
      distributed: { chunkSize: params.chunkSize },
    })
    deps.emit({ type: 'run.finished', runId: run.runId, status: 'succeeded', reconciliation, seconds })
    return { runId: run.runId, resumed, reconciliation, processed, seconds }
  } catch (error) {
    throw markRunStopped(error, run.runId)
  } finally {
    await queue.close()
  }
}

async function waitForWorkers(
  run: RunInfo,
  params: DistributedParams,
  queue: RunQueue,
  deps: CoordinateDeps,
  pollMs: number,
): Promise<void> {
  for (;;) {
    stopIfAborted(deps.signal, run.runId, MIGRATE_RUN)
    const states = await progressOf(params, queue)
    deps.onProgress?.(states)
    const failed = states.find((s) => s.failed > 0)
    if (failed !== undefined) {
      throw new MigrationError(
        `${failed.failed} slice(s) of ${failed.phase} failed every attempt; the workers' output says why. Fix the ` +
          'cause, then run `x2d365 migrate --distributed` again: it sends them again and goes on',
      )
    }
    if (states.every((s) => s.waiting + s.active === 0 && s.completed >= s.chunks)) return
    await queue.expireLeases()
    await deps.sleep(pollMs)
  }
}

/** Where each phase of a distributed run stands in the queue. */
export async function progressOf(
  params: DistributedParams,
  queue: Pick<RunQueue, 'state'>,
): Promise<PhaseProgressState[]> {
  const states: PhaseProgressState[] = []
  for (const [index, phase] of params.phases.entries()) {
    const chunks = (params.cuts[phase.entity]?.length ?? 0) + 1
    states.push({ phase: phase.name, chunks, ...(await queue.state(index)) })
  }
  return states
}

async function* idsOf(source: X2crmSource, entity: string): AsyncGenerator<number> {
  for await (const record of source.records(entity)) yield Number(record['id'])
}
