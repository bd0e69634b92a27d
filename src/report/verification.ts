import type { RunInfo } from '../ledger/ledger.ts'

/** Examples a report shows per mismatching column. */
const COLUMN_EXAMPLES = 3

/** Rows of one Dataverse column that differ from their source, with a few of them. */
export interface ColumnMismatches {
  column: string
  /** The X2CRM field that maps to it. */
  field: string
  rows: number
  examples: { sourceKey: string; expected: unknown; actual: unknown }[]
}

/** What a verification found for one object of the map. */
export interface ObjectVerification {
  entity: string
  checked: number
  matched: number
  mismatched: number
  missing: number
  /** Quarantined or never migrated: not compared. */
  notMigrated: number
  /** In Dataverse, but their newest outcome is a quarantine: not compared (src/run/verify-quarantined.ts). */
  quarantined: number
  /** The first of them, with the reason of their quarantine. */
  quarantinedKeys: { sourceKey: string; reason: string }[]
  /** Most differing rows first. */
  columns: ColumnMismatches[]
  /** The first records the ledger says are in Dataverse but Dataverse does not have. */
  missingKeys: string[]
}

/** A `verify` run's result, as a report shows it. */
export interface VerificationReport {
  /** The verify run. */
  runId: string
  finishedAt?: string
  /** The migrate or delta run it checked. */
  of?: string
  /** Records per object checked at random; absent: every record. */
  sample?: number
  ok: boolean
  entities: ObjectVerification[]
}

/** The verify runs' kind in the ledger (`VERIFY_RUN` in src/run/verify.ts). */
const VERIFY = 'verify'
/** Runs that write to Dataverse: a verification before one of them says nothing about what came after. */
const WRITING_KINDS: readonly string[] = ['migrate', 'delta', 'rollback']

/**
 * The verification of a migrate or delta run: the newest succeeded verify run that names it, or else the newest that
 * names no run (of the same instance) and ran after it and before the next run that wrote to Dataverse (migrate,
 * delta or rollback). `runs` newest first, as the ledger lists them. Pure.
 */
export function verifyRunFor(run: RunInfo, runs: readonly RunInfo[]): RunInfo | undefined {
  const verifications = (r: RunInfo) => r.kind === VERIFY && r.status === 'succeeded'
  const index = runs.findIndex((r) => r.runId === run.runId)
  if (index < 0) return undefined
  const next = nextWritingRun(run, runs)
  // Runs since this one that wrote nothing (a delta that found no change) leave Dataverse as this run left it.
  const since = runs.slice(next === undefined ? 0 : runs.indexOf(next) + 1, index)
  const same = new Set([
    run.runId,
    ...since.filter((r) => WRITING_KINDS.includes(r.kind)).map((r) => r.runId),
  ])
  const named = runs.find((r) => verifications(r) && same.has(String(r.params['of'])))
  if (named !== undefined) return named
  return since.find(
    (r) =>
      verifications(r) && r.params['of'] === undefined && r.params['instance'] === run.params['instance'],
  )
}

/**
 * The first run after `run` that wrote to Dataverse (migrate, delta or rollback; a delta or migrate that finished
 * having created, updated and deleted nothing does not count). `runs` newest first. Pure.
 */
export function nextWritingRun(run: RunInfo, runs: readonly RunInfo[]): RunInfo | undefined {
  const index = runs.findIndex((r) => r.runId === run.runId)
  return runs.slice(0, Math.max(0, index)).findLast((r) => WRITING_KINDS.includes(r.kind) && wrote(r))
}

/** Whether a run changed Dataverse: unknown (no reconciliation, e.g. it stopped) counts as yes. Pure. */
function wrote(run: RunInfo): boolean {
  const phases = record(run.summary?.['reconciliation'])['phases']
  if (run.kind === 'rollback' || run.status !== 'succeeded' || !Array.isArray(phases)) return true
  return (phases as unknown[])
    .map(record)
    .some((p) => Number(p['created'] ?? 0) + Number(p['updated'] ?? 0) + Number(p['deleted'] ?? 0) > 0)
}

/** A verify run's summary as a report section; undefined when the run holds no result (it failed or is running). */
export function verificationOf(run: RunInfo): VerificationReport | undefined {
  const summary = run.summary
  if (run.kind !== VERIFY || summary === undefined || !Array.isArray(summary['entities'])) return undefined
  const sample = summary['sample']
  const of = summary['of']
  return {
    runId: run.runId,
    ...(run.finishedAt !== undefined && { finishedAt: run.finishedAt }),
    ...(typeof of === 'string' && { of }),
    ...(typeof sample === 'number' && { sample }),
    ok: summary['ok'] === true,
    entities: (summary['entities'] as unknown[]).map((e) => objectVerification(record(e))),
  }
}

function objectVerification(e: Record<string, unknown>): ObjectVerification {
  const byColumn = record(e['byColumn'])
  const mismatches = (Array.isArray(e['mismatches']) ? (e['mismatches'] as unknown[]) : []).map(record)
  const columns = Object.entries(byColumn)
    .map(([column, rows]): ColumnMismatches => {
      const found = mismatches.filter((m) => m['column'] === column)
      return {
        column,
        field: text(found[0]?.['field']),
        rows: Number(rows),
        examples: found.slice(0, COLUMN_EXAMPLES).map((m) => ({
          sourceKey: text(m['sourceKey']),
          expected: m['expected'] ?? null,
          actual: m['actual'] ?? null,
        })),
      }
    })
    .sort((a, b) => b.rows - a.rows)
  return {
    entity: text(e['entity']),
    checked: Number(e['checked'] ?? 0),
    matched: Number(e['matched'] ?? 0),
    mismatched: Number(e['mismatched'] ?? 0),
    missing: Number(e['missing'] ?? 0),
    notMigrated: Number(e['notMigrated'] ?? 0),
    quarantined: Number(e['quarantined'] ?? 0),
    quarantinedKeys: Array.isArray(e['quarantinedKeys'])
      ? (e['quarantinedKeys'] as unknown[]).map((q) => ({
          sourceKey: text(record(q)['sourceKey']),
          reason: text(record(q)['reason']),
        }))
      : [],
    columns,
    missingKeys: Array.isArray(e['missingKeys']) ? (e['missingKeys'] as unknown[]).map(String) : [],
  }
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {}
}

/** A value as a person reads it in a table: strings quoted, empty as `(empty)`. Pure. */
export function showValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return '(empty)'
  return JSON.stringify(value)
}
