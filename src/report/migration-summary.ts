import type { MigrateResult } from '../run/migrate.ts'
import { formatReconciliation } from './reconciliation.ts'

/** What a person reads after `migrate`: the reconciliation per phase, and whether it balances. Pure. */
export function describeMigration(
  result: Pick<MigrateResult, 'reconciliation'>,
  ledgerPath: string,
  options: { sample: boolean },
): string {
  return (
    `\n${formatReconciliation(result.reconciliation)}\n` +
    (options.sample
      ? `\nA rehearsal on a sample: \`x2d365 migrate\` without --sample loads everything.\n`
      : '') +
    (result.reconciliation.balanced
      ? `\nBalanced: every source record is created, updated, quarantined or skipped (ledger: ${ledgerPath}).\n`
      : `\nNOT balanced: some source records have no outcome. Run \`x2d365 migrate\` again; if it persists, report a bug.\n`)
  )
}
