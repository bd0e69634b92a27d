import type { SourceKey } from '../domain/source-key.ts'
import type { Ledger } from '../ledger/ledger.ts'
import { rowPhaseName, type PlannedPhase } from '../plan/plan-load.ts'
import type { DataverseBulkTarget, DataverseTarget } from '../target/dataverse/types.ts'
import { imageColumns, readExisting } from './before-image.ts'
import { STATE_COLUMNS } from './retire.ts'

/** Whether a phase loads rows Dataverse makes read-only once closed: cases (resolved, cancelled), opportunities. */
export const closesRows = (phase: PlannedPhase): boolean =>
  phase.pass === 1 && (phase.entityMap.caseClose !== undefined || phase.entityMap.close !== undefined)

/** The write that reopens a closed case or opportunity: Open (statecode 0) with In Progress (statuscode 1). */
export const REOPEN = { statecode: 0, statuscode: 1 } as const

type ReopenTarget = Pick<DataverseTarget, 'query'> & Pick<DataverseBulkTarget, 'update'>
type ReopenLedger = Pick<Ledger, 'recordBeforeImages' | 'intents'>

/**
 * Intent before effect, for rows about to be reopened: the ledger gets their intent and their before-image, with the
 * columns the load writes and their state, under the load phase (the first image per row is kept, so the load's own,
 * taken after the reopen, does not replace it). Rollback restores the columns, then closes the row again as the image
 * says (restore-states.ts).
 */
async function keepImages(
  phase: PlannedPhase,
  runId: string,
  rows: ReadonlyMap<string, { values: Record<string, unknown>; sourceKey?: SourceKey }>,
  ledger: ReopenLedger,
): Promise<void> {
  if (rows.size === 0) return
  const { entitySet } = phase.table
  // A row this run created (a resumed run closed it before it was killed) is deleted by rollback, never restored.
  const created = await ledger.intents.find(runId, entitySet, [...rows.keys()])
  const kept = [...rows].filter(([targetId]) => created.get(targetId)?.existed !== false)
  if (kept.length === 0) return
  await ledger.recordBeforeImages(
    runId,
    kept.map(([targetId, row]) => ({ phase: phase.name, entitySet, targetId, values: row.values })),
  )
  await ledger.intents.record(
    runId,
    phase.name,
    kept.map(([targetId, row]) => ({
      targetId,
      entitySet,
      existed: true,
      ...(row.sourceKey !== undefined && { sourceKey: row.sourceKey }),
    })),
  )
}

const stateImageColumns = (phase: PlannedPhase) => [
  ...new Set([...imageColumns(phase.entityMap), ...STATE_COLUMNS]),
]

/**
 * Before a phase of cases or opportunities loads: a closed case or opportunity is read-only in Dataverse ("When you
 * close an opportunity, the opportunity is marked as complete, and can't be changed. To make further changes to an
 * opportunity, you can reopen it." https://learn.microsoft.com/en-us/troubleshoot/dynamics-365/sales/troubleshoot-opportunities-issues),
 * so each closed row of the phase's table that a run of x2d365 wrote is reopened, to be loaded and closed again at
 * the end as X2CRM says. Rows no run wrote are left alone. Returns how many were reopened.
 */
export async function reopenClosedRows(
  phase: PlannedPhase,
  runId: string,
  deps: { target: ReopenTarget; ledger: Pick<Ledger, 'sourcesOf'> & ReopenLedger },
): Promise<number> {
  if (!closesRows(phase)) return 0
  const { entitySet, primaryId } = phase.table
  const closed: string[] = []
  for await (const row of deps.target.query(entitySet, { select: [primaryId], filter: 'statecode ne 0' }))
    if (typeof row[primaryId] === 'string') closed.push(row[primaryId])
  if (closed.length === 0) return 0
  const sources = await deps.ledger.sourcesOf(closed)
  const ours = closed.filter((id) => (sources.get(id)?.length ?? 0) > 0)
  const images = await readExisting(deps.target, phase.table, ours, stateImageColumns(phase))
  await keepImages(phase, runId, new Map([...images].map(([id, values]) => [id, { values }])), deps.ledger)
  let reopened = 0
  for (const id of images.keys())
    if ((await deps.target.update(phase.table, { targetId: id, values: REOPEN })) === 'updated') reopened++
  return reopened
}

/**
 * For a delta, before it loads these changed records of a phase of cases or opportunities: the rows they were loaded
 * into that are closed in Dataverse are reopened (so the change can be written), to be closed again at the end when
 * X2CRM still says so; a record X2CRM reopened stays open. Returns the source keys whose rows were reopened.
 */
export async function reopenChangedRows(
  phase: PlannedPhase,
  sourceKeys: readonly SourceKey[],
  runId: string,
  deps: { target: ReopenTarget; ledger: Pick<Ledger, 'loaded'> & ReopenLedger },
): Promise<SourceKey[]> {
  if (!closesRows(phase) || sourceKeys.length === 0) return []
  const loaded = await deps.ledger.loaded(sourceKeys)
  const rows = [...loaded.values()].filter((r) => rowPhaseName(r.phase) === phase.name)
  if (rows.length === 0) return []
  const images = await readExisting(
    deps.target,
    phase.table,
    rows.map((r) => r.targetId),
    stateImageColumns(phase),
  )
  const closed = rows.filter((r) => {
    const state = images.get(r.targetId)?.['statecode']
    return typeof state === 'number' && state !== 0
  })
  await keepImages(
    phase,
    runId,
    new Map(
      closed.map((r) => [r.targetId, { values: images.get(r.targetId) ?? {}, sourceKey: r.sourceKey }]),
    ),
    deps.ledger,
  )
  const reopened: SourceKey[] = []
  for (const row of closed)
    if ((await deps.target.update(phase.table, { targetId: row.targetId, values: REOPEN })) === 'updated')
      reopened.push(row.sourceKey)
  return reopened
}

/** Whether a phase loads rows whose state is set after the load: products (publish, retire), quotes (win, close). */
export const hasSalesStates = (phase: PlannedPhase): boolean =>
  phase.pass === 1 &&
  (phase.entityMap.productStates !== undefined || phase.entityMap.quoteStates !== undefined)

/**
 * For a delta, before it loads these changed products or quotes: the before-image of each row they were loaded into
 * keeps its state too (the load's own image has only the columns it writes), so rollback can put a product's state
 * back (restore-states.ts) and reports a quote the delta won or closed: Dataverse cannot reopen one (ReviseQuote makes
 * a new draft revision), so it stays, a mismatch of its state. Returns how many images were kept.
 */
export async function keepSalesStateImages(
  phase: PlannedPhase,
  sourceKeys: readonly SourceKey[],
  runId: string,
  deps: { target: ReopenTarget; ledger: Pick<Ledger, 'loaded'> & ReopenLedger },
): Promise<number> {
  if (!hasSalesStates(phase) || sourceKeys.length === 0) return 0
  const loaded = await deps.ledger.loaded(sourceKeys)
  const rows = [...loaded.values()].filter((r) => rowPhaseName(r.phase) === phase.name)
  if (rows.length === 0) return 0
  const images = await readExisting(
    deps.target,
    phase.table,
    rows.map((r) => r.targetId),
    stateImageColumns(phase),
  )
  const kept = rows.filter((r) => images.has(r.targetId))
  await keepImages(
    phase,
    runId,
    new Map(kept.map((r) => [r.targetId, { values: images.get(r.targetId) ?? {}, sourceKey: r.sourceKey }])),
    deps.ledger,
  )
  return kept.length
}
