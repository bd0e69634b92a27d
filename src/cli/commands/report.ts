import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Command } from 'commander'
import { parseDocument } from 'yaml'
import { configDir } from '../../config/config.ts'
import { ConfigError } from '../../errors.ts'
import { assertUsablePaths } from '../../paths.ts'
import type { Ledger } from '../../ledger/ledger.ts'
import { createSqliteLedger } from '../../ledger/sqlite.ts'
import type { Mapping } from '../../mapping/types.ts'
import { quarantineCsv, quarantineCsvHeader, type QuarantineCsvOptions } from '../../report/quarantine-csv.ts'
import { renderHtml } from '../../report/render-html.ts'
import { renderMarkdown } from '../../report/render-markdown.ts'
import {
  addRelatedRuns,
  describeUnverified,
  plural,
  summarizeRun,
  type RunReport,
} from '../../report/run-report.ts'
import { connectSource } from '../connect.ts'
import { mappingFor } from './migrate.ts'
import { readConfigOffline } from './validate.ts'

export interface ReportOptions {
  config: string
  ledger?: string
  run?: string
  out?: string
  /** The map the run used (default: the config's run.mapping, else the built-in map). */
  mapping?: string
  /** Do not read X2CRM: quarantine.csv without current values. */
  offline?: boolean
  json?: boolean
}

/** The ledger a config points at, without needing the secrets a migration needs. */
export function ledgerPathOf(options: { config: string; ledger?: string }): string {
  if (options.ledger !== undefined) return resolve(options.ledger)
  if (!existsSync(options.config)) {
    throw new ConfigError([`${options.config}: not found; pass --ledger <path> or --config <x2d365.yaml>`])
  }
  const written = parseDocument(readFileSync(options.config, 'utf8')).toJS() as {
    run?: { ledger?: unknown }
  } | null
  const ledger = typeof written?.run?.ledger === 'string' ? written.run.ledger : '.x2d365/ledger.sqlite'
  return resolve(configDir(options.config), ledger)
}

/** Writes report.html, report.md, report.json and quarantine.csv for one run (the newest by default). */
export async function reportCommand(options: ReportOptions): Promise<number> {
  const path = ledgerPathOf(options)
  if (!existsSync(path)) throw new ConfigError([`${path}: no ledger here yet (run \`x2d365 migrate\` first)`])
  const ledger = createSqliteLedger(path, { readonly: true })
  try {
    const runs = await ledger.runs()
    const run = options.run ? runs.find((r) => r.runId === options.run) : runs[0]
    if (run === undefined) {
      throw new ConfigError([
        options.run
          ? `--run ${options.run}: the ledger has no such run`
          : `${path}: the ledger has no runs yet (run \`x2d365 migrate\` first; \`report\` writes the report of a run)`,
      ])
    }
    const out = resolve(options.out ?? join('reports', run.runId))
    assertUsablePaths([{ path: out, what: '--out', kind: 'folder' }])
    mkdirSync(out, { recursive: true })
    const report = addRelatedRuns(await summarizeRun(run, ledger.outcomes(run.runId)), runs)
    const notes = await writeQuarantineCsv(join(out, 'quarantine.csv'), run.runId, ledger, options)
    writeFileSync(join(out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`)
    writeFileSync(join(out, 'report.md'), renderMarkdown(report))
    writeFileSync(join(out, 'report.html'), renderHtml(report))
    for (const note of notes) process.stderr.write(`note: ${note}\n`)
    if (options.json) process.stdout.write(`${JSON.stringify({ ...report, files: out, notes })}\n`)
    else {
      process.stdout.write(
        `Report of ${run.kind} run ${run.runId} (${run.status}) in ${out}:\n  report.html  report.md  report.json  quarantine.csv (${plural(report.quarantine.total, 'record')})\n` +
          verificationLine(report) +
          (report.quarantine.total > 0
            ? '  Fill in fixed_value in quarantine.csv and feed it back with `x2d365 fix quarantine.csv`.\n'
            : ''),
      )
    }
    return 0
  } finally {
    await ledger.close()
  }
}

/** One line on whether the run was verified, so nobody signs off a run that never was. */
function verificationLine(report: RunReport): string {
  const v = report.verification
  if (v === undefined) return ''
  if (v === null) return `${describeUnverified(report)}\n`
  return v.ok
    ? `Verified by run ${v.runId}: every record checked matches its source.\n`
    : `Verified by run ${v.runId}: differences found (see the report's Verification section).\n`
}

/**
 * quarantine.csv: one line per quarantined record and field, streamed from the ledger. The map (to tell the field of a
 * Dataverse refusal, which names a column) and X2CRM (for current values, read with the stored fixes applied) are
 * used when they can be had; the notes say what was left out and why, so that `report` still works offline.
 */
async function writeQuarantineCsv(
  path: string,
  runId: string,
  ledger: Ledger,
  options: ReportOptions,
): Promise<string[]> {
  const notes: string[] = []
  const mapping = mapOfRun(options, notes)
  const reader = options.offline ? undefined : x2crmReader(options, ledger, notes)
  const csv: QuarantineCsvOptions = {
    ...(mapping && { mapping }),
    ...(reader && { readRecord: reader.readRecord }),
    onReadFailed: (error) =>
      notes.push(
        `X2CRM could not be read (${error instanceof Error ? error.message : String(error)}): current_value is ` +
          'left empty from there on in quarantine.csv; pass --offline not to read it',
      ),
  }
  const file = openSync(path, 'w')
  try {
    writeSync(file, quarantineCsvHeader())
    for await (const lines of quarantineCsv(ledger.outcomes(runId), csv)) writeSync(file, lines)
  } finally {
    closeSync(file)
    await reader?.close()
  }
  return notes
}

/** The map the run used, as the other commands find it; none (with a note) when it cannot be read. */
function mapOfRun(options: ReportOptions, notes: string[]): Mapping | undefined {
  if (options.mapping !== undefined) return mappingFor(options.mapping, 'report').mapping
  const fieldsLeft = 'the field of a Dataverse refusal (which names a column) is left empty in quarantine.csv'
  if (!existsSync(options.config)) {
    notes.push(`no ${options.config}, so no map: ${fieldsLeft}; pass --mapping or --config`)
    return undefined
  }
  const written = parseDocument(readFileSync(options.config, 'utf8')).toJS() as {
    run?: { mapping?: unknown }
  } | null
  const path = written?.run?.mapping
  try {
    return mappingFor(
      typeof path === 'string' ? resolve(configDir(options.config), path) : undefined,
      'report',
    ).mapping
  } catch (error) {
    notes.push(`${error instanceof Error ? error.message : String(error)}: ${fieldsLeft}`)
    return undefined
  }
}

/** X2CRM, read with the ledger's fixes, when the config can reach it (Dataverse's secret is not needed). */
function x2crmReader(
  options: ReportOptions,
  ledger: Ledger,
  notes: string[],
): (Pick<Required<QuarantineCsvOptions>, 'readRecord'> & { close: () => Promise<void> }) | undefined {
  const valuesLeft = 'current_value is left empty in quarantine.csv'
  if (!existsSync(options.config)) return undefined
  try {
    const config = readConfigOffline(options.config)
    const { source, close } = connectSource(
      config,
      () => undefined,
      () => undefined,
      ledger.fixes,
    )
    return { readRecord: (entity, id) => source.record(entity, id), close }
  } catch (error) {
    const why = error instanceof ConfigError ? error.issues.join('; ') : String(error)
    notes.push(`X2CRM cannot be read (${why}): ${valuesLeft}; set what is missing, or pass --offline`)
    return undefined
  }
}

export function registerReport(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('report')
    .summary('write the HTML, Markdown and JSON report of a run, and a CSV of its quarantined records')
    .description(
      'Write the report of one run (the newest by default) from the ledger alone: report.html (one self-contained ' +
        'file: inline charts, nothing fetched), report.md, report.json and quarantine.csv. A migrate or delta ' +
        'report holds the reconciliation per phase, the quarantine with reasons, timings and throughput, and the ' +
        'results of the `x2d365 verify` run that checked it (or says it is not verified yet); a delta report also ' +
        'what X2CRM changed per class and the deletion policy; a rollback report what it undid; a verify report ' +
        'its results per object and per column.',
    )
    .addHelpText('after', '\nExit codes: 0 written, 1 stopped, 2 no ledger or no such run.')
    .option('-c, --config <path>', 'configuration file (for the ledger path)', 'x2d365.yaml')
    .option('--ledger <path>', 'ledger file (instead of the one the config names)')
    .option('--run <id>', 'run id (default: the newest run)')
    .option('-o, --out <dir>', 'output folder (default: reports/<run id>)')
    .option('--mapping <path>', 'the map the run used (default: run.mapping, else the built-in map)')
    .option('--offline', 'do not read X2CRM: quarantine.csv without current values')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
quarantine.csv has one line per quarantined record and X2CRM field its reason is about (fields told from
Dataverse's refusals through the map), with the field's current_value (read from X2CRM, with the fixes stored
earlier applied) and an empty fixed_value. Fill in fixed_value and feed the file back with \`x2d365 fix\`.
Without the config's X2CRM connection (or with --offline) current values are left empty; everything else is
read from the ledger alone.`,
    )
    .action(async (options: ReportOptions) => setExitCode(await reportCommand(options)))
}
