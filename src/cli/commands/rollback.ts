import { formatRollbackPlan, formatRollbackResult, formatRollbackSpan } from '../../report/rollback-text.ts'
import { NothingToUndo, rollback, rollbackChain, type RollbackMethod } from '../../run/rollback.ts'
import { planRollback, spanDecision } from '../../run/rollback-plan.ts'
import { connect } from '../connect.ts'
import { EXIT, exitCodeForRollback } from '../exit-codes.ts'
import { mappingFor, readConfig } from '../inputs.ts'
import { rendererFor, withSession } from '../session.ts'

export interface RollbackCommandOptions {
  config: string
  run?: string
  json?: boolean
  dryRun?: boolean
  yes?: boolean
  method?: RollbackMethod
}

export async function rollbackCommand(options: RollbackCommandOptions): Promise<number> {
  const config = readConfig(options.config)
  const mapping = mappingFor(config.run.mapping, 'rollback').mapping
  const runId = options.run !== undefined ? { runId: options.run } : {}
  const result = await withSession(
    rendererFor(options.json),
    (emit) => connect(config, emit),
    async ({ target, ledger }, emit) => {
      if (options.dryRun) {
        const plan = await planRollback({ mapping, ...runId }, ledger)
        process.stdout.write(
          options.json ? `${JSON.stringify({ type: 'rollback.plan', ...plan })}\n` : formatRollbackPlan(plan),
        )
        return 'planned' as const
      }
      const chain = await rollbackChain(runId, ledger)
      const decision = spanDecision({
        runs: chain.length,
        interactive: process.stdin.isTTY === true,
        yes: options.yes === true,
      })
      if (decision !== 'proceed' && !options.json) process.stdout.write(formatRollbackSpan(chain))
      if (decision === 'ask') {
        process.stdout.write(
          'Run it again with --yes to undo them all, or --dry-run to see what it would do.\n',
        )
        return 'asked' as const
      }
      return rollback(
        {
          mapping,
          batchSize: config.run.batchSize,
          ...runId,
          ...(options.method && { method: options.method }),
        },
        { target, ledger, emit, now: () => new Date() },
      )
    },
  ).catch((error: unknown) => {
    if (error instanceof NothingToUndo) return error
    throw error
  })
  if (result instanceof NothingToUndo) {
    // Rolling back twice is not a failure: the state asked for is already there.
    process.stdout.write(
      options.json
        ? `${JSON.stringify({ type: 'rollback.finished', nothingToUndo: true, message: result.message })}\n`
        : `${result.message}\n`,
    )
    return exitCodeForRollback('nothing to undo')
  }
  if (result === 'planned') return EXIT.ok
  if (result === 'asked') return EXIT.config
  process.stdout.write(
    options.json
      ? `${JSON.stringify({ type: 'rollback.finished', ...result })}\n`
      : formatRollbackResult(result),
  )
  return exitCodeForRollback(result)
}
