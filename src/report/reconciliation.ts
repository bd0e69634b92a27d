import type { PhaseCounts } from '../ledger/ledger.ts'

export interface PhaseReconciliation extends PhaseCounts {
  /** Records the source has for this phase (X2CRM's count, or the candidates of a link pass). */
  source: number
  /** created + updated + deleted (a delta's) + quarantined + skipped */
  accounted: number
  balanced: boolean
}

export interface Reconciliation {
  phases: PhaseReconciliation[]
  balanced: boolean
}

/** source = created + updated + deleted + quarantined + skipped, per phase. Pure. */
export function reconcile(
  sourceCounts: ReadonlyMap<string, number>,
  counts: readonly PhaseCounts[],
): Reconciliation {
  const byPhase = new Map(counts.map((c) => [c.phase, c]))
  const phases = [...sourceCounts].map(([phase, source]): PhaseReconciliation => {
    const c = byPhase.get(phase) ?? {
      phase,
      created: 0,
      updated: 0,
      quarantined: 0,
      skipped: 0,
      deleted: 0,
      restored: 0,
    }
    const accounted = c.created + c.updated + c.deleted + c.quarantined + c.skipped
    return { ...c, phase, source, accounted, balanced: accounted === source }
  })
  return { phases, balanced: phases.every((p) => p.balanced) }
}

/** A fixed-width table for terminals. */
export function formatReconciliation(reconciliation: Reconciliation): string {
  // Only a delta deletes rows: the column shows when one did.
  const deletes = reconciliation.phases.some((p) => p.deleted > 0)
  const header = [
    'phase',
    'source',
    'created',
    'updated',
    ...(deletes ? ['deleted'] : []),
    'quarantined',
    'skipped',
    'balanced',
  ]
  const rows = reconciliation.phases.map((p) => [
    p.phase,
    String(p.source),
    String(p.created),
    String(p.updated),
    ...(deletes ? [String(p.deleted)] : []),
    String(p.quarantined),
    String(p.skipped),
    p.balanced ? 'yes' : `NO (${p.accounted - p.source > 0 ? '+' : ''}${p.accounted - p.source})`,
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)))
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}
