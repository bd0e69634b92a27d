import type { Command } from 'commander'
import { InvalidArgumentError } from 'commander'
import type { StatusCommandOptions } from './commands/status.ts'
import type { WorkerCommandOptions } from './commands/worker.ts'

type SetExitCode = (code: number) => void

function integer(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be a whole number ≥ ${min}`)
    return n
  }
}

/** `migrate --distributed`'s options, added to `migrate`. */
export function addDistributedOptions(migrate: Command): Command {
  return migrate
    .option(
      '--distributed',
      'plan the run and queue its slices for `x2d365 worker` processes (PostgreSQL ledger)',
    )
    .option(
      '--chunk-size <n>',
      'listed records per slice of a distributed run (default 1000)',
      integer('--chunk-size', 1),
    )
    .option(
      '--lease <seconds>',
      'how long a worker holds a slice before another may take it (default 900)',
      integer('--lease', 1),
    )
    .option(
      '--poll <ms>',
      'how often an idle process looks at the queue (default 2000)',
      integer('--poll', 10),
    )
}

/** `x2d365 worker` and `x2d365 status`. */
export function defineDistributed(program: Command, setExitCode: SetExitCode): void {
  program
    .command('worker')
    .summary('load slices of the distributed migration (run on as many machines as needed)')
    .description(
      'Take part in the distributed migration `x2d365 migrate --distributed` started: take slices (a phase and an ' +
        'id range) from the job queue in the shared PostgreSQL ledger, extract, transform and load them with this ' +
        "machine's application users, and record their outcomes. A slice whose worker died is taken again once its " +
        'lease expires. Ends when every slice of the run is done.',
    )
    .option(
      '-c, --config <path>',
      'configuration file (its own application users; run.ledger: postgres://…)',
      'x2d365.yaml',
    )
    .option('--mapping <path>', 'the confirmed mapping.yaml the run was planned with')
    .option('--name <name>', 'names this worker in the ledger (default host:pid)')
    .option('--slices <n>', 'slices this worker loads at once (default 4)', integer('--slices', 1))
    .option('--wait <seconds>', 'wait this long for a distributed run to start', integer('--wait', 0))
    .option(
      '--lease <seconds>',
      'how long this worker holds a slice before another may take it',
      integer('--lease', 1),
    )
    .option(
      '--poll <ms>',
      'how often an idle process looks at the queue (default 2000)',
      integer('--poll', 10),
    )
    .option('--json', 'print events as JSON lines')
    .addHelpText(
      'after',
      '\nExit codes: 0 the run has no slice left, 1 stopped by a failure, 2 configuration.',
    )
    .action(async (options: WorkerCommandOptions) => {
      const { workerCommand } = await import('./commands/worker.ts')
      setExitCode(await workerCommand(options))
    })
  program
    .command('status')
    .summary("where the newest run stands (a distributed run's slices too), from any machine")
    .option('-c, --config <path>', 'configuration file', 'x2d365.yaml')
    .option('--ledger <path>', 'the ledger (a SQLite file or postgres://…; default run.ledger)')
    .option('--run <id>', 'another run than the newest')
    .option('--json', 'print it as JSON')
    .action(async (options: StatusCommandOptions) => {
      const { statusCommand } = await import('./commands/status.ts')
      setExitCode(await statusCommand(options))
    })
}
