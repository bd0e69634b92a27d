import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Command } from 'commander'
import { parseDocument } from 'yaml'
import { configDir } from '../../config/config.ts'
import { ConfigError } from '../../errors.ts'
import { createSqliteLedger } from '../../ledger/sqlite.ts'
import { renderHtml } from '../../report/render-html.ts'
import { renderMarkdown } from '../../report/render-markdown.ts'
import {
  addRelatedRuns,
  describeUnverified,
  quarantineCsvHeader,
  quarantineCsvLine,
  summarizeRun,
  type RunReport,
} from '../../report/run-report.ts'

export interface ReportOptions {
  config: string
  ledger?: string
  run?: string
  out?: string
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
  const ledger = createSqliteLedger(path)
  try {
    const runs = await ledger.runs()
    const run = options.run ? runs.find((r) => r.runId === options.run) : runs[0]
    if (run === undefined) {
      throw new ConfigError([
        options.run
          ? `--run ${options.run}: the ledger has no such run`
          : `${path}: the ledger has no runs yet`,
      ])
    }
    const out = resolve(options.out ?? join('reports', run.runId))
    mkdirSync(out, { recursive: true })
    const csv = createWriteStream(join(out, 'quarantine.csv'))
    csv.write(quarantineCsvHeader())
    const report = addRelatedRuns(
      await summarizeRun(run, ledger.outcomes(run.runId), (outcome) => csv.write(quarantineCsvLine(outcome))),
      runs,
    )
    await new Promise<void>((done, fail) => csv.end((error?: Error | null) => (error ? fail(error) : done())))
    writeFileSync(join(out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`)
    writeFileSync(join(out, 'report.md'), renderMarkdown(report))
    writeFileSync(join(out, 'report.html'), renderHtml(report))
    if (options.json) process.stdout.write(`${JSON.stringify({ ...report, files: out })}\n`)
    else {
      process.stdout.write(
        `Report of ${run.kind} run ${run.runId} (${run.status}) in ${out}:\n  report.html  report.md  report.json  quarantine.csv (${report.quarantine.total} records)\n` +
          verificationLine(report),
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
    .option('--json', 'print the report as JSON')
    .action(async (options: ReportOptions) => setExitCode(await reportCommand(options)))
}
