import type { RecordOutcome, RunInfo } from '../ledger/ledger.ts'
import type { Reconciliation } from './reconciliation.ts'

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
  /** Records of the first-pass phases per second of the whole run (link passes are not counted again). */
  recordsPerSecond?: number
  reconciliation?: Reconciliation
  /** Per phase: records listed by X2CRM, found by id because its lists hid them, and ids that no longer exist. */
  completeness?: { phase: string; count: number; listed: number; gapFetched: number; missing: number }[]
  quarantine: { total: number; groups: ReasonGroup[] }
  skipped: { total: number; groups: ReasonGroup[] }
  /** Records that loaded with something dropped or changed on the way. */
  withWarnings: { total: number; groups: ReasonGroup[] }
}

const EXAMPLES = 5

/** Replaces what differs from record to record (GUIDs, X2CRM keys, quoted values, numbers) in a reason. Pure. */
export function reasonShape(reason: string): string {
  return reason
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
    .replace(/\b([A-Z][A-Za-z0-9]+):\d+\b/g, '$1:<id>')
    .replace(/"[^"]*"/g, '"…"')
}

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
    const shape = reasonShape(reason)
    const key = `${phase}\n${shape}`
    const group = groups.get(key) ?? { reason: shape, phase, count: 0, examples: [] }
    group.count++
    if (group.examples.length < EXAMPLES) group.examples.push(sourceKey)
    groups.set(key, group)
  }
  for await (const outcome of outcomes) {
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
  const seconds = typeof summary['seconds'] === 'number' ? summary['seconds'] : undefined
  const records = reconciliation?.phases
    .filter((p) => !p.phase.endsWith('.links'))
    .reduce((n, p) => n + p.source, 0)
  return {
    runId: run.runId,
    kind: run.kind,
    status: run.status,
    startedAt: run.startedAt,
    ...(run.finishedAt !== undefined && { finishedAt: run.finishedAt }),
    ...(seconds !== undefined && { seconds }),
    ...(seconds !== undefined &&
      seconds > 0 &&
      records !== undefined && { recordsPerSecond: Math.round(records / seconds) }),
    ...(reconciliation !== undefined && { reconciliation }),
    ...(Array.isArray(summary['completeness']) && {
      completeness: (summary['completeness'] as Record<string, unknown>[]).map((c) => ({
        phase: String(c['phase']),
        count: Number(c['count']),
        listed: Number(c['listed']),
        gapFetched: Number(c['gapFetched']),
        missing: Number(c['missing']),
      })),
    }),
    quarantine: { total: quarantined, groups: sorted(quarantine) },
    skipped: { total: skippedTotal, groups: sorted(skipped) },
    withWarnings: { total: withWarnings, groups: sorted(warned) },
  }
}
