import { readFileSync } from 'node:fs'
import { userInfo } from 'node:os'
import type { Command } from 'commander'
import { ConfigError } from '../../errors.ts'
import { fixRecords, type FixResult } from '../../run/fix.ts'
import { connect } from '../connect.ts'
import { describeDelta } from './delta.ts'
import { EXIT, mappingFor, readConfig, rendererFor } from './migrate.ts'
import { readOwnerDecisions } from './users.ts'

export interface FixCommandOptions {
  config: string
  mapping?: string
  by?: string
  /** `--no-load` sets it false. */
  load: boolean
  skipBad?: boolean
  json?: boolean
}

/** Stores the fixes of a filled-in quarantine CSV, loads the fixed records with a delta, and prints both. */
export async function fixCommand(file: string, options: FixCommandOptions): Promise<number> {
  const text = readFixText(file)
  const config = readConfig(options.config)
  const { mapping, source: mappingSource } = mappingFor(options.mapping ?? config.run.mapping, 'fix')
  const renderer = rendererFor(options.json)
  if (!options.json) process.stderr.write(`Map: ${mappingSource}\n`)
  const by = options.by ?? osUser()
  const { source, unfixedSource, target, writers, ledger, close } = connect(config, renderer.event)
  let result: FixResult
  try {
    result = await fixRecords(
      text,
      {
        instance: config.run.instance,
        mapping,
        batchSize: config.run.batchSize,
        ownerDecisions: readOwnerDecisions(config.run.usersPath),
        deletions: config.run.deletions,
        ...(config.run.defaultOwnerEmail === undefined
          ? {}
          : { defaultOwnerEmail: config.run.defaultOwnerEmail }),
        by,
        load: options.load,
        skipBad: options.skipBad === true,
      },
      {
        source,
        unfixedSource,
        target,
        writers,
        ledger,
        emit: renderer.event,
        now: () => new Date(),
      },
    )
  } finally {
    renderer.flush()
    await ledger.close()
    await close()
  }
  const refused = result.problems.length > 0 && options.skipBad !== true
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({
        type: 'fix.finished',
        stored: result.stored,
        problems: result.problems,
        relinked: result.relinked,
        fixed: result.fixedOutcomes,
        ...(result.delta && { delta: result.delta }),
      })}\n`,
    )
  } else if (refused) {
    process.stderr.write(describeRefusal(file, result))
  } else {
    process.stdout.write(describeFix(file, result, by, config.run.ledgerPath))
  }
  if (refused) return EXIT.config
  if (result.delta !== undefined && !result.delta.reconciliation.balanced) return EXIT.unbalanced
  const stillQuarantined = result.fixedOutcomes.some((o) => o.status === 'quarantined')
  return stillQuarantined || result.problems.length > 0 ? EXIT.quarantined : EXIT.ok
}

function readFixText(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new ConfigError([
      `${file}: cannot read it (${error instanceof Error ? error.message : String(error)}); give the quarantine.csv you filled in`,
    ])
  }
}

/** The OS account name; `USER`/`USERNAME` where the account database cannot say (some containers). */
function osUser(): string {
  try {
    return userInfo().username
  } catch {
    return process.env['USER'] ?? process.env['USERNAME'] ?? 'unknown'
  }
}

function describeRefusal(file: string, result: FixResult): string {
  const n = result.problems.length
  return [
    `${file}: ${n} problem${n > 1 ? 's' : ''}, so nothing was stored:`,
    ...result.problems.map((p) => `  line ${p.line}: ${p.message}`),
    'Correct the file and run `x2d365 fix` again, or pass --skip-bad to store the good lines only.',
    '',
  ].join('\n')
}

/** What a person reads after a fix: what was stored, what was skipped, and what became of each fixed record. */
export function describeFix(file: string, result: FixResult, by: string, ledgerPath: string): string {
  const lines: string[] = []
  if (result.stored.length === 0) lines.push(`${file}: no fix to store.`)
  else {
    lines.push(
      `Stored ${result.stored.length} fix${result.stored.length > 1 ? 'es' : ''} by ${by} (ledger: ${ledgerPath}):`,
    )
    for (const fix of result.stored) {
      lines.push(
        `  line ${fix.line}: ${fix.entity}:${fix.id} ${fix.field} ${shown(fix.original)} → ${shown(fix.value)}`,
      )
    }
  }
  if (result.problems.length > 0) {
    lines.push(
      `Skipped ${result.problems.length} bad line${result.problems.length > 1 ? 's' : ''} (--skip-bad):`,
    )
    for (const p of result.problems) lines.push(`  line ${p.line}: ${p.message}`)
  }
  if (result.relinked.length > 0) {
    lines.push(
      `${result.relinked.length} loaded record${result.relinked.length > 1 ? 's' : ''} with an empty link to a fixed one ` +
        `${result.delta === undefined ? 'will be' : 'were'} loaded again so the link binds: ` +
        `${result.relinked.slice(0, 10).join(', ')}${result.relinked.length > 10 ? ', …' : ''}`,
    )
  }
  if (result.delta === undefined) {
    if (result.stored.length > 0) {
      lines.push(
        '',
        'Not loaded (--no-load): the next `x2d365 delta` or `x2d365 migrate` reads the records with their fixes.',
      )
    }
    return `${lines.join('\n')}\n`
  }
  lines.push(describeDelta(result.delta, ledgerPath).trimEnd(), '', 'The fixed records:')
  for (const o of result.fixedOutcomes) {
    lines.push(
      `  ${o.sourceKey.padEnd(16)} ${o.phase.padEnd(16)} → ${o.status}${o.reason ? ` (${o.reason})` : ''}`,
    )
  }
  if (result.fixedOutcomes.some((o) => o.status === 'quarantined')) {
    lines.push(
      '',
      'Some fixed records are still quarantined: `x2d365 report` writes their lines again with the reason; fix and feed them back.',
    )
  }
  return `${lines.join('\n')}\n`
}

function shown(value: string | null): string {
  if (value === null) return '(empty)'
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}… (${value.length} characters)` : value)
}

export function registerFix(program: Command, setExitCode: (code: number) => void): void {
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
    .action(async (file: string, options: FixCommandOptions) => setExitCode(await fixCommand(file, options)))
}
