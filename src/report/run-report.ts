import type { OutcomeStatus, RecordOutcome, RunInfo } from '../ledger/ledger.ts'
import type { Reconciliation } from '../run/reconciliation.ts'
import { describeRetries, isRetryCounts, type RetryCounts } from '../run/retry-tally.ts'
import { ruleOf } from './rule-groups.ts'
import { nextWritingRun, verificationOf, verifyRunFor, type VerificationReport } from './verification.ts'

export interface ReasonGroup {
  /** The reason with record-specific parts (ids, quoted values) replaced, so alike failures group together. */
  reason: string
  phase: string
  count: number
  /** A few source keys to look at first. */
  examples: string[]
}

export interface RunReport {
  runId: string
  kind: string
  status: string
  startedAt: string
  finishedAt?: string
  seconds?: number
  /**
   * Records per second of the whole run: of a migrate, the records of its first-pass phases (link passes are not
   * counted again); of a delta, the changes it loaded; of a rollback, the rows it deleted or restored; of a verify,
   * the rows it read back. One decimal below 10.
   */
  recordsPerSecond?: number
  /** A migrate's or delta's: requests sent again, per cause (429, 503, resets, timeouts), by the last attempt of it. */
  retries?: RetryCounts
  /** A delta's: every X2CRM record it read and hashed to find the changes, and how many per second. */
  examined?: { records: number; perSecond?: number }
  /** A delta's: what X2CRM changed per class, and what was done with rows of deleted records. */
  changes?: DeltaChanges
  /** A rollback's: what it undid. */
  undo?: RollbackUndo
  /**
   * A verify run's own result; for a migrate or delta run, the verification of it that {@link addRelatedRuns} found,
   * or `null` when there is none yet.
   */
  verification?: VerificationReport | null
  /**
   * An unverified migrate or delta run's next run that wrote to Dataverse: a verification now checks the state after
   * that one, not this run's.
   */
  overtakenBy?: { runId: string; kind: string }
  /** Why a run stopped, when it recorded a reason. */
  error?: string
  reconciliation?: Reconciliation
  /** Per phase: records listed by X2CRM, found by id because its lists hid them, and ids that no longer exist. */
  completeness?: { phase: string; count: number; listed: number; gapFetched: number; missing: number }[]
  quarantine: { total: number; groups: ReasonGroup[] }
  skipped: { total: number; groups: ReasonGroup[] }
  /** Records that loaded with something dropped or changed on the way. */
  withWarnings: { total: number; groups: ReasonGroup[] }
}

/** A delta's findings per X2CRM class. */
export interface DeltaChanges {
  /** The migrate run whose state the delta compared against. */
  since?: string
  /** What became of the Dataverse rows of records deleted in X2CRM: `deactivate`, `delete` or `ignore`. */
  deletions?: string
  /** `new` excludes `retried`: records quarantined before, tried again (they have no hash until they load). */
  entities: {
    entity: string
    new: number
    retried: number
    changed: number
    deleted: number
    unchanged: number
  }[]
}

/** What a rollback undid. */
export interface RollbackUndo {
  /** The run it undid, and its kind (`migrate`, `delta`). */
  of?: string
  ofKind?: string
  /** Rows it deleted (created by the run) and rows it put back as they were before. */
  deleted: number
  restored: number
  /** Rows that should be gone and are not, and restored rows that differ from their before-image. */
  remaining?: number
  mismatched?: number
  /** The first 20 rows that remain, as the rollback's check found them in Dataverse. */
  remainingRows?: { entitySet: string; targetId: string; x2crmId?: string }[]
  /** The rollback's own check passed: nothing remains, every restored row equals its image. */
  verified: boolean
  phases: { phase: string; deleted: number; restored: number; skipped: number; quarantined: number }[]
}

const EXAMPLES = 5

/**
 * Folds a run's outcomes into a report, streaming: memory grows with the number of distinct reasons, not records.
 */
export async function summarizeRun(
  run: RunInfo,
  outcomes: AsyncIterable<RecordOutcome>,
  onQuarantined?: (outcome: RecordOutcome) => void,
): Promise<RunReport> {
  const quarantine = new Map<string, ReasonGroup>()
  const skipped = new Map<string, ReasonGroup>()
  const warned = new Map<string, ReasonGroup>()
  let quarantined = 0
  let skippedTotal = 0
  let withWarnings = 0
  const add = (groups: Map<string, ReasonGroup>, phase: string, reason: string, sourceKey: string) => {
    // By rule: values the reason repeats unquoted (co-owners' names, group numbers) do not make a group of their own.
    const { field, rule } = ruleOf(reason)
    const shape = field === '' ? rule : `${field}: ${rule}`
    const key = `${phase}\n${shape}`
    const group = groups.get(key) ?? { reason: shape, phase, count: 0, examples: [] }
    group.count++
    if (group.examples.length < EXAMPLES) group.examples.push(sourceKey)
    groups.set(key, group)
  }
  const byPhase = new Map<string, Record<OutcomeStatus, number>>()
  for await (const outcome of outcomes) {
    const counts = byPhase.get(outcome.phase) ?? {
      created: 0,
      updated: 0,
      quarantined: 0,
      skipped: 0,
      deleted: 0,
      restored: 0,
    }
    counts[outcome.status]++
    byPhase.set(outcome.phase, counts)
    if (outcome.status === 'quarantined') {
      quarantined++
      add(quarantine, outcome.phase, outcome.reason ?? 'no reason recorded', outcome.sourceKey)
      onQuarantined?.(outcome)
    } else if (outcome.status === 'skipped') {
      skippedTotal++
      add(skipped, outcome.phase, outcome.reason ?? 'no reason recorded', outcome.sourceKey)
    } else if (outcome.warnings && outcome.warnings.length > 0) {
      withWarnings++
      for (const warning of outcome.warnings) add(warned, outcome.phase, warning, outcome.sourceKey)
    }
  }
  const sorted = (groups: Map<string, ReasonGroup>) => [...groups.values()].sort((a, b) => b.count - a.count)
  const summary = run.summary ?? {}
  const reconciliation = summary['reconciliation'] as Reconciliation | undefined
  const seconds =
    typeof summary['seconds'] === 'number'
      ? summary['seconds']
      : run.finishedAt !== undefined
        ? (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000
        : undefined
  const changes = run.kind === 'delta' ? deltaChanges(summary) : undefined
  const undo = run.kind === 'rollback' ? rollbackUndo(run, byPhase) : undefined
  const verification = run.kind === 'verify' ? verificationOf(run) : undefined
  const records =
    undo !== undefined
      ? undo.deleted + undo.restored
      : verification !== undefined
        ? verification.entities.reduce((n, e) => n + e.checked + e.missing, 0)
        : reconciliation?.phases.filter((p) => !p.phase.endsWith('.links')).reduce((n, p) => n + p.source, 0)
  const examined = changes?.entities.reduce(
    (n, e) => n + e.new + e.retried + e.changed + e.deleted + e.unchanged,
    0,
  )
  const timed = seconds !== undefined && seconds > 0
  return {
    runId: run.runId,
    kind: run.kind,
    status: run.status,
    startedAt: run.startedAt,
    ...(run.finishedAt !== undefined && { finishedAt: run.finishedAt }),
    ...(seconds !== undefined && { seconds }),
    ...(timed && records !== undefined && { recordsPerSecond: perSecond(records, seconds) }),
    ...(examined !== undefined && {
      examined: { records: examined, ...(timed && { perSecond: perSecond(examined, seconds) }) },
    }),
    ...(reconciliation !== undefined && { reconciliation }),
    ...(isRetryCounts(summary['retries']) && { retries: summary['retries'] }),
    ...(Array.isArray(summary['completeness']) && {
      completeness: (summary['completeness'] as Record<string, unknown>[]).map((c) => ({
        phase: String(c['phase']),
        count: Number(c['count']),
        listed: Number(c['listed']),
        gapFetched: Number(c['gapFetched']),
        missing: Number(c['missing']),
      })),
    }),
    ...(changes !== undefined && { changes }),
    ...(undo !== undefined && { undo }),
    ...(verification !== undefined && { verification }),
    ...(typeof summary['error'] === 'string' && { error: summary['error'] }),
    quarantine: { total: quarantined, groups: sorted(quarantine) },
    skipped: { total: skippedTotal, groups: sorted(skipped) },
    withWarnings: { total: withWarnings, groups: sorted(warned) },
  }
}

/**
 * Adds what other runs say about this one: to a migrate or delta run, the verification that checked it (`null` when
 * none did yet); to a rollback, the kind of the run it undid. `runs` newest first, as the ledger lists them. Pure.
 */
export function addRelatedRuns(report: RunReport, runs: readonly RunInfo[]): RunReport {
  const run = runs.find((r) => r.runId === report.runId)
  if (report.kind === 'migrate' || report.kind === 'delta') {
    const verifyRun = run === undefined ? undefined : verifyRunFor(run, runs)
    const verification = verifyRun === undefined ? undefined : verificationOf(verifyRun)
    if (verification !== undefined) return { ...report, verification }
    const next = run === undefined ? undefined : nextWritingRun(run, runs)
    return {
      ...report,
      verification: null,
      ...(next !== undefined && { overtakenBy: { runId: next.runId, kind: next.kind } }),
    }
  }
  const of = report.undo?.of
  const ofKind = runs.find((r) => r.runId === of)?.kind
  if (report.undo !== undefined && ofKind !== undefined)
    return { ...report, undo: { ...report.undo, ofKind } }
  return report
}

/** A rate people can read: whole records from 10 a second on, one decimal below. */
function perSecond(records: number, seconds: number): number {
  const rate = records / seconds
  return rate >= 10 ? Math.round(rate) : Math.round(rate * 10) / 10
}

function deltaChanges(summary: Readonly<Record<string, unknown>>): DeltaChanges | undefined {
  if (!Array.isArray(summary['entities'])) return undefined
  const since = summary['since']
  const deletions = summary['deletions']
  return {
    ...(typeof since === 'string' && { since }),
    ...(typeof deletions === 'string' && { deletions }),
    entities: (summary['entities'] as Record<string, unknown>[]).map((e) => {
      const found = (e['found'] ?? {}) as Record<string, unknown>
      const retried = Number(e['retried'] ?? 0)
      return {
        entity: String(e['entity']),
        new: Number(found['new'] ?? 0) - retried,
        retried,
        changed: Number(found['changed'] ?? 0),
        deleted: Number(found['deleted'] ?? 0),
        unchanged: Number(found['unchanged'] ?? 0),
      }
    }),
  }
}

function rollbackUndo(
  run: RunInfo,
  byPhase: ReadonlyMap<string, Record<OutcomeStatus, number>>,
): RollbackUndo {
  const summary = run.summary ?? {}
  const phases = [...byPhase].map(([phase, c]) => ({
    phase,
    deleted: c.deleted,
    restored: c.restored,
    skipped: c.skipped,
    quarantined: c.quarantined,
  }))
  const of = summary['of'] ?? run.params['of']
  const { remaining, mismatched } = summary
  return {
    ...(typeof of === 'string' && { of }),
    // A rollback that stopped has no summary yet: its outcomes say how far it got.
    deleted:
      typeof summary['deleted'] === 'number' ? summary['deleted'] : phases.reduce((n, p) => n + p.deleted, 0),
    restored:
      typeof summary['restored'] === 'number'
        ? summary['restored']
        : phases.reduce((n, p) => n + p.restored, 0),
    ...(typeof remaining === 'number' && { remaining }),
    ...(typeof mismatched === 'number' && { mismatched }),
    ...(Array.isArray(summary['remainingRows']) && {
      remainingRows: remainingRowsOf(summary['remainingRows']),
    }),
    verified: run.status === 'succeeded',
    phases,
  }
}

/** The rows a rollback's summary names as left behind, as the ledger kept them (JSON). */
function remainingRowsOf(rows: readonly unknown[]): NonNullable<RollbackUndo['remainingRows']> {
  return rows.flatMap((row) => {
    if (typeof row !== 'object' || row === null) return []
    const { entitySet, targetId, x2crmId } = row as Record<string, unknown>
    if (typeof entitySet !== 'string' || typeof targetId !== 'string') return []
    return [{ entitySet, targetId, ...(typeof x2crmId === 'string' && { x2crmId }) }]
  })
}

/** The run's timing facts in words, for both renderers: duration and what moved per second. Pure. */
export function describeTimings(report: RunReport): string[] {
  const lines: string[] = []
  if (report.seconds !== undefined) lines.push(`Duration: ${report.seconds.toFixed(1)} s`)
  const unit =
    report.kind === 'delta'
      ? 'changes loaded'
      : report.kind === 'rollback'
        ? 'rows undone'
        : report.kind === 'verify'
          ? 'rows compared'
          : 'records'
  if (report.recordsPerSecond !== undefined) lines.push(`Throughput: ${report.recordsPerSecond} ${unit}/s`)
  if (report.retries !== undefined) lines.push(`Retries: ${describeRetries(report.retries)}`)
  if (report.examined !== undefined) {
    lines.push(
      `Examined: ${report.examined.records} X2CRM records` +
        (report.examined.perSecond === undefined ? '' : ` (${report.examined.perSecond}/s)`),
    )
  }
  return lines
}

/** What a delta's deletion policy did with the rows of records deleted in X2CRM. Pure. */
export function describeDeletions(policy: string | undefined): string {
  switch (policy) {
    case 'deactivate':
      return 'deactivated (they stay in Dataverse, inactive; run.delta.deletions: deactivate)'
    case 'delete':
      return 'deleted from Dataverse (a rollback re-creates them; run.delta.deletions: delete)'
    case 'ignore':
      return 'left as they are (run.delta.deletions: ignore)'
    default:
      return 'not recorded'
  }
}

/** What a report says of a migrate or delta run that no verification checked. Pure. */
export function describeUnverified(report: RunReport): string {
  const next = report.overtakenBy
  return next === undefined
    ? 'Not verified yet: run `x2d365 verify` (then `x2d365 report` again).'
    : `Not verified before the ${next.kind} run ${next.runId} wrote to Dataverse: a verification now checks the state after that run (see its report).`
}

/** What a report says when a run has no reconciliation, by kind. Pure. */
export function describeUnfinished(report: RunReport): string {
  return report.kind === 'delta'
    ? 'This delta did not finish: there is no reconciliation. What it loaded is in the ledger; the next `x2d365 delta` loads the rest.'
    : `The run did not finish: there is no reconciliation yet. Run \`x2d365 ${report.kind}\` again to resume it.`
}

/** `1 record`, `2 records`. Pure. */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}
