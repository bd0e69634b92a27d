import type { Reconciliation } from '../run/reconciliation.ts'

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
