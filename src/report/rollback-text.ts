import type { RollbackResult } from '../run/rollback.ts'
import type { RollbackPlan, TableUndoPlan } from '../run/rollback-plan.ts'
import type { Leftover } from '../run/rollback-check.ts'

/** Leftover rows named in the text; the count says how many there are in all. */
const NAMED = 20

/** `rollback --dry-run` in words: per run, per table, what would be deleted, restored, re-created, skipped. Pure. */
export function formatRollbackPlan(plan: RollbackPlan): string {
  const lines: string[] = []
  if (plan.runs.length > 1)
    lines.push(`This rollback spans ${plan.runs.length} runs, undone in this order (newest first):`)
  for (const run of plan.runs) {
    lines.push(`Would roll back ${run.kind} run ${run.runId} (started ${run.startedAt}):`)
    if (run.tables.length === 0) lines.push('  nothing it wrote is left to undo')
    for (const table of run.tables) lines.push(...tableLines(table))
  }
  lines.push('Dry run: nothing was written to Dataverse or to the ledger.')
  return `${lines.join('\n')}\n`
}

function tableLines(table: TableUndoPlan): string[] {
  const lines = [`  ${table.entitySet} (${table.phase}):`]
  const ids = (list: { count: number; firstIds: string[] }) =>
    list.firstIds.length === 0
      ? ''
      : `: ${list.firstIds.join(', ')}${list.count > list.firstIds.length ? ', …' : ''}`
  if (table.delete.count > 0) lines.push(`    delete ${table.delete.count}${ids(table.delete)}`)
  if (table.restore.count > 0)
    lines.push(`    restore ${table.restore.count} to their before-images${ids(table.restore)}`)
  if (table.recreate.count > 0)
    lines.push(`    re-create ${table.recreate.count} a delta deleted${ids(table.recreate)}`)
  if (table.skip.count > 0) lines.push(`    leave ${table.skip.count} (${table.skip.reasons.join('; ')})`)
  return lines
}

/** The runs a rollback will undo, when they are more than one: what `rollback` prints before it starts. Pure. */
export function formatRollbackSpan(
  runs: readonly { runId: string; kind: string; startedAt: string }[],
): string {
  return (
    `This rollback spans ${runs.length} runs, undone newest first: ` +
    `${runs.map((r) => `${r.kind} ${r.runId} (${r.startedAt})`).join(', ')}.\n`
  )
}

/** One leftover row: table, id, X2CRM id. */
export function formatLeftover(l: Leftover): string {
  const x2crm =
    l.x2crmId !== undefined ? `, X2CRM id ${l.x2crmId}` : l.sourceKey !== undefined ? `, ${l.sourceKey}` : ''
  return `${l.entitySet}(${l.targetId})${x2crm}`
}

/** The verdict of a finished rollback, naming the first 20 rows left behind. Pure. */
export function formatRollbackResult(result: RollbackResult): string {
  const lines = result.chain.map(
    (step) =>
      `Rolled back ${step.kind} run ${step.of}: ${step.deleted} rows deleted, ${step.restored} restored to their before-images` +
      `${step.verified ? '' : ' (NOT verified)'}.`,
  )
  const unchecked =
    result.unchecked.length === 0
      ? ''
      : ` (${result.unchecked.join(', ')}: the map names no X2CRM id column, so only the rows the ledger knows were checked)`
  if (result.verified) {
    lines.push(
      'Verified in Dataverse: no row these runs created remains, and every restored row equals its before-image' +
        `${unchecked}.`,
    )
    return `${lines.join('\n')}\n`
  }
  if (result.remainingCount > 0) {
    lines.push(
      `NOT verified: ${result.remainingCount} rows these runs wrote are still in Dataverse` +
        `${result.remainingCount > NAMED ? ` (the first ${NAMED})` : ''}:`,
      ...result.remaining.slice(0, NAMED).map((l) => `  ${formatLeftover(l)}`),
    )
  }
  if (result.mismatched.length > 0) {
    lines.push(
      `NOT verified: ${result.mismatched.length} restored rows differ from their before-images` +
        `${result.mismatched.length > NAMED ? ` (the first ${NAMED})` : ''}:`,
      ...result.mismatched.slice(0, NAMED).map((m) => `  ${m.targetId}: ${m.columns.join(', ')}`),
    )
  }
  if (unchecked !== '') lines.push(`Not searched by X2CRM id${unchecked}.`)
  lines.push(
    'Run the same command again to retry. A row the ledger never recorded (a run stopped between its request and ' +
      'its outcome) is found here by its X2CRM id but not deleted: delete it in Dataverse.',
  )
  return `${lines.join('\n')}\n`
}
