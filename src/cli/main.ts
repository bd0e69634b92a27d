import { existsSync, writeFileSync } from 'node:fs'
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { CONFIG_TEMPLATE } from '../config/config.ts'
import { ConfigError, HttpError, InternalError, MigrationError } from '../errors.ts'
import { demoCommand } from './commands/demo.ts'
import { EXIT, migrateCommand } from './commands/migrate.ts'
import { registerDelta } from './commands/delta.ts'
import { registerDiscover } from './commands/discover.ts'
import { registerFix } from './commands/fix.ts'
import { registerDocs } from './commands/docs.ts'
import { registerMap } from './commands/map.ts'
import { registerReport } from './commands/report.ts'
import { registerSchema } from './commands/schema.ts'
import { registerUsers } from './commands/users.ts'
import { registerRollback } from './commands/rollback.ts'
import { registerValidate } from './commands/validate.ts'
import { registerVerify } from './commands/verify.ts'
import { simDataverseCommand, simX2crmCommand } from './commands/sim.ts'

function integer(name: string, min = 0) {
  return (value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be a whole number ≥ ${min}`)
    return n
  }
}

export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('x2d365')
    .description('Migrate a CRM from X2CRM to Microsoft Dynamics 365 Sales (Dataverse).')
    .addHelpText(
      'after',
      `
A first migration:
  x2d365 init         write x2d365.yaml; fill it in and export the two secrets it names
  x2d365 migrate      load Accounts, then Contacts, then the links that had to wait
  x2d365 delta        at cutover: load only what changed in X2CRM since (new, changed, deleted)
  x2d365 rollback     undo the deltas and the migration: Dataverse as it was before

Try it without any CRM:
  x2d365 demo         both simulators, generated dirty data, a full migration, twice

Run \`x2d365 <command> --help\` for a command's options.`,
    )
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()

  program
    .command('init')
    .description('write a commented x2d365.yaml to start from')
    .option('-c, --config <path>', 'where to write it', 'x2d365.yaml')
    .option('--force', 'overwrite an existing file')
    .action((options: { config: string; force?: boolean }) => {
      if (existsSync(options.config) && !options.force) {
        throw new ConfigError([`${options.config} already exists (use --force to overwrite it)`])
      }
      writeFileSync(options.config, CONFIG_TEMPLATE)
      process.stdout.write(
        `Wrote ${options.config}. Fill in the URLs and ids, then export X2CRM_API_KEY and DATAVERSE_CLIENT_SECRET.\n`,
      )
    })

  program
    .command('migrate')
    .summary('load Accounts and Contacts into Dataverse; resumable; prints a reconciliation')
    .description(
      'Load X2CRM Accounts and Contacts into Dataverse in dependency order, then set the links that had to wait ' +
        '(parent accounts, primary contacts). An interrupted run resumes where it stopped; running again never ' +
        'duplicates, because every row has a deterministic id.',
    )
    .addHelpText(
      'after',
      `
Exit codes:
  0  every record loaded (or skipped on purpose)
  1  stopped by a failure (target down, credentials): fix it and run again to resume
  2  configuration problem (the message names the field)
  3  finished, but some records are quarantined: their reasons are in the ledger
  4  finished, but the reconciliation does not balance: records are unaccounted for

Rehearsal: --sample 20 loads 20 records of the first mapped object others hang off (Accounts), spread from the
oldest to the newest, with their contacts, opportunities and activities and every record these link to, so each
link binds. It prints what the sample holds first, reconciles against the sample, and is its own run in the
ledger (rollback undoes it; a full migrate never resumes it, nor it a full one).`,
    )
    .option('-c, --config <path>', 'configuration file', 'x2d365.yaml')
    .option('--mapping <path>', 'a confirmed mapping.yaml (default: run.mapping, else the built-in map)')
    .option('--sample <n>', 'rehearse on n root records and everything they need', integer('--sample', 1))
    .option('--json', 'print events as JSON lines (the last one, run.finished, holds the reconciliation)')
    .action(async (options: { config: string; mapping?: string; json?: boolean; sample?: number }) =>
      setExitCode(await migrateCommand(options)),
    )

  registerDiscover(program, setExitCode)
  registerMap(program, setExitCode)
  registerSchema(program, setExitCode)
  registerUsers(program, setExitCode)
  registerValidate(program, setExitCode)
  registerDelta(program, setExitCode)
  registerVerify(program, setExitCode)
  registerRollback(program, setExitCode)
  registerReport(program, setExitCode)
  registerFix(program, setExitCode)
  registerDocs(program, setExitCode)

  const sim = program.command('sim').description('run a simulator on 127.0.0.1 (for rehearsals and tests)')
  sim
    .command('x2crm')
    .description('X2CRM API v2 simulator, answering like a real X2CRM 7.1')
    .option('-p, --port <port>', 'port (0 = any free port)', integer('--port'), 0)
    .option('--generate <n>', 'generate n accounts and 2n contacts', integer('--generate', 1))
    .option('--seed <seed>', 'generator seed', integer('--seed'), 1)
    .option(
      '--data <dump.json>',
      'serve a JSON dump: { "Accounts": [...], "Contacts": [...] } or an api-dump.json',
    )
    .option('--json', 'print the connection settings as JSON')
    .action(simX2crmCommand)
  sim
    .command('dataverse')
    .description('Dataverse Web API simulator with an OAuth token endpoint MSAL accepts, over TLS')
    .option('-p, --port <port>', 'port (0 = any free port)', integer('--port'), 0)
    .option('--ca-file <path>', 'where to write the certificate clients must trust', 'dataverse-sim-ca.pem')
    .option('--json', 'print the connection settings as JSON')
    .option('--fast', 'no cost model and no latency (default: requests take their documented time)')
    .option('--app-users <n>', 'application users, each with its own limits', integer('--app-users', 1), 1)
    .option(
      '--requests-per-window <n>',
      'service protection: requests per 300 s',
      integer('--requests-per-window', 1),
    )
    .option(
      '--execution-seconds-per-window <n>',
      'service protection: execution seconds per 300 s',
      integer('--execution-seconds-per-window', 1),
    )
    .option('--concurrent <n>', 'service protection: concurrent requests', integer('--concurrent', 1))
    .action(simDataverseCommand)

  program
    .command('demo')
    .description('start both simulators, generate dirty data, migrate it twice, print the reconciliation')
    .option('--accounts <n>', 'accounts to generate', integer('--accounts', 1), 2000)
    .option('--contacts <n>', 'contacts to generate', integer('--contacts', 1), 3000)
    .option('--seed <seed>', 'generator seed', integer('--seed'), 42)
    .option('--dir <path>', 'where the config, certificate and ledger go', 'demo-output')
    .addOption(
      new Option('--batch-size <n>', 'rows per UpsertMultiple')
        .argParser(integer('--batch-size', 1))
        .default(100),
    )
    .option('--json', 'print events as JSON lines')
    .action(async (options: Parameters<typeof demoCommand>[0]) => setExitCode(await demoCommand(options)))

  return program
}

/** Turns every failure into a message a person can act on and an exit code a script can test. */
export function exitCodeForError(error: unknown, write: (text: string) => void): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT.config
  if (error instanceof ConfigError) {
    write(`${error.message}\n`)
    return EXIT.config
  }
  if (error instanceof InternalError) {
    write(`Internal error (a bug in x2d365, please report it): ${error.message}\n`)
    return EXIT.internal
  }
  if (error instanceof HttpError || error instanceof MigrationError) {
    write(
      `${error.message}\nThe run stopped; what was recorded is kept. Fix the cause and run the same command to resume.\n`,
    )
    return EXIT.failed
  }
  write(
    `Internal error (a bug in x2d365, please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  )
  return EXIT.internal
}

async function main(): Promise<void> {
  let code = 0
  const program = buildProgram((c) => (code = c))
  try {
    await program.parseAsync(process.argv)
  } catch (error) {
    code = exitCodeForError(error, (text) => process.stderr.write(text))
  }
  // Exit explicitly: keep-alive connection pools would otherwise hold the process open after the work is done.
  process.exit(code)
}

await main()
