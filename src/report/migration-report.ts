import { afterLoadRows } from './after-load-tables.ts'
import type { FixStore } from '../ledger/fix-store.ts'
import type { RecordOutcome, RunInfo, RunLedger } from '../ledger/ledger.ts'
import type { Findings } from '../mapping/findings.ts'
import { createRepairTally, type RepairCounts } from '../mapping/repair-tally.ts'
import type { Mapping } from '../mapping/types.ts'
import type { Reconciliation } from '../run/reconciliation.ts'
import { isRetryCounts, type RetryCounts } from '../run/retry-tally.ts'
import { closedOpportunities, type ClosedOpportunities } from './closed-opportunities.ts'
import { createRuleGroups, type RuleGroup } from './rule-groups.ts'
import { nextWritingRun, verificationOf, type VerificationReport } from './verification.ts'

/**
 * The migration's report, the one a migration lead signs: who moved what from where to where, what was left out and
 * why, what every run after it did, how it was verified. Built from the ledger, the map and what discovery found.
 */
export interface MigrationReport {
  identity: ReportIdentity
  /** The full migrate run the report is about (the newest), or none yet. */
  migration?: {
    runId: string
    status: string
    startedAt: string
    finishedAt?: string
    seconds?: number
    /** Requests sent again (429, 503, resets, timeouts), as its summary keeps them. */
    retries?: RetryCounts
  }
  scope: ScopeRow[]
  leftOut: LeftOut[]
  /** Per Dataverse table: what the migration and the deltas after it did, and what rollbacks undid. */
  tables: TableCounts[]
  /** Opportunities closed won or lost by the migration and its deltas, and reopened by rollbacks. */
  closed?: ClosedOpportunities
  reconciliation?: Reconciliation
  /** Records whose latest outcome in the migration and the deltas after it is quarantined, by rule. */
  quarantine: { total: number; groups: RuleGroup[] }
  /** Loaded records with warnings (their latest outcome), by rule. */
  warnings: { total: number; groups: RuleGroup[] }
  skipped: { total: number; groups: RuleGroup[] }
  /** Each named repair among the loaded records' latest outcomes, counted with examples. */
  repairs?: RepairCounts
  /** What the migration found in X2CRM's data and reported without acting on it (its run's summary). */
  findings?: Findings
  /** The newest successful verification, and whether a run wrote to Dataverse after it. */
  verification: { report: VerificationReport; overtakenBy?: { runId: string; kind: string } } | null
  /** Every run and every batch of fixes, oldest first. */
  history: HistoryEntry[]
  /** Records per second of each run that wrote to Dataverse, in order: the load-rate chart. */
  rates: {
    runId: string
    kind: string
    startedAt: string
    records: number
    seconds: number
    perSecond: number
  }[]
  /** Runs the ledger holds of kinds this report has no section for (repairs, findings): shown with their summary. */
  other: {
    runId: string
    kind: string
    status: string
    startedAt: string
    summary: Record<string, unknown>
  }[]
}

export interface ReportIdentity {
  source: { url?: string; username?: string; instance: string }
  target: { url?: string }
  map:
    | { kind: 'confirmed'; path: string; hash: string; confirmedBy: string; confirmedAt: string }
    | { kind: 'built-in' }
    | { kind: 'unconfirmed'; path: string; note: string }
  version: string
  operator: string
  generatedAt: string
}

/** One X2CRM class of the map: where it went and what became of its records in the migration. */
export interface ScopeRow {
  entity: string
  phase: string
  table: string
  /** Records X2CRM has (the migration's reconciliation); undefined before a migration. */
  records?: number
  loaded?: number
  quarantined?: number
  skipped?: number
  /** Fields the map moves, and fields it skips on purpose. */
  fields: number
  skippedFields: readonly string[]
}

/** Something that does not move, with how many and why. `count` null: not counted (says why in `reason`). */
export interface LeftOut {
  kind: 'module' | 'field' | 'object'
  what: string
  count: number | null
  reason: string
}

export interface TableCounts {
  table: string
  created: number
  updated: number
  /** Rows a delta deleted or deactivated because X2CRM deleted the record. */
  deletedByDelta: number
  quarantined: number
  skipped: number
  /** Rows rollbacks deleted or restored. */
  undone: number
}

export interface HistoryEntry {
  at: string
  kind: string
  /** A run id, or for fixes who stored them. */
  id: string
  status: string
  /** What it did, in one sentence with its numbers. */
  what: string
}

/** What discovery found, when `x2d365 discover` wrote it (scope.json / discovery.json); every part optional. */
export interface DiscoveredScope {
  /** X2CRM class → records and the fields it has. */
  modules?: { entity: string; records: number; fields?: readonly string[] }[]
  /** Objects x2d365 does not move (X2Flow, reports, …) with their counts; null when they could not be counted. */
  rebuild?: readonly { kind: string; count: number | null; note?: string | undefined }[]
  automation?: { flows: number } | { unreadable: string }
}

export interface MigrationReportInputs {
  runs: readonly RunInfo[]
  ledger: Pick<RunLedger, 'outcomes' | 'counts'> & { fixes: Pick<FixStore, 'current'> }
  mapping: Mapping
  identity: ReportIdentity
  discovered?: DiscoveredScope
}

const WRITING: readonly string[] = ['migrate', 'delta']
const REBUILD_REASON =
  'x2d365 does not move these: rebuild them in Dynamics 365 from workflow-reconstruction.md (`x2d365 docs`)'
/** What `discover` counts of the objects x2d365 does not move, when it has not counted them. */
const NOT_COUNTED = ['processes', 'reports', 'charts', 'dashboards', 'campaigns', 'templates']

/** Reads the ledger once per run (streaming) and folds it into the migration's report. */
export async function buildMigrationReport(inputs: MigrationReportInputs): Promise<MigrationReport> {
  const chronological = [...inputs.runs].sort((a, b) => a.startedAt.localeCompare(b.startedAt))
  // A rollback that undid a migration ends it: the migration is the first full one after the newest such rollback.
  const kindOf = new Map(chronological.map((r) => [r.runId, r.kind]))
  const undoneMigration = [...chronological]
    .reverse()
    .find(
      (r) =>
        r.kind === 'rollback' && r.status === 'succeeded' && kindOf.get(undoneRun(r) ?? '') === 'migrate',
    )
  const since =
    undoneMigration === undefined
      ? chronological
      : chronological.filter((r) => r.startedAt > undoneMigration.startedAt)
  const migration = since.find(
    (r) => r.kind === 'migrate' && r.params['sample'] === undefined && r.status === 'succeeded',
  )
  const reconciliation = migration?.summary?.['reconciliation'] as Reconciliation | undefined
  const tableOf = phaseTables(inputs.mapping)

  const tables = new Map<string, TableCounts>()
  const tableRow = (phase: string) => {
    const table = tableOf.get(phase.replace(/\.links$/, '')) ?? phase
    const row = tables.get(table) ?? {
      table,
      created: 0,
      updated: 0,
      deletedByDelta: 0,
      quarantined: 0,
      skipped: 0,
      undone: 0,
    }
    tables.set(table, row)
    return row
  }
  for (const run of since) {
    if (run.kind !== 'rollback' && !WRITING.includes(run.kind)) continue
    for (const c of await inputs.ledger.counts(run.runId)) {
      if (c.phase.endsWith('.links')) continue
      const row = tableRow(c.phase)
      if (run.kind === 'rollback') row.undone += c.deleted + c.restored
      else {
        row.created += c.created
        row.updated += c.updated
        row.deletedByDelta += c.deleted
        row.quarantined += c.quarantined
        row.skipped += c.skipped
      }
    }
  }

  // What the migration wrote after its phases (resolutions, list members, connections, tag rows), from its summary.
  const tagTable =
    inputs.mapping.settings?.tags.mode === 'table' ? inputs.mapping.settings.tags.table : undefined
  for (const [table, written, refused] of afterLoadRows(migration?.summary, tagTable)) {
    const row = tableRow(table)
    row.created += written
    row.quarantined += refused
  }

  const latest = await latestProblems(
    since.filter((r) => WRITING.includes(r.kind)),
    inputs.ledger,
  )
  const verify = inputs.runs.find((r) => r.kind === 'verify' && r.status === 'succeeded')
  const verification = verify === undefined ? undefined : verificationOf(verify)
  const overtakenBy = verify === undefined ? undefined : nextWritingRun(verify, inputs.runs)

  return {
    identity: inputs.identity,
    ...(migration !== undefined && {
      migration: {
        runId: migration.runId,
        status: migration.status,
        startedAt: migration.startedAt,
        ...(migration.finishedAt !== undefined && { finishedAt: migration.finishedAt }),
        ...(typeof migration.summary?.['seconds'] === 'number' && { seconds: migration.summary['seconds'] }),
        ...(isRetryCounts(migration.summary?.['retries']) && { retries: migration.summary['retries'] }),
      },
    }),
    ...(migration?.summary?.['findings'] !== undefined && {
      findings: migration.summary['findings'] as Findings,
    }),
    scope: scopeRows(inputs.mapping, reconciliation),
    leftOut: leftOut(inputs.mapping, inputs.discovered),
    tables: [...tables.values()],
    ...withClosed(closedOpportunities(since)),
    ...(reconciliation !== undefined && { reconciliation }),
    ...latest,
    verification:
      verification === undefined
        ? null
        : {
            report: verification,
            ...(overtakenBy !== undefined && {
              overtakenBy: { runId: overtakenBy.runId, kind: overtakenBy.kind },
            }),
          },
    history: history(chronological, await inputs.ledger.fixes.current()),
    rates: chronological.flatMap((run) => {
      const seconds = run.summary?.['seconds']
      const records = recordsOf(run)
      if (!WRITING.includes(run.kind) || typeof seconds !== 'number' || seconds <= 0 || records === undefined)
        return []
      return [
        {
          runId: run.runId,
          kind: run.kind,
          startedAt: run.startedAt,
          records,
          seconds,
          perSecond: Math.round((records / seconds) * 10) / 10,
        },
      ]
    }),
    other: chronological
      .filter((r) => !['migrate', 'delta', 'verify', 'rollback'].includes(r.kind))
      .map((r) => ({
        runId: r.runId,
        kind: r.kind,
        status: r.status,
        startedAt: r.startedAt,
        summary: { ...r.summary },
      })),
  }
}

/** The run a rollback undid (with the runs after it). */
function undoneRun(rollback: RunInfo): string | undefined {
  const of = rollback.summary?.['of'] ?? rollback.params['of']
  return typeof of === 'string' ? of : undefined
}

/** Phase name (an entity map's `name`, else its class) → Dataverse table. */
function phaseTables(mapping: Mapping): Map<string, string> {
  return new Map(mapping.entities.map((e) => [e.name ?? e.entity, e.table.logicalName]))
}

function scopeRows(mapping: Mapping, reconciliation: Reconciliation | undefined): ScopeRow[] {
  return mapping.entities.map((e) => {
    const phase = e.name ?? e.entity
    const r = reconciliation?.phases.find((p) => p.phase === phase)
    return {
      entity: e.entity,
      phase,
      table: e.table.logicalName,
      ...(r !== undefined && {
        records: r.source,
        loaded: r.created + r.updated,
        quarantined: r.quarantined,
        skipped: r.skipped,
      }),
      fields: e.fields.length,
      skippedFields: e.skipped ?? [],
    }
  })
}

/** Modules the map has no entry for, fields it does not move, and the objects x2d365 never moves. Pure. */
export function leftOut(mapping: Mapping, discovered: DiscoveredScope | undefined): LeftOut[] {
  const mapped = new Set(mapping.entities.map((e) => e.entity))
  const rows: LeftOut[] = []
  if (discovered?.modules === undefined) {
    rows.push({
      kind: 'module',
      what: 'X2CRM modules not in the map',
      count: null,
      reason:
        'not known: no discovery.json or scope.json from `x2d365 discover` was found (pass --discovery)',
    })
  } else {
    for (const m of discovered.modules.filter((x) => !mapped.has(x.entity))) {
      rows.push({
        kind: 'module',
        what: m.entity,
        count: m.records,
        reason: 'the map has no entry for this module: its records are not migrated',
      })
    }
  }
  for (const entity of mapping.entities) {
    const skipped = entity.skipped ?? []
    if (skipped.length > 0) {
      rows.push({
        kind: 'field',
        what: `${entity.name ?? entity.entity}: ${skipped.join(', ')}`,
        count: skipped.length,
        reason: 'skipped on purpose in the map (skip: true)',
      })
    }
    const fields = discovered?.modules?.find((m) => m.entity === entity.entity)?.fields
    if (fields === undefined) continue
    const moved = new Set([...entity.fields.map((f) => f.source), ...skipped])
    const unmapped = fields.filter((f) => !moved.has(f) && f !== 'id')
    if (unmapped.length > 0) {
      rows.push({
        kind: 'field',
        what: `${entity.name ?? entity.entity}: ${unmapped.join(', ')}`,
        count: unmapped.length,
        reason: 'not in the map: these X2CRM fields are not migrated',
      })
    }
  }
  const flows = discovered?.automation
  const workflows: { kind: string; count: number | null; note?: string | undefined } =
    flows !== undefined && 'flows' in flows
      ? { kind: 'X2Flow workflows', count: flows.flows }
      : { kind: 'X2Flow workflows', count: null, note: flows?.unreadable }
  const counted = [workflows, ...(discovered?.rebuild ?? NOT_COUNTED.map((kind) => ({ kind, count: null })))]
  for (const r of counted.filter((x) => x.count !== null))
    rows.push({ kind: 'object', what: r.kind, count: r.count, reason: REBUILD_REASON })
  // What could not be counted shares one row (one reason), so the table stays short.
  const uncounted = counted.filter((x) => x.count === null)
  if (uncounted.length > 0) {
    const notes = [
      ...new Set(uncounted.map((x) => ('note' in x ? x.note : undefined)).filter((n) => n !== undefined)),
    ]
    rows.push({
      kind: 'object',
      what: uncounted.map((x) => x.kind).join(', '),
      count: null,
      reason: `${REBUILD_REASON}; not counted (${notes.length > 0 ? notes.join('; ') : '`x2d365 discover` with source.mysql counts them'})`,
    })
  }
  return rows
}

interface Problem {
  phase: string
  sourceKey: string
  status: 'quarantined' | 'skipped' | 'warned'
  reasons: readonly string[]
}

/**
 * The quarantine, warnings and skips as they stand: a record's latest outcome across these runs counts (quarantined
 * in the migration, loaded by a delta: no longer quarantined). Memory grows with the records that have a problem.
 */
async function latestProblems(
  runs: readonly RunInfo[],
  ledger: Pick<RunLedger, 'outcomes'>,
): Promise<Pick<MigrationReport, 'quarantine' | 'warnings' | 'skipped' | 'repairs'>> {
  const problems = new Map<string, Problem>()
  for (const run of runs) {
    for await (const outcome of ledger.outcomes(run.runId)) {
      const key = `${outcome.phase}\u0000${outcome.sourceKey}`
      const problem = problemOf(outcome)
      if (problem === undefined) problems.delete(key)
      else problems.set(key, problem)
    }
  }
  const quarantine = createRuleGroups()
  const warnings = createRuleGroups()
  const skipped = createRuleGroups()
  const repairs = createRepairTally()
  for (const p of problems.values()) {
    if (p.status === 'warned') repairs.add(p.sourceKey, p.reasons)
    const groups = p.status === 'quarantined' ? quarantine : p.status === 'skipped' ? skipped : warnings
    for (const reason of p.reasons) groups.add(p.phase, reason, p.sourceKey)
  }
  const count = (status: Problem['status']) =>
    [...problems.values()].filter((p) => p.status === status).length
  return {
    quarantine: { total: count('quarantined'), groups: quarantine.groups() },
    warnings: { total: count('warned'), groups: warnings.groups() },
    skipped: { total: count('skipped'), groups: skipped.groups() },
    repairs: repairs.repairs(),
  }
}

function problemOf(outcome: RecordOutcome): Problem | undefined {
  const base = { phase: outcome.phase, sourceKey: outcome.sourceKey }
  if (outcome.status === 'quarantined' || outcome.status === 'skipped')
    return { ...base, status: outcome.status, reasons: [outcome.reason ?? 'no reason recorded'] }
  if (outcome.warnings !== undefined && outcome.warnings.length > 0)
    return { ...base, status: 'warned', reasons: outcome.warnings }
  return undefined
}

/** The records a writing run moved: its first-pass phases' source records (a delta: what it loaded). */
function recordsOf(run: RunInfo): number | undefined {
  const r = run.summary?.['reconciliation'] as Reconciliation | undefined
  if (r === undefined) return undefined
  return r.phases
    .filter((p) => !p.phase.endsWith('.links'))
    .reduce((n, p) => n + (run.kind === 'delta' ? p.created + p.updated + p.deleted : p.source), 0)
}

/** Runs and fixes in order, each in one sentence. Pure. */
export function history(
  chronological: readonly RunInfo[],
  fixes: readonly { fixedAt: string; fixedBy: string; entity: string }[],
): HistoryEntry[] {
  const entries: HistoryEntry[] = chronological.map((run) => ({
    at: run.startedAt,
    kind: run.kind,
    id: run.runId,
    status: run.status,
    what: describeRun(run),
  }))
  const batches = new Map<string, { at: string; by: string; count: number }>()
  for (const fix of fixes) {
    const key = `${fix.fixedAt}\u0000${fix.fixedBy}`
    const batch = batches.get(key) ?? { at: fix.fixedAt, by: fix.fixedBy, count: 0 }
    batch.count++
    batches.set(key, batch)
  }
  for (const b of batches.values()) {
    entries.push({
      at: b.at,
      kind: 'fix',
      id: b.by,
      status: 'stored',
      what: `${b.count} corrected value${b.count === 1 ? '' : 's'} stored by ${b.by} (\`x2d365 fix\`); the next delta loads them`,
    })
  }
  return entries.sort((a, b) => a.at.localeCompare(b.at))
}

function describeRun(run: RunInfo): string {
  const s = run.summary ?? {}
  const r = s['reconciliation'] as Reconciliation | undefined
  const sum = (k: 'created' | 'updated' | 'deleted' | 'quarantined' | 'skipped') =>
    r?.phases.filter((p) => !p.phase.endsWith('.links')).reduce((n, p) => n + p[k], 0) ?? 0
  const entities = Array.isArray(s['entities'])
    ? (s['entities'] as { found?: Record<string, unknown> }[])
    : []
  const found = (k: string) => entities.reduce((n, e) => n + Number(e.found?.[k] ?? 0), 0)
  const secs = typeof s['seconds'] === 'number' ? ` in ${s['seconds'].toFixed(1)} s` : ''
  if (run.status === 'running') return 'did not finish (or is still running)'
  if (typeof s['error'] === 'string') return `stopped: ${s['error']}`
  switch (run.kind) {
    case 'migrate': {
      const sample = run.params['sample']
      return `${typeof sample === 'number' ? `rehearsal on ${sample} records: ` : ''}${sum('created')} created, ${sum('updated')} updated, ${sum('quarantined')} quarantined, ${sum('skipped')} skipped${secs}; ${r?.balanced === false ? 'NOT balanced' : 'balanced'}`
    }
    case 'delta':
      if (s['interrupted'] === true) return 'interrupted; the next delta finished it'
      return `X2CRM changes found: ${found('new')} new, ${found('changed')} changed, ${found('deleted')} deleted (rows: ${typeof s['deletions'] === 'string' ? s['deletions'] : 'deactivate'}); ${sum('created')} rows created, ${sum('updated')} updated, ${sum('quarantined')} quarantined${secs}`
    case 'verify': {
      const v = verificationOf(run)
      if (v === undefined) return 'no result recorded'
      const checked = v.entities.reduce((n, e) => n + e.checked, 0)
      const bad = v.entities.reduce((n, e) => n + e.mismatched + e.missing, 0)
      return `${checked} records compared field by field${v.of === undefined ? '' : ` (run ${v.of})`}: ${bad === 0 ? 'all match' : `${bad} differ or are missing`}`
    }
    case 'rollback':
      return `undid ${[s['of'], run.params['of']].find((x) => typeof x === 'string') ?? '?'} and the runs after it: ${Number(s['deleted'] ?? 0)} rows deleted, ${Number(s['restored'] ?? 0)} restored; ${run.status === 'succeeded' ? 'checked: Dataverse is as before' : 'its check FAILED'}`
    default:
      return Object.entries(s)
        .filter(([, v]) => typeof v === 'number' || typeof v === 'string')
        .map(([k, v]) => `${k}: ${String(v)}`)
        .join(', ')
  }
}

function withClosed(closed: ClosedOpportunities | undefined): { closed?: ClosedOpportunities } {
  return closed === undefined ? {} : { closed }
}
