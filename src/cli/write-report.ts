import { isPostgresUrl } from '../ledger-location.ts'
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { RunConfig } from '../config/config.ts'
import { ConfigError } from '../errors.ts'
import type { Ledger } from '../ledger/ledger.ts'
import type { Mapping } from '../mapping/types.ts'
import { quarantineCsv, quarantineCsvHeader, type QuarantineCsvOptions } from '../report/quarantine-csv.ts'
import { renderHtml } from '../report/render-html.ts'
import { renderMarkdown } from '../report/render-markdown.ts'
import { describeWrittenReport } from '../report/report-summary.ts'
import { addRelatedRuns, summarizeRun } from '../report/run-report.ts'
import { assertUsablePaths } from '../paths.ts'
import { connectLedger, connectSource } from './connect.ts'
import { ledgerPathOf, mappingFor, mappingPathOf, readConfigOffline } from './inputs.ts'
import { silent, withSession } from './session.ts'
import { writeMigrationReportFiles } from './write-migration-report.ts'

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

/**
 * Writes the migration's report (without `run`: see write-migration-report.ts), or report.html, report.md,
 * report.json and quarantine.csv for one run, and says where, for `x2d365 report` and the demo. Needs only the
 * ledger; X2CRM and the map are used when they can be had.
 */
export async function writeReport(options: ReportOptions): Promise<void> {
  const path = ledgerPathOf(options)
  if (!isPostgresUrl(path) && !existsSync(path))
    throw new ConfigError([`${path}: no ledger here yet (run \`x2d365 migrate\` first)`])
  await withSession(
    silent,
    () => connectLedger(path),
    async (ledger) => {
      const runs = await ledger.runs()
      if (options.run === undefined && runs.length > 0)
        return writeMigrationReportFiles(options, ledger, runs)
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
      process.stdout.write(
        options.json
          ? `${JSON.stringify({ ...report, files: out, notes })}\n`
          : describeWrittenReport(report, out),
      )
    },
  )
}

/**
 * quarantine.csv: one line per quarantined record and field, streamed from the ledger. The map (to tell the field of a
 * Dataverse refusal, which names a column) and X2CRM (for current values, read with the stored fixes applied) are
 * used when they can be had; the notes say what was left out and why, so that `report` still works offline.
 */
export async function writeQuarantineCsv(
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
  const path = mappingPathOf(options.config)
  try {
    return mappingFor(path, 'report').mapping
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
