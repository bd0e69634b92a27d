import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseDocument } from 'yaml'
import { configDir } from '../config/config.ts'
import type { Ledger, RunInfo } from '../ledger/ledger.ts'
import { writeMigrationReport } from '../report/migration-files.ts'
import { assertUsablePaths } from '../paths.ts'
import { mappingFor } from './inputs.ts'
import { writeQuarantineCsv, type ReportOptions } from './write-report.ts'

/** `x2d365 report` without --run: the migration's report, and quarantine.csv of the newest run that loaded. */
export async function writeMigrationReportFiles(
  options: ReportOptions,
  ledger: Ledger,
  runs: RunInfo[],
): Promise<void> {
  const out = resolve(options.out ?? join('reports', 'migration'))
  assertUsablePaths([{ path: out, what: '--out', kind: 'folder' }])
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
    const quarantined = result.report.quarantine.total
    process.stdout.write(
      `Migration report in ${out}:\n  ${result.files.join('  ')}${loading === undefined ? '' : `  quarantine.csv (${quarantined} ${quarantined === 1 ? 'record' : 'records'})`}\n` +
        `${result.verdict}\n` +
        (quarantined > 0
          ? '  Fill in fixed_value in quarantine.csv and feed it back with `x2d365 fix quarantine.csv`.\n'
          : ''),
    )
  }
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
  // A database URL may carry a user and password: never into the report.
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
