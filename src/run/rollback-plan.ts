import type { Ledger, RunLedger } from '../ledger/ledger.ts'
import type { Mapping } from '../mapping/types.ts'
import { firstPass, planLoad } from '../plan/plan-load.ts'
import { closingRowsToDelete } from './closing-intents.ts'
import { rollbackChain, type RollbackOptions } from './rollback.ts'
import { undoStepOf, type UndoStep } from './undo-rows.ts'
import { rowsRunMayHaveWritten } from './written-rows.ts'

/** Ids listed per table and kind of undo; the counts count them all. */
const FIRST_IDS = 5

/** What a rollback would do to one table for one run. */
export interface TableUndoPlan {
  phase: string
  entitySet: string
  delete: { count: number; firstIds: string[] }
  restore: { count: number; firstIds: string[] }
  /** Rows a delta deleted, re-created from their before-image. */
  recreate: { count: number; firstIds: string[] }
  skip: { count: number; reasons: string[] }
}

/** What undoing one run would do, table by table in the order the rollback goes (reverse load order). */
export interface RunUndoPlan {
  runId: string
  kind: string
  startedAt: string
  tables: TableUndoPlan[]
}

/** `rollback --dry-run`: the runs it would undo, in order, and what it would do to each table. Nothing is written. */
export interface RollbackPlan {
  runs: RunUndoPlan[]
}

/**
 * What `rollback(options)` would do, from the ledger alone: the same chain of runs and the same undo of each row,
 * counted per table with the first ids. Writes nothing, to Dataverse or to the ledger.
 */
export async function planRollback(
  options: Pick<RollbackOptions, 'runId'> & { mapping: Mapping },
  ledger: Pick<RunLedger, 'runs' | 'outcomes' | 'beforeImages'> & Pick<Ledger, 'intents'>,
): Promise<RollbackPlan> {
  const chain = await rollbackChain(options, ledger)
  const phases = firstPass(planLoad(options.mapping)).reverse()
  const runs: RunUndoPlan[] = []
  for (const run of chain) {
    const tables: TableUndoPlan[] = []
    // First, as rollback goes: what the steps after the load created (closes, resolutions, tag rows, connections).
    for (const { phase, entitySet, targetIds } of await closingRowsToDelete(ledger, run.runId))
      tables.push({
        phase,
        entitySet,
        delete: { count: targetIds.length, firstIds: targetIds.slice(0, FIRST_IDS) },
        restore: { count: 0, firstIds: [] },
        recreate: { count: 0, firstIds: [] },
        skip: { count: 0, reasons: [] },
      })
    for (const phase of phases) {
      const table: TableUndoPlan = {
        phase: phase.name,
        entitySet: phase.entityMap.table.entitySet,
        delete: { count: 0, firstIds: [] },
        restore: { count: 0, firstIds: [] },
        recreate: { count: 0, firstIds: [] },
        skip: { count: 0, reasons: [] },
      }
      for await (const row of rowsRunMayHaveWritten(ledger, run.runId, phase.name))
        count(table, undoStepOf(row, phase.entityMap))
      if (table.delete.count + table.restore.count + table.recreate.count + table.skip.count > 0)
        tables.push(table)
    }
    runs.push({ runId: run.runId, kind: run.kind, startedAt: run.startedAt, tables })
  }
  return { runs }
}

function count(table: TableUndoPlan, step: UndoStep): void {
  if (step.type === 'skip') {
    table.skip.count++
    if (!table.skip.reasons.includes(step.reason)) table.skip.reasons.push(step.reason)
    return
  }
  const entry = table[step.type]
  entry.count++
  if (entry.firstIds.length < FIRST_IDS) entry.firstIds.push(step.row.targetId)
}

/**
 * Whether a rollback may start: one run goes ahead; several runs go ahead with `--yes`, are printed first and go
 * ahead without a terminal (scripts keep working), and wait for `--yes` at a terminal. Pure.
 */
export function spanDecision(options: {
  runs: number
  interactive: boolean
  yes: boolean
}): 'proceed' | 'announce' | 'ask' {
  if (options.runs <= 1 || options.yes) return options.runs > 1 ? 'announce' : 'proceed'
  return options.interactive ? 'ask' : 'announce'
}
