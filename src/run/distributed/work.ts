import { ConfigError, MigrationError } from '../../errors.ts'
import type { Ledger, RunInfo } from '../../ledger/ledger.ts'
import type { PostgresLedgerExtras } from '../../ledger/postgres.ts'
import { createNameIndex, linkByNameTargets } from '../../mapping/name-index.ts'
import type { TransformContext } from '../../mapping/types.ts'
import { phaseEntitySets, planLoad } from '../../plan/plan-load.ts'
import { extractClass } from '../../source/x2crm/extract.ts'
import { buildContext } from '../build-context.ts'
import { stopIfAborted } from '../interrupted.ts'
import { loadChunk } from '../load-chunk.ts'
import { MIGRATE_RUN, type MigrateDeps, type MigrateOptions } from '../migrate.ts'
import { distributedParamsOf, mappingHash } from './distributed-run.ts'
import type { RunQueue } from './run-queue.ts'

export interface WorkOptions extends MigrateOptions {
  /** Names this worker in the ledger (which slice it loaded). */
  worker: string
  /** How often an idle worker looks at the queue. @default 2000 */
  pollMs?: number
  /** Slices this worker loads at once. @default 4 */
  slices?: number
  /** How long to wait for a distributed run to appear before giving up. @default 0: not at all */
  waitForRunMs?: number
}

export interface WorkDeps extends MigrateDeps {
  ledger: Ledger & PostgresLedgerExtras
  openQueue: (runId: string) => Promise<RunQueue>
  sleep: (ms: number) => Promise<void>
}

export interface WorkResult {
  runId: string
  /** Slices this worker loaded. */
  chunks: number
  /** Records that reached an outcome in this worker. */
  processed: number
}

/**
 * `x2d365 worker`: takes part in the unfinished distributed run of the shared ledger. Phase by phase, in the plan's
 * order, it takes slices from the queue, loads each with this machine's application users ({@link loadChunk}), and
 * completes its job; when a phase has no slice left to take it waits for the phase's last slices (taking back one
 * whose worker died, once its lease expires) before the next phase. Returns when every slice of the run is done.
 */
export async function work(options: WorkOptions, deps: WorkDeps): Promise<WorkResult> {
  const pollMs = options.pollMs ?? 2000
  const run = await findRun(options, deps, pollMs)
  const params = distributedParamsOf(run)
  if (params === undefined) throw new MigrationError(`Run ${run.runId} is not a distributed run`)
  if (params.mappingHash !== mappingHash(options.mapping)) {
    throw new ConfigError([
      `run.mapping: this worker's map is not the one distributed run ${run.runId} was planned with; give every ` +
        'worker the same confirmed mapping.yaml (and mapping.lock.json) as the machine that ran `migrate --distributed`',
    ])
  }
  const { phases } = planLoad(options.mapping)
  if (phases.map((p) => p.name).join('\n') !== params.phases.map((p) => p.name).join('\n')) {
    throw new ConfigError([`run.mapping: this worker's plan has other phases than run ${run.runId}'s`])
  }
  const phaseSets = phaseEntitySets(phases)
  const owners = await buildContext(options, deps)
  const names = await readNames(options, deps)
  const queue = await deps.openQueue(run.runId)
  let chunks = 0
  let processed = 0
  try {
    for (const [index, phase] of phases.entries()) {
      // As in a single-process run, a plain-text link finds its record by name only in classes read before.
      const readBefore = new Set(phases.slice(0, index).flatMap((p) => (p.pass === 1 ? [p.entity] : [])))
      const context: TransformContext = {
        ...owners,
        idsNamed: (entity, name) => (readBefore.has(entity) ? names.lookup(entity, name) : undefined),
      }
      // Several slices at once (each a loader of its own, all sharing this machine's application users and their
      // limits): a slice's last call does not leave the users idle, and a phase's tail is shorter.
      let stopped: Error | undefined
      const slot = async () => {
        for (;;) {
          if (stopped !== undefined) return
          stopIfAborted(deps.signal, run.runId, MIGRATE_RUN)
          const job = await queue.take(index)
          if (job !== undefined) {
            let result
            // The lease is renewed while the slice loads: only a worker that died loses its slice.
            const renewal = setInterval(
              () => void queue.renew(job).catch(() => {}),
              (queue.leaseSeconds * 1000) / 3,
            )
            try {
              result = await loadChunk({ ...phase, phaseSets }, run.runId, job.data, options, deps, context)
            } catch (error) {
              await queue.fail(job, error instanceof Error ? error.message : String(error)).catch(() => {})
              throw error
            } finally {
              clearInterval(renewal)
            }
            await queue.complete(job, result, options.worker, deps.now())
            chunks++
            processed += result.processed
            continue
          }
          const state = await queue.state(index)
          if (state.failed > 0) {
            throw new MigrationError(
              `${state.failed} slice(s) of ${phase.name} failed every attempt; the run waits until ` +
                '`x2d365 migrate --distributed` sends them again',
            )
          }
          if (state.waiting + state.active === 0) return
          await queue.expireLeases()
          await deps.sleep(pollMs)
        }
      }
      const slots = Array.from({ length: Math.max(1, options.slices ?? 4) }, () =>
        slot().catch((error: unknown) => {
          stopped ??= error instanceof Error ? error : new Error(String(error))
        }),
      )
      await Promise.all(slots)
      if (stopped !== undefined) throw stopped
    }
  } finally {
    await queue.close()
  }
  return { runId: run.runId, chunks, processed }
}

async function findRun(options: WorkOptions, deps: WorkDeps, pollMs: number): Promise<RunInfo> {
  const deadline = deps.now().getTime() + (options.waitForRunMs ?? 0)
  for (;;) {
    const run = await deps.ledger.unfinishedRun(MIGRATE_RUN)
    if (run !== undefined && distributedParamsOf(run) !== undefined) return run
    if (deps.now().getTime() >= deadline) {
      throw new ConfigError([
        'run.ledger: no distributed migration is running in this ledger; start one with `x2d365 migrate --distributed` ' +
          '(on any machine), or pass --wait to wait for it',
      ])
    }
    await deps.sleep(pollMs)
  }
}

/** The names of the classes plain-text links point at, each read whole (hidden records included) once per worker. */
async function readNames(options: MigrateOptions, deps: MigrateDeps) {
  const targets = linkByNameTargets(options.mapping)
  const names = createNameIndex(targets)
  for (const entity of targets) {
    for await (const record of extractClass(deps.source, entity))
      names.add(entity, Number(record.id), record['name'])
    names.complete(entity)
  }
  return names
}
