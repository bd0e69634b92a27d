import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Command } from 'commander'
import { parseDocument } from 'yaml'
import { configDir } from '../../config/config.ts'
import { ConfigError } from '../../errors.ts'
import type { Ledger, RunInfo } from '../../ledger/ledger.ts'
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
import type { RunConfig } from '../../config/config.ts'
import { writeMigrationReport } from '../../report/migration-files.ts'
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
  /** Also print report.html to report.pdf (the migration's report; with Chromium). */
  pdf?: boolean
  /** Who writes the report (the migration's report names them): default the OS user. */
  by?: string
  /** discovery.json, for the left-out table (scope.json is read beside it). Default: beside the config. */
  discovery?: string
  /** The configuration itself, when the caller has it (the demo, with its X2CRM key): the config file is not read. */
  runConfig?: RunConfig
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
  const ledger = createSqliteLedger(path)
  try {
    const runs = await ledger.runs()
    if (options.run === undefined && runs.length > 0)
      return await migrationReportCommand(options, ledger, runs)
    const run = options.run ? runs.find((r) => r.runId === options.run) : runs[0]
    if (run === undefined) {
      throw new ConfigError([
        options.run
          ? `--run ${options.run}: the ledger has no such run`
          : `${path}: the ledger has no runs yet (run \`x2d365 migrate\` first; \`report\` writes the report of a run)`,
      ])
    }
    const out = resolve(options.out ?? join('reports', run.runId))
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

/** `x2d365 report` without --run: the migration's report, and quarantine.csv of the newest run that loaded. */
async function migrationReportCommand(
  options: ReportOptions,
  ledger: Ledger,
  runs: RunInfo[],
): Promise<number> {
  const out = resolve(options.out ?? join('reports', 'migration'))
  mkdirSync(out, { recursive: true })
  const notes: string[] = []
  const written = writtenConfig(options)
  const mappingPath = options.mapping ?? written.mapping
  const loading = runs.find(
    (r) =>
      (r.kind === 'migrate' || r.kind === 'delta') &&
      r.status === 'succeeded' &&
      r.params['sample'] === undefined,
  )
  if (loading !== undefined)
    notes.push(...(await writeQuarantineCsv(join(out, 'quarantine.csv'), loading.runId, ledger, options)))
  const discovery = resolve(
    options.discovery ?? join(existsSync(options.config) ? configDir(options.config) : '.', 'discovery.json'),
  )
  const result = await writeMigrationReport({
    out,
    runs,
    ledger,
    mapping: mappingFor(mappingPath, 'report').mapping,
    mappingPath,
    source: written.source,
    target: written.target,
    ...(options.by !== undefined && { by: options.by }),
    discoveryPath: discovery,
    pdf: options.pdf === true,
    notes,
  })
  for (const note of notes) process.stderr.write(`note: ${note}\n`)
  if (options.json) process.stdout.write(`${JSON.stringify({ ...result.report, files: out, notes })}\n`)
  else {
    process.stdout.write(
      `Migration report in ${out}:\n  ${result.files.join('  ')}${loading === undefined ? '' : `  quarantine.csv (${plural(result.report.quarantine.total, 'record')})`}\n` +
        `${result.verdict}\n` +
        (result.report.quarantine.total > 0
          ? '  Fill in fixed_value in quarantine.csv and feed it back with `x2d365 fix quarantine.csv`.\n'
          : ''),
    )
  }
  return 0
}

/** What the config says about where from and where to, without needing its secrets. */
function writtenConfig(options: ReportOptions): {
  mapping?: string
  source: { url?: string; username?: string; instance: string }
  target: { url?: string }
} {
  const given = options.runConfig
  if (given !== undefined) {
    return {
      ...(given.run.mapping !== undefined && { mapping: given.run.mapping }),
      source: {
        ...(given.source.x2crm && { url: given.source.x2crm.url, username: given.source.x2crm.username }),
        instance: given.run.instance,
      },
      target: { url: given.target.url },
    }
  }
  if (!existsSync(options.config)) return { source: { instance: 'default' }, target: {} }
  const yaml = (parseDocument(readFileSync(options.config, 'utf8')).toJS() ?? {}) as {
    source?: { x2crm?: { url?: unknown; username?: unknown }; mysql?: { url?: unknown } }
    target?: { dataverse?: { url?: unknown } }
    run?: { mapping?: unknown; instance?: unknown }
  }
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined)
  const url = text(yaml.source?.x2crm?.url) ?? text(yaml.source?.mysql?.url)?.replace(/\/\/[^@/]*@/, '//')
  const username = text(yaml.source?.x2crm?.username)
  const mapping = text(yaml.run?.mapping)
  const targetUrl = text(yaml.target?.dataverse?.url)
  return {
    ...(mapping !== undefined && { mapping: resolve(configDir(options.config), mapping) }),
    source: {
      ...(url !== undefined && { url }),
      ...(username !== undefined && { username }),
      instance: text(yaml.run?.instance) ?? hostOf(url) ?? 'default',
    },
    target: { ...(targetUrl !== undefined && { url: targetUrl }) },
  }
}

/** The instance name the config defaults to: X2CRM's host. */
function hostOf(url: string | undefined): string | undefined {
  try {
    return url === undefined ? undefined : new URL(url).host
  } catch {
    return undefined
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
  if (options.runConfig !== undefined) return mappingFor(options.runConfig.run.mapping, 'report').mapping
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
  if (options.runConfig === undefined && !existsSync(options.config)) return undefined
  try {
    const config = options.runConfig ?? readConfigOffline(options.config)
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
    .action(async (options: ReportOptions) => setExitCode(await reportCommand(options)))
}
