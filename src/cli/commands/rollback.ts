import { describeRollback } from '../../report/rollback-summary.ts'
import { NothingToUndo } from '../../run/rollback.ts'
import { exitCodeForRollback } from '../exit-codes.ts'
import { readConfig } from '../inputs.ts'
import { runRollback } from '../runs.ts'

export interface RollbackCommandOptions {
  config: string
  run?: string
  json?: boolean
}

export async function rollbackCommand(options: RollbackCommandOptions): Promise<number> {
  const config = readConfig(options.config)
  const result = await runRollback(config, { json: options.json, runId: options.run }).catch(
    (error: unknown) => {
      if (error instanceof NothingToUndo) return error
      throw error
    },
  )
  if (result instanceof NothingToUndo) {
    // Rolling back twice is not a failure: the state asked for is already there.
    process.stdout.write(
      options.json
        ? `${JSON.stringify({ type: 'rollback.finished', nothingToUndo: true, message: result.message })}\n`
        : `${result.message}\n`,
    )
    return exitCodeForRollback('nothing to undo')
  }
  process.stdout.write(
    options.json ? `${JSON.stringify({ type: 'rollback.finished', ...result })}\n` : describeRollback(result),
  )
  return exitCodeForRollback(result)
}
