import { describeMigration } from '../../report/migration-summary.ts'
import { exitCodeForRun } from '../exit-codes.ts'
import { boundHeapGrowth } from '../heap-growth.ts'
import { readConfig } from '../inputs.ts'
import { interruptible } from '../interrupt.ts'
import { runMigrate } from '../runs.ts'

export interface MigrateCommandOptions {
  config: string
  mapping?: string
  json?: boolean
  /** A rehearsal on this many root records plus everything they need. */
  sample?: number
  /** Plan the run and queue its slices for `x2d365 worker` processes on any machine (PostgreSQL ledger). */
  distributed?: boolean
  /** Listed records per slice of a distributed run. */
  chunkSize?: number
  /** Seconds a worker holds a slice before another may take it. */
  lease?: number
  /** Milliseconds between two looks at the queue. */
  poll?: number
}

export async function migrateCommand(options: MigrateCommandOptions): Promise<number> {
  const config = readConfig(options.config)
  // Memory that stays flat with the number of records, not a heap swollen with garbage (heap-growth.ts).
  boundHeapGrowth()
  return interruptible({ command: 'migrate', json: options.json }, async (signal) => {
    const result = options.distributed
      ? await (
          await import('../distributed.ts')
        ).runCoordinate(config, {
          ...options,
          signal,
          ...(options.poll !== undefined && { pollMs: options.poll }),
          ...(!options.json && { onProgress: showProgress }),
        })
      : await runMigrate(config, { ...options, signal })
    if (!options.json)
      process.stdout.write(
        describeMigration(result, config.run.ledgerPath, { sample: options.sample !== undefined }),
      )
    return exitCodeForRun(result)
  })
}

/** The slices of each phase, one line on stderr each time the queue is looked at. */
function showProgress(
  states: readonly { phase: string; chunks: number; completed: number; active: number }[],
): void {
  const line = states.map(
    (s) => `${s.phase} ${s.completed}/${s.chunks}${s.active > 0 ? ` (${s.active} loading)` : ''}`,
  )
  process.stderr.write(`slices done: ${line.join(', ')}\n`)
}
