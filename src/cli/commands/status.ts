import { isPostgresUrl } from '../../ledger-location.ts'
import type { PhaseCounts, RunInfo } from '../../ledger/ledger.ts'
import { createPostgresLedger } from '../../ledger/postgres.ts'
import { progressOf, type PhaseProgressState } from '../../run/distributed/coordinate.ts'
import { distributedParamsOf } from '../../run/distributed/distributed-run.ts'
import { openRunQueue } from '../../run/distributed/run-queue.ts'
import { ConfigError } from '../../errors.ts'
import { connectLedger } from '../connect.ts'
import { ledgerPathOf } from '../inputs.ts'

export interface StatusCommandOptions {
  config: string
  ledger?: string
  run?: string
  json?: boolean
}

/**
 * `x2d365 status`: where a run stands, from the ledger alone, on any machine that reaches it: the run, its outcomes
 * per phase, and for a distributed run the slices of each phase (done, being loaded, waiting, failed).
 */
export async function statusCommand(options: StatusCommandOptions): Promise<number> {
  const path = ledgerPathOf(options)
  const postgres = isPostgresUrl(path) ? await createPostgresLedger(path) : undefined
  const ledger = postgres ?? connectLedger(path)
  try {
    const runs = await ledger.runs()
    const run = options.run === undefined ? runs[0] : runs.find((r) => r.runId === options.run)
    if (run === undefined) {
      throw new ConfigError([
        options.run ? `--run ${options.run}: the ledger has no such run` : 'the ledger has no runs yet',
      ])
    }
    const counts = await ledger.counts(run.runId)
    const params = distributedParamsOf(run)
    let slices: PhaseProgressState[] | undefined
    if (params !== undefined && postgres !== undefined) {
      const queue = await openRunQueue(postgres, run.runId)
      try {
        slices = await progressOf(params, queue)
      } finally {
        await queue.close()
      }
    }
    if (options.json) process.stdout.write(`${JSON.stringify({ run, counts, slices })}\n`)
    else process.stdout.write(describeStatus(run, counts, slices))
    return 0
  } finally {
    await ledger.close()
  }
}

export function describeStatus(
  run: RunInfo,
  counts: readonly PhaseCounts[],
  slices: readonly PhaseProgressState[] | undefined,
): string {
  const lines = [
    `Run ${run.runId} (${run.kind}${slices === undefined ? '' : ', distributed'}): ${run.status}, started ${run.startedAt}` +
      (run.finishedAt === undefined ? '' : `, finished ${run.finishedAt}`),
  ]
  const phases = new Set([...(slices ?? []).map((s) => s.phase), ...counts.map((c) => c.phase)])
  for (const phase of phases) {
    const c = counts.find((x) => x.phase === phase)
    const s = slices?.find((x) => x.phase === phase)
    const outcome = c
      ? `${c.created} created, ${c.updated} updated, ${c.quarantined} quarantined, ${c.skipped} skipped`
      : 'nothing yet'
    const slice = s
      ? `; slices ${s.completed}/${s.chunks} done, ${s.active} loading, ${s.waiting} waiting` +
        (s.failed > 0 ? `, ${s.failed} FAILED` : '')
      : ''
    lines.push(`  ${phase}: ${outcome}${slice}`)
  }
  return `${lines.join('\n')}\n`
}
