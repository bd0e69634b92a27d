import type { RunInfo } from '../ledger/ledger.ts'

/** What the runs of a migration closed (won, lost) and what rollbacks reopened. */
export interface ClosedOpportunities {
  won: number
  lost: number
  /** Closes Dataverse refused (kept with its reason in the run). */
  failed: number
  /** Opportunities a rollback reopened (the closes of the runs it undid). */
  reopened: number
}

/**
 * Sums the `closed` summaries of the migrate and delta runs (WinOpportunity / LoseOpportunity after the load) and the
 * closes rollbacks undid; undefined when no run closed any. Pure.
 */
export function closedOpportunities(
  runs: readonly Pick<RunInfo, 'kind' | 'summary'>[],
): ClosedOpportunities | undefined {
  const total: ClosedOpportunities = { won: 0, lost: 0, failed: 0, reopened: 0 }
  const num = (value: unknown) => (typeof value === 'number' ? value : 0)
  for (const run of runs) {
    const summary = run.summary ?? {}
    if (run.kind === 'migrate' || run.kind === 'delta') {
      const closed = summary['closed'] as Record<string, unknown> | undefined
      total.won += num(closed?.['won'])
      total.lost += num(closed?.['lost'])
      total.failed += Array.isArray(closed?.['failed']) ? closed['failed'].length : 0
    } else if (run.kind === 'rollback') {
      total.reopened += num((summary['closes'] as Record<string, unknown> | undefined)?.['reopened'])
    }
  }
  return total.won + total.lost + total.failed + total.reopened === 0 ? undefined : total
}

/** `Opportunities closed last: 403 won, 312 lost (…); 1 reopened by a rollback.` */
export function describeClosed(closed: ClosedOpportunities): string {
  return (
    `Opportunities closed last: ${closed.won} won and ${closed.lost} lost through WinOpportunity / LoseOpportunity, ` +
    `each with an opportunityclose carrying the actual revenue and close date` +
    `${closed.failed > 0 ? `; ${closed.failed} refused by Dataverse (see the runs)` : ''}` +
    `${closed.reopened > 0 ? `; ${closed.reopened} reopened by a rollback` : ''}.`
  )
}
