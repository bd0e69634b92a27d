import { type Command, Option } from 'commander'
import { formatRollbackPlan, formatRollbackResult, formatRollbackSpan } from '../../report/rollback-text.ts'
import { NothingToUndo, rollback, rollbackChain, type RollbackMethod } from '../../run/rollback.ts'
import { planRollback, spanDecision } from '../../run/rollback-plan.ts'
import { connect } from '../connect.ts'
import { EXIT, mappingFor, readConfig, rendererFor } from './migrate.ts'

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
  const renderer = rendererFor(options.json)
  const { target, ledger, close } = connect(config, renderer.event)
  try {
    const mapping = mappingFor(config.run.mapping, 'rollback').mapping
    const runId = options.run !== undefined ? { runId: options.run } : {}
    const result = await (async () => {
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
        { target, ledger, emit: renderer.event, now: () => new Date() },
      )
    })().catch((error: unknown) => {
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
      return EXIT.ok
    }
    if (result === 'planned') return EXIT.ok
    if (result === 'asked') return EXIT.config
    renderer.flush()
    if (options.json) process.stdout.write(`${JSON.stringify({ type: 'rollback.finished', ...result })}\n`)
    else process.stdout.write(formatRollbackResult(result))
    return result.verified ? EXIT.ok : EXIT.unbalanced
  } finally {
    renderer.flush()
    await ledger.close()
    await close()
  }
}

export function registerRollback(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('rollback')
    .summary('undo a migration and its deltas: delete what they created, restore what they changed')
    .description(
      'Undo a migrate or delta run from the ledger alone, and first every later delta built on it (newest first), in ' +
        'reverse dependency order: delete every row a run created, put every row it updated or deactivated back as ' +
        'it was before (the ledger keeps a before-image of each), re-create every row a delta deleted under its own ' +
        'id. Resumable. Ends by checking that none of the created rows remains and every restored row equals its ' +
        'before-image. Without --run: the first migration not undone yet and everything after it, i.e. Dataverse as it was before the migration.',
    )
    .option('-c, --config <path>', 'configuration file', 'x2d365.yaml')
    .option(
      '--run <id>',
      'the migrate or delta run to undo, with the runs after it (default: the first migration not undone yet)',
    )
    .option('--json', 'print events as JSON lines')
    .option('--dry-run', 'list what it would delete and restore, per table, and write nothing')
    .option('-y, --yes', 'undo several runs without asking (asked only at a terminal)')
    .addOption(
      new Option(
        '--method <method>',
        'bulk: UpdateMultiple and $batch; row: one request per row (the baseline)',
      )
        .choices(['bulk', 'row'])
        .default('bulk'),
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 rolled back and verified (or a dry run), 4 finished but rows remain in Dataverse or differ from ' +
        'their before-images, 2 several runs to undo at a terminal without --yes, 1 stopped.',
    )
    .action(async (options: RollbackCommandOptions) => setExitCode(await rollbackCommand(options)))
}
