import type { Command } from 'commander'
import { NothingToUndo, rollback } from '../../run/rollback.ts'
import { connect } from '../connect.ts'
import { EXIT, mappingFor, readConfig, rendererFor } from './migrate.ts'

export interface RollbackCommandOptions {
  config: string
  run?: string
  json?: boolean
}

export async function rollbackCommand(options: RollbackCommandOptions): Promise<number> {
  const config = readConfig(options.config)
  const renderer = rendererFor(options.json)
  const { target, ledger, close } = connect(config, renderer.event)
  try {
    const result = await rollback(
      {
        mapping: mappingFor(config.run.mapping, 'rollback').mapping,
        batchSize: config.run.batchSize,
        ...(options.run !== undefined && { runId: options.run }),
      },
      { target, ledger, emit: renderer.event, now: () => new Date() },
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
      return EXIT.ok
    }
    renderer.flush()
    if (options.json) process.stdout.write(`${JSON.stringify({ type: 'rollback.finished', ...result })}\n`)
    else {
      for (const step of result.chain) {
        process.stdout.write(
          `Rolled back ${step.kind} run ${step.of}: ${step.deleted} rows deleted, ${step.restored} restored to their before-images` +
            `${step.verified ? '' : ' (NOT verified)'}.\n`,
        )
      }
      process.stdout.write(
        result.verified
          ? 'Verified: no row these runs created remains, and every restored row equals its before-image.\n'
          : `NOT verified: ${result.remaining.length} created rows remain, ${result.mismatched.length} restored rows differ ` +
              `from their before-images (first: ${[...result.remaining, ...result.mismatched.map((m) => m.targetId)].slice(0, 5).join(', ')}).\n` +
              'Run the same command again to retry.\n',
      )
    }
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
    .addHelpText(
      'after',
      '\nExit codes: 0 rolled back and verified, 4 finished but verification found leftovers, 1 stopped.',
    )
    .action(async (options: RollbackCommandOptions) => setExitCode(await rollbackCommand(options)))
}
