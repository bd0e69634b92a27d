import { Command, InvalidArgumentError, Option } from 'commander'
import { addDistributedOptions, defineDistributed } from './program-distributed.ts'
import type { DeltaCommandOptions } from './commands/delta.ts'
import type { DemoOptions } from './commands/demo.ts'
import type { DiscoverOptions } from './commands/discover.ts'
import type { DocsOptions } from './commands/docs.ts'
import type { FixCommandOptions } from './commands/fix.ts'
import type { InitOptions } from './commands/init.ts'
import type { MapPaths } from './commands/map.ts'
import type { MapReviewOptions } from './commands/map-review.ts'
import type { MigrateCommandOptions } from './commands/migrate.ts'
import type { PlanCommandOptions } from './commands/plan.ts'
import type { ReportOptions } from './commands/report.ts'
import type { RollbackCommandOptions } from './commands/rollback.ts'
import type { SchemaApplyOptions } from './commands/schema.ts'
import type { SimDataverseOptions, SimX2crmOptions } from './commands/sim.ts'
import type { UsersCommandOptions } from './commands/users.ts'
import type { ValidateCommandOptions } from './commands/validate.ts'
import type { VerifyCommandOptions } from './commands/verify.ts'

/*
 * Every command's flags and help, and nothing else: each action imports its command's module when that command runs,
 * so `--help` and a mistyped flag answer without loading the clients, SQLite, MySQL or the simulators. The commands
 * return their exit code; main.ts turns what they throw into one.
 */

type SetExitCode = (code: number) => void

function integer(name: string, min = 0) {
  return (value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be a whole number ≥ ${min}`)
    return n
  }
}

export function buildProgram(setExitCode: SetExitCode): Command {
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

  defineInit(program, setExitCode)
  defineMigrate(program, setExitCode)
  defineDiscover(program, setExitCode)
  defineMap(program, setExitCode)
  defineSchema(program, setExitCode)
  defineUsers(program, setExitCode)
  defineValidate(program, setExitCode)
  defineDelta(program, setExitCode)
  defineVerify(program, setExitCode)
  defineRollback(program, setExitCode)
  defineReport(program, setExitCode)
  defineFix(program, setExitCode)
  defineDocs(program, setExitCode)
  defineSim(program)
  defineDemo(program, setExitCode)
  defineDistributed(program, setExitCode)
  return program
}

function defineInit(program: Command, setExitCode: SetExitCode): void {
  program
    .command('init')
    .description('write a commented x2d365.yaml to start from')
    .option('-c, --config <path>', 'where to write it', 'x2d365.yaml')
    .option('--force', 'overwrite an existing file')
    .action(async (options: InitOptions) => {
      const { initCommand } = await import('./commands/init.ts')
      setExitCode(initCommand(options))
    })
}

function defineMigrate(program: Command, setExitCode: SetExitCode): void {
  const migrate = program
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
  addDistributedOptions(migrate)
  migrate.action(async (options: MigrateCommandOptions) => {
    const { migrateCommand } = await import('./commands/migrate.ts')
    setExitCode(await migrateCommand(options))
  })
}

function defineDiscover(program: Command, setExitCode: SetExitCode): void {
  program
    .command('discover')
    .description(
      'read both schemas (fields, custom fields, dropdowns, users; tables, columns, keys) and record counts, and ' +
        'write the scope report: modules, attachments, workflows and reports, a complexity grade and a cutover estimate',
    )
    .addHelpText(
      'after',
      `
Writes:
  discovery.json   both schemas and the counts (--out); \`x2d365 map propose\` reads it
  scope.md         the scope report to read and share: modules with record counts and custom fields, users,
                   attachment volume, workflows and reports to rebuild, a complexity grade A–E with each
                   factor explained, and the time a full load and a delta take
  scope.json       the same, for scripts
scope.md and scope.json go next to discovery.json unless --scope names another folder.

The cutover estimate uses the throughput of the newest succeeded \`x2d365 migrate\` run in the ledger (a
rehearsal), else Dataverse's service protection limits × application users × run.batchSize.
Workflows, processes and reports are counted only with source.mysql: API v2 cannot read them.

Exit codes:
  0  written
  1  X2CRM or Dataverse could not be read (the message says why)
  2  configuration problem`,
    )
    .option('-c, --config <path>', 'configuration file', 'x2d365.yaml')
    .option('-o, --out <path>', 'where to write the discovery', 'discovery.json')
    .option('--scope <dir>', 'folder for scope.md and scope.json (default: the folder of --out)')
    .option('--json', 'print the scope report as JSON')
    .action(async (options: DiscoverOptions) => {
      const { discoverCommand } = await import('./commands/discover.ts')
      setExitCode(await discoverCommand(options))
    })
}

function defineMap(program: Command, setExitCode: SetExitCode): void {
  const map = program.command('map').description('propose, check, preview and confirm mapping.yaml')
  const withPaths = (command: Command) =>
    command
      .option('-m, --mapping <path>', 'the map', 'mapping.yaml')
      .option('-d, --discovery <path>', 'what `x2d365 discover` wrote', 'discovery.json')
      .option('-c, --config <path>', 'configuration file', 'x2d365.yaml')

  withPaths(map.command('propose'))
    .description('write mapping.yaml: every field → a column, with confidence and evidence as comments')
    .option('--sample <n>', 'records per class to profile (0: names and types only)', '200')
    .option('--prefix <prefix>', 'publisher prefix of new columns', 'new_')
    .option('--force', 'overwrite an existing map')
    .option(
      '--update',
      'add to the existing map the fields X2CRM got since it was written, keeping every line it has (then confirm again)',
    )
    .action(
      async (options: MapPaths & { sample: string; prefix: string; force?: boolean; update?: boolean }) => {
        const { mapProposeCommand } = await import('./commands/map.ts')
        setExitCode(await mapProposeCommand(options))
      },
    )

  withPaths(map.command('validate'))
    .description('check the map against both schemas; reports every problem at once')
    .action(async (options: MapPaths) => {
      const { mapValidateCommand } = await import('./commands/map.ts')
      setExitCode(mapValidateCommand(options))
    })

  withPaths(map.command('confirm'))
    .description('lock the map: a content hash with who and when (mapping.lock.json)')
    .option('--by <name>', 'who confirms (default: the login name)')
    .action(async (options: MapPaths & { by?: string }) => {
      const { mapConfirmCommand } = await import('./commands/map.ts')
      setExitCode(mapConfirmCommand(options))
    })

  withPaths(map.command('review'))
    .description('review, edit and confirm the map in a browser: serves a page on 127.0.0.1 until Ctrl-C')
    .addHelpText(
      'after',
      `
Prints a URL with a random token; open it in a browser on this machine. The page shows each X2CRM field with
sample values, its column, transform, confidence, evidence and problems; accepts and edits lines, the split rule
(with live counts), the tags strategy and repairs; maps owners to Dataverse users or teams (users.yaml); and
confirms the map with the same lock as \`x2d365 map confirm\`.`,
    )
    .option('-u, --users <path>', 'owner decisions', 'users.yaml')
    .option('-p, --port <port>', 'port (0 = any free port)', integer('--port'), 0)
    .option('--sample <n>', 'records per class for the sample values', integer('--sample', 1), 200)
    .action(async (options: MapReviewOptions) => {
      const { mapReviewCommand } = await import('./commands/map-review.ts')
      setExitCode(await mapReviewCommand(options))
    })

  withPaths(map.command('split-preview'))
    .description('count and show which X2CRM contacts the split rule makes leads')
    .option('--tags', 'read each record’s tags too (one request per record)')
    .option('--examples <n>', 'example records per side', '3')
    .action(async (options: MapPaths & { tags?: boolean; examples: string }) => {
      const { mapSplitPreviewCommand } = await import('./commands/map.ts')
      setExitCode(await mapSplitPreviewCommand(options))
    })
}

function defineSchema(program: Command, setExitCode: SetExitCode): void {
  const schema = program.command('schema').description('Dataverse schema the confirmed map needs')
  schema
    .command('apply')
    .description(
      'create the columns, choices, X2CRM id column, alternate keys and tables the confirmed map needs, and the owner ' +
        'teams of X2CRM groups when settings.teams.create',
    )
    .option('-c, --config <path>', 'configuration file', 'x2d365.yaml')
    .option('-m, --mapping <path>', 'the confirmed map', 'mapping.yaml')
    .option('--dry-run', 'print the plan; change nothing')
    .option(
      '--license <license>',
      'professional or enterprise (Sales Professional limits custom tables)',
      'enterprise',
    )
    .action(async (options: SchemaApplyOptions) => {
      const { schemaApplyCommand } = await import('./commands/schema.ts')
      setExitCode(await schemaApplyCommand(options))
    })
}

function defineUsers(program: Command, setExitCode: SetExitCode): void {
  program
    .command('users')
    .description(
      'match X2CRM users to Dataverse users (e-mail, then name); list each owner decision with its records, and the owners still to decide',
    )
    .addHelpText(
      'after',
      `
users.yaml (optional) records your decisions:
  byHand:                                  an X2CRM username → who takes their records:
    jdoe: jane.doe@contoso.com               a Dataverse user's e-mail (or { user: <e-mail> })
    old: { team: Sales EMEA }                a Dataverse team
    gone: default                            the default owner
  groups: { "3": { team: Support } }       an X2CRM group id (records assigned to it alone) → the same choices
  defaultOwner:                            owns only what it covers:
    email: crm-admin@contoso.com
    covers: [anyone, inactive, unmatched, deleted, groups]
  inactive: match                          inactive X2CRM users matched by e-mail and name like the others
  (older form: defaultOwner: crm-admin@contoso.com, or run.defaultOwnerEmail, covers all five)
It lists every owner of records (users, groups, Anyone) with who takes them and how many records, then the
Dataverse users (disabled ones marked) and teams a decision can name.
Exit code 2 while an owner with records has no decision: migrate will not start until each is decided.`,
    )
    .option('-c, --config <path>', 'configuration file', 'x2d365.yaml')
    .option('-u, --users <path>', 'owner decisions', 'users.yaml')
    .action(async (options: UsersCommandOptions) => {
      const { usersCommand } = await import('./commands/users.ts')
      setExitCode(await usersCommand(options))
    })
}

function defineValidate(program: Command, setExitCode: SetExitCode): void {
  program
    .command('validate')
    .summary('dry run: read, transform and check every record; write nothing to Dataverse')
    .description(
      'Read every record the confirmed map would load (the records X2CRM lists hide included), transform it, and ' +
        'make the checks Dataverse would otherwise make at load time: columns exist, text fits, required columns ' +
        'are set, numbers and choices are valid. Links whose parent would not be in Dataverse are reported as ' +
        '"link left empty", owners without a Dataverse user as a finding. Nothing is written to Dataverse and ' +
        'nothing to the ledger.',
    )
    .addHelpText(
      'after',
      `
Writes to --out (default validation/):
  validation.md            per phase: would load / quarantine / skip; reasons with examples; owners
  validation.json          the same, for scripts
  quarantine-preview.csv   every record that would be quarantined, in the columns of a run's quarantine.csv: one
                           line per field the reason is about, with its value; fill in fixed_value and feed it
                           back with \`x2d365 fix\`

Offline (--offline): Dataverse is not contacted (its secret need not be set); columns are checked against the
standard tables plus what the map creates, and owners are not checked.

Exit codes:
  0  nothing would be quarantined by the checks validate can make
  1  stopped by a failure (X2CRM or Dataverse unreachable, credentials)
  2  configuration problem, or migrate would refuse to start (owners without a Dataverse user); files are written
  3  some records would be quarantined: see validation.md and quarantine-preview.csv`,
    )
    .option('-c, --config <path>', 'configuration file', 'x2d365.yaml')
    .option('--mapping <path>', 'a confirmed mapping.yaml (default: run.mapping, else the built-in map)')
    .option('--offline', 'do not contact Dataverse: standard tables for the columns, owners not checked')
    .option('-o, --out <dir>', 'where the files go', 'validation')
    .option('--json', 'print only the result, as one JSON document (no progress)')
    .action(async (options: ValidateCommandOptions) => {
      const { validateCommand } = await import('./commands/validate.ts')
      setExitCode(await validateCommand(options))
    })
}

function defineDelta(program: Command, setExitCode: SetExitCode): void {
  program
    .command('delta')
    .summary('load what changed in X2CRM since the last run: new, changed, deleted records')
    .description(
      'Bring Dataverse up to date with X2CRM after `migrate`, for the cutover. Every mapped class is read whole ' +
        '(hidden records included) and each record hashed: a record whose content differs from when it was last ' +
        'loaded is changed, even when X2CRM did not move its lastUpdated (tags, relationships, direct SQL); a record ' +
        'never loaded is new (so quarantined records are tried again); a record gone from X2CRM is deleted. New and ' +
        'changed records are upserted in dependency order, keeping a before-image of every row they overwrite; ' +
        'deletions are applied last, as run.delta.deletions says. Safe to repeat: a second delta with no changes ' +
        'writes nothing. `x2d365 rollback --run <id>` undoes one delta.',
    )
    .addHelpText(
      'after',
      `
Deletions (run.delta.deletions in x2d365.yaml, or --deletions):
  deactivate  the row becomes inactive (accounts, contacts: Inactive; leads: Disqualified; activities: Canceled);
              rows of tables closed by an action (opportunities, cases, quotes) are left and listed as skipped
  delete      the row is deleted. Dataverse cascades some deletes (an account's contacts through the parental
              parentcustomerid relationship): prefer deactivate unless the children are gone too
  ignore      the row stays as it is

Exit codes:
  0  every change loaded      1  stopped (run it again)      2  configuration problem
  3  some changes quarantined (their reasons are in the ledger)      4  not balanced`,
    )
    .option('-c, --config <path>', 'configuration file', 'x2d365.yaml')
    .option('--mapping <path>', 'the confirmed mapping.yaml (default: run.mapping, else the built-in map)')
    .option(
      '--deletions <policy>',
      'deactivate, delete or ignore (default: run.delta.deletions, else deactivate)',
    )
    .option(
      '--changes <mode>',
      'changelog: read only what X2CRM marked as changed (x2_changelog, lastUpdated, tags) since the last run, ' +
        'each proven by its hash, plus an id-only scan for new and deleted records (database source; the default ' +
        'there); full: read and hash every record (the only way through the API). Run full now and then: edits that ' +
        'bypass X2CRM (direct SQL, some imports) mark nothing',
    )
    .option('--json', 'print events as JSON lines; the last one, delta.finished, lists the changes')
    .action(async (options: DeltaCommandOptions) => {
      const { deltaCommand } = await import('./commands/delta.ts')
      setExitCode(await deltaCommand(options))
    })
}

function defineVerify(program: Command, setExitCode: SetExitCode): void {
  program
    .command('verify')
    .summary('read migrated rows back and compare them field by field with the source')
    .description(
      'Read migrated rows back from Dataverse and compare them, field by field through the map, with X2CRM as it is ' +
        'now. Checks a random sample per object by default; --all checks every record. The result is recorded in ' +
        'the ledger as a run of kind verify: `x2d365 report` shows it with the migrate or delta run it checked, ' +
        'and `x2d365 report --run <id>` reports the verification itself. Progress goes to stderr (a bar with ' +
        'rate and ETA in a terminal); with --json, one JSON object per line on stdout, the last one the result.',
    )
    .option('-c, --config <path>', 'configuration file', 'x2d365.yaml')
    .option(
      '-m, --mapping <path>',
      'the confirmed map the migration used (default: run.mapping, else built-in)',
    )
    .option('--sample <n>', 'records per object to check (default 200)', integer('--sample', 1))
    .option('--all', 'check every record')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExit codes: 0 everything matches, 4 differences or missing rows, 1 stopped, 2 configuration.',
    )
    .action(async (options: VerifyCommandOptions) => {
      const { verifyCommand } = await import('./commands/verify.ts')
      setExitCode(await verifyCommand(options))
    })
}

function defineRollback(program: Command, setExitCode: SetExitCode): void {
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
    .action(async (options: RollbackCommandOptions) => {
      const { rollbackCommand } = await import('./commands/rollback.ts')
      setExitCode(await rollbackCommand(options))
    })
}

function defineReport(program: Command, setExitCode: SetExitCode): void {
  program
    .command('report')
    .summary(
      "write the migration's report to sign (HTML, PDF), or one run's, and a CSV of the quarantined records",
    )
    .description(
      "Without --run: the migration's report, the document to sign: who migrated what from where to where (X2CRM, " +
        'Dataverse, the map and who confirmed it, x2d365 version, operator), what was left out and why, rows per ' +
        'table, the quarantine and warnings by rule, the verification, every delta, fix and rollback in order, and a ' +
        'sign-off block; --pdf prints it to report.pdf. With --run: the report of that run alone ' +
        'from the ledger: report.html (one self-contained ' +
        'file: inline charts, nothing fetched), report.md, report.json and quarantine.csv. A migrate or delta ' +
        'report holds the reconciliation per phase, the quarantine with reasons, timings and throughput, and the ' +
        'results of the `x2d365 verify` run that checked it (or says it is not verified yet); a delta report also ' +
        'what X2CRM changed per class and the deletion policy; a rollback report what it undid; a verify report ' +
        'its results per object and per column.',
    )
    .addHelpText('after', '\nExit codes: 0 written, 1 stopped, 2 no ledger or no such run.')
    .option('-c, --config <path>', 'configuration file (for the ledger path)', 'x2d365.yaml')
    .option('--ledger <path>', 'ledger file (instead of the one the config names)')
    .option('--run <id>', "the report of this run alone (default: the migration's report)")
    .option('-o, --out <dir>', 'output folder (default: reports/migration, or reports/<run id> with --run)')
    .option('--mapping <path>', 'the map the run used (default: run.mapping, else the built-in map)')
    .option('--offline', 'do not read X2CRM: quarantine.csv without current values')
    .option('--json', 'print the report as JSON')
    .option('--pdf', "also print the migration's report to report.pdf (with /usr/bin/chromium)")
    .option('--by <name>', "who writes the migration's report (default: the OS user)")
    .option('--discovery <path>', 'discovery.json for what was left out; scope.json is read beside it')
    .addHelpText(
      'after',
      `
quarantine.csv has one line per quarantined record and X2CRM field its reason is about (fields told from
Dataverse's refusals through the map), with the field's current_value (read from X2CRM, with the fixes stored
earlier applied) and an empty fixed_value. Fill in fixed_value and feed the file back with \`x2d365 fix\`.
Without the config's X2CRM connection (or with --offline) current values are left empty; everything else is
read from the ledger alone.`,
    )
    .action(async (options: ReportOptions) => {
      const { reportCommand } = await import('./commands/report.ts')
      setExitCode(await reportCommand(options))
    })
}

function defineFix(program: Command, setExitCode: SetExitCode): void {
  program
    .command('fix')
    .argument('<file.csv>', 'a quarantine.csv (from `x2d365 report`) with fixed_value filled in')
    .summary('feed corrected values for quarantined records back, and load those records')
    .description(
      'Read a quarantine.csv in which a person filled in fixed_value (and, where it was empty, field), check every ' +
        'line, store the fixes in the ledger, and load the fixed records at once with a delta. X2CRM is not ' +
        'changed: every later migrate, delta, verify and validate reads the records with their fixes. Each fix ' +
        'keeps the value X2CRM held, when, and who stored it; when X2CRM changes that value later, runs still apply ' +
        'the fix and say it is stale.',
    )
    .addHelpText(
      'after',
      `
The file: x2d365 report writes quarantine.csv with one line per quarantined record and field: the reason, the
field it is about, the field's current_value and an empty fixed_value. Fill in fixed_value on the lines you fix
and delete the others (a line without fixed_value is bad). Where field is empty, x2d365 could not tell which
field the reason is about: write it (the X2CRM field name, e.g. lastName). Spreadsheets' CSV (with ; or a BOM)
is read too.

Every line is checked before anything is stored: the class is one the map loads, the record exists in X2CRM,
the field exists on the class, fixed_value is not empty and differs from X2CRM's value. Each problem is printed
with its line number. Nothing is stored while a line is bad, unless --skip-bad.

Loading: the fixes are loaded by a delta (the same as \`x2d365 delta\`, so it also loads whatever else changed in
X2CRM since the last run). Records whose link to a fixed record was left empty are loaded again so the link
binds. --no-load only stores the fixes; the next delta or migrate loads them. \`x2d365 rollback --run <id>\`
undoes the delta.

Exit codes:
  0  fixes stored, every fixed record loaded      1  stopped (run it again)
  2  a line is bad (nothing stored), or a configuration problem
  3  stored, but some fixed records are still quarantined or some lines were skipped (--skip-bad)
  4  the delta's reconciliation does not balance`,
    )
    .option('-c, --config <path>', 'configuration file', 'x2d365.yaml')
    .option('--mapping <path>', 'the confirmed mapping.yaml (default: run.mapping, else the built-in map)')
    .option('--by <name>', 'who makes the fixes, kept with each (default: the OS user)')
    .option('--no-load', 'only store the fixes; do not run the delta')
    .option('--skip-bad', 'store the good lines even when some are bad (those are listed)')
    .option(
      '--json',
      'print events as JSON lines; the last one, fix.finished, has the fixes and the outcomes',
    )
    .action(async (file: string, options: FixCommandOptions) => {
      const { fixCommand } = await import('./commands/fix.ts')
      setExitCode(await fixCommand(file, options))
    })
}

function defineDocs(program: Command, setExitCode: SetExitCode): void {
  program
    .command('plan')
    .description(
      'print the order a migration loads the map in: the phases pass by pass, what each waits for, and the links ' +
        'that wait for the second pass and why (reads no CRM)',
    )
    .addHelpText(
      'after',
      `
The map is the one migrate would use: --mapping, else run.mapping in the configuration, else the built-in map.

Exit codes:
  0  printed
  2  the map cannot be used (not confirmed, changed since, or invalid: the message says why)`,
    )
    .option('-c, --config <path>', 'configuration file (for run.mapping)', 'x2d365.yaml')
    .option('--mapping <path>', 'a confirmed mapping.yaml (default: run.mapping, else the built-in map)')
    .option('--json', 'print the plan as JSON')
    .action(async (options: PlanCommandOptions) => {
      const { planCommand } = await import('./commands/plan.ts')
      setExitCode(planCommand(options))
    })

  program
    .command('docs')
    .description(
      'write the Workflow Reconstruction Document: each X2Flow automation as trigger, conditions and steps with ' +
        'the Power Automate trigger and actions that rebuild it; each process as a business process flow; and the ' +
        'inventory of reports, charts, dashboards, campaigns and templates to rebuild (reads the X2CRM database)',
    )
    .addHelpText(
      'after',
      `
Writes, in the output folder:
  workflow-reconstruction.md   automations, processes → business process flows, inventory to rebuild
  inventory.json               the same inventory as data (reports, charts, dashboards, processes, campaigns, templates)

Needs source.mysql in the configuration: X2Flow, processes, report settings and layouts are only in the database.

Exit codes:
  0  written
  1  the database could not be read (the message says why)
  2  configuration problem (no source.mysql, a missing password variable)`,
    )
    .option('-c, --config <path>', 'configuration file', 'x2d365.yaml')
    .option('-o, --out <dir>', 'output folder', 'docs')
    .option('--json', 'print the file written and the counts as JSON')
    .action(async (options: DocsOptions) => {
      const { docsCommand } = await import('./commands/docs.ts')
      setExitCode(await docsCommand(options))
    })
}

/** The simulators run until Ctrl-C; their exit code stays 0. */
function defineSim(program: Command): void {
  const sim = program.command('sim').description('run a simulator on 127.0.0.1 (for rehearsals and tests)')
  sim
    .command('x2crm')
    .description('X2CRM API v2 simulator, answering like a real X2CRM 7.1')
    .option('-p, --port <port>', 'port (0 = any free port)', integer('--port'), 0)
    .option(
      '--generate <n>',
      'generate n accounts and 2n contacts with cases, marketing lists, tags, labelled relationships and their timeline: about 0.8 opportunities per account (55% open, ' +
        '25% won, 20% lost), 1.5 actions per contact, 0.8 per account and 0.5 per opportunity (calls 24%, to-dos 18% ' +
        '(40% completed), notes 17%, meetings 15% (8% cancelled), e-mails sent 15% and received 8%, logged time 3%), ' +
        'a file (Media, bytes served by getFile) per 12 contacts and accounts; 5% of each carry dirt (an unknown ' +
        'action type, a parent that is not migrated, associationType in capitals, no association, a missing file)',
      integer('--generate', 1),
    )
    .option('--seed <seed>', 'generator seed', integer('--seed'), 1)
    .option(
      '--data <dump.json>',
      'serve a JSON dump: { "Accounts": [...], "Contacts": [...] } or an api-dump.json',
    )
    .option('--json', 'print the connection settings as JSON')
    .action(async (options: SimX2crmOptions) => {
      const { simX2crmCommand } = await import('./commands/sim.ts')
      await simX2crmCommand(options)
    })
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
    .action(async (options: SimDataverseOptions) => {
      const { simDataverseCommand } = await import('./commands/sim.ts')
      await simDataverseCommand(options)
    })
}

function defineDemo(program: Command, setExitCode: SetExitCode): void {
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
    .action(async (options: DemoOptions) => {
      const { demoCommand } = await import('./commands/demo.ts')
      setExitCode(await demoCommand(options))
    })
}
