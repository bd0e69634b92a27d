import { sourceKeyOf, type SourceKey } from '../domain/source-key.ts'
import type { X2crmRecord } from '../source/x2crm/types.ts'
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

/** Why a closed row whose X2CRM record has not changed since it was loaded is neither reopened nor loaded. */
export const CLOSED_UNCHANGED = 'closed in Dataverse and unchanged in X2CRM'

/** A closed row of a phase's table that a run of x2d365 wrote: its id and its record's hash when it was loaded. */
export interface ClosedRow {
  targetId: string
  /** The content hash the ledger kept for the record (load-phase.ts `loadedHash`); none when it kept none. */
  loadedHash?: string
}

/**
 * Whether a closed row stays as it is: its record's hash now is the one it was loaded with (X2CRM and the map's
 * columns for it are unchanged), so loading it again would change nothing and closing it again would add a second
 * close to the customer's timeline. Without a kept hash it counts as changed. Pure.
 */
export const staysClosed = (row: ClosedRow, hashNow: string): boolean =>
  row.loadedHash !== undefined && row.loadedHash === hashNow

/**
 * Why a won or closed quote whose X2CRM record changed is not written: Dataverse cannot reopen one (ReviseQuote makes
 * a new draft revision, a new quote), so the change would only be refused.
 * https://learn.microsoft.com/previous-versions/dynamicscrm-2016/developers-guide/mt607543(v=crm.8)
 */
export const QUOTE_READ_ONLY =
  'the quote is won or closed in Dataverse and read-only: the change is not written (revise the quote in Dataverse to change it)'

/**
 * The rows of a phase's table that count as closed, as an OData filter: a case or opportunity that is not open; a
 * quote that is won (2) or closed (3). Undefined for a table whose rows are never closed by x2d365. Pure.
 */
export function closedFilterOf(phase: PlannedPhase): string | undefined {
  const map = phase.entityMap
  if (map.quoteStates !== undefined) return 'statecode eq 2 or statecode eq 3'
  if (map.caseClose !== undefined || map.close !== undefined) return 'statecode ne 0'
  return undefined
}

/**
 * Before a phase of cases, opportunities or quotes loads: the closed rows of its table that a run of x2d365 wrote, by
 * the source key of their record of the phase's class, with the hash each record was loaded with. Rows no run wrote
 * are left alone. Empty for a phase of another table.
 */
export async function closedRowsOf(
  phase: PlannedPhase,
  deps: { target: Pick<DataverseTarget, 'query'>; ledger: Pick<Ledger, 'sourcesOf' | 'contentHashes'> },
): Promise<Map<SourceKey, ClosedRow>> {
  const rows = new Map<SourceKey, ClosedRow>()
  const filter = closedFilterOf(phase)
  if (filter === undefined) return rows
  const { entitySet, primaryId } = phase.table
  const closed: string[] = []
  for await (const row of deps.target.query(entitySet, { select: [primaryId], filter }))
    if (typeof row[primaryId] === 'string') closed.push(row[primaryId])
  if (closed.length === 0) return rows
  const { entity } = phase.entityMap
  const prefix = sourceKeyOf(entity, '')
  for (const [targetId, keys] of await deps.ledger.sourcesOf(closed))
    for (const key of keys) if (key.startsWith(prefix)) rows.set(key, { targetId })
  if (rows.size === 0) return rows
  for await (const { id, hash } of deps.ledger.contentHashes.hashes(entity)) {
    const row = rows.get(sourceKeyOf(entity, id))
    if (row !== undefined) row.loadedHash = hash
  }
  return rows
}

/** What a phase does with the closed rows of its table, batch by batch as their records arrive. */
export interface ClosedRowsGate {
  /**
   * Of these records, the source keys whose rows stay closed, with the reason the phase skips them: unchanged
   * ({@link staysClosed}), or a won or closed quote, which cannot be reopened. The closed rows of the others (cases,
   * opportunities) are reopened first, to be loaded and closed again at the end as X2CRM says.
   */
  settle(records: readonly X2crmRecord[]): Promise<Map<SourceKey, string>>
}

/**
 * The gate of a phase of cases or opportunities: a closed case or opportunity is read-only in Dataverse ("When you
 * close an opportunity, the opportunity is marked as complete, and can't be changed. To make further changes to an
 * opportunity, you can reopen it." https://learn.microsoft.com/en-us/troubleshoot/dynamics-365/sales/troubleshoot-opportunities-issues),
 * so a closed row whose record changed is reopened just before its batch loads; one whose record did not change is
 * left closed and its record skipped, so a second run writes no second opportunityclose (Dataverse keeps the first
 * when an opportunity is reopened) and churns no incidentresolution. Undefined when the table holds no closed row
 * of ours.
 */
export async function closedRowsGate(
  phase: PlannedPhase,
  runId: string,
  hashOf: (record: X2crmRecord) => string,
  deps: {
    target: ReopenTarget
    ledger: Pick<Ledger, 'sourcesOf' | 'contentHashes'> & ReopenLedger
  },
): Promise<ClosedRowsGate | undefined> {
  const closed = await closedRowsOf(phase, deps)
  if (closed.size === 0) return undefined
  const { entity } = phase.entityMap
  const reopens = phase.entityMap.quoteStates === undefined
  return {
    async settle(records) {
      const stay = new Map<SourceKey, string>()
      const reopen = new Map<string, SourceKey>()
      for (const record of records) {
        const sourceKey = sourceKeyOf(entity, Number(record['id']))
        const row = closed.get(sourceKey)
        if (row === undefined) continue
        if (staysClosed(row, hashOf(record))) stay.set(sourceKey, CLOSED_UNCHANGED)
        else if (!reopens) stay.set(sourceKey, QUOTE_READ_ONLY)
        else reopen.set(row.targetId, sourceKey)
        // Settled once: a row reopened here is open now, and a resumed batch must not reopen it again.
        closed.delete(sourceKey)
      }
      await reopenRows(phase, runId, reopen, deps)
      return stay
    },
  }
}

/** Reopens these closed rows (by target id, with their source key), keeping their intents and images first. */
async function reopenRows(
  phase: PlannedPhase,
  runId: string,
  rows: ReadonlyMap<string, SourceKey>,
  deps: { target: ReopenTarget; ledger: ReopenLedger },
): Promise<number> {
  if (rows.size === 0) return 0
  const images = await readExisting(deps.target, phase.table, [...rows.keys()], stateImageColumns(phase))
  await keepImages(
    phase,
    runId,
    new Map(
      [...images].map(([id, values]) => {
        const sourceKey = rows.get(id) ?? rows.get(id.toLowerCase())
        return [id, { values, ...(sourceKey !== undefined && { sourceKey }) }]
      }),
    ),
    deps.ledger,
  )
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
