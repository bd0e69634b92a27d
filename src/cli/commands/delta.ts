import { UsageError } from '../../errors.ts'
import { describeDelta } from '../../report/delta-summary.ts'
import type { DeletionPolicy } from '../../run/retire.ts'
import { CHANGES_MODES, type ChangesMode } from '../../run/delta-changes.ts'
import { exitCodeForRun } from '../exit-codes.ts'
import { readConfig } from '../inputs.ts'
import { interruptible } from '../interrupt.ts'
import { runDelta } from '../runs.ts'

export interface DeltaCommandOptions {
  config: string
  mapping?: string
  /** As typed: checked before anything else. */
  deletions?: string
  /** As typed: changelog or full. */
  changes?: string
  json?: boolean
}

export async function deltaCommand(options: DeltaCommandOptions): Promise<number> {
  const { deletions } = options
  if (deletions !== undefined && !isDeletionPolicy(deletions))
    throw new UsageError(`--deletions must be deactivate, delete or ignore (got "${deletions}")`)
  const { changes } = options
  if (changes !== undefined && !isChangesMode(changes))
    throw new UsageError(`--changes must be changelog or full (got "${changes}")`)
  const config = readConfig(options.config)
  return interruptible({ command: 'delta', json: options.json }, async (signal) => {
    const result = await runDelta(config, {
      json: options.json,
      mapping: options.mapping,
      deletions,
      signal,
      ...(changes !== undefined && { changes }),
    })
    if (options.json) process.stdout.write(`${JSON.stringify({ type: 'delta.finished', ...result })}\n`)
    else process.stdout.write(describeDelta(result, config.run.ledgerPath))
    return exitCodeForRun(result)
  })
}

function isChangesMode(value: string): value is ChangesMode {
  return (CHANGES_MODES as readonly string[]).includes(value)
}

function isDeletionPolicy(value: string): value is DeletionPolicy {
  return value === 'deactivate' || value === 'delete' || value === 'ignore'
}
