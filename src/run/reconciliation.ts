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
