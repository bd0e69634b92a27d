import type { SourceKey } from '../domain/source-key.ts'
import type { IntentStore, WriteIntent } from '../ledger/intent-store.ts'
import type { RunInfo } from '../ledger/ledger.ts'
import { tableRefFor } from '../mapping/known-tables.ts'
import type { DataverseBulkTarget, DataverseTarget, TableRef } from '../target/dataverse/types.ts'
import { readRowsById, type Leftover } from './rollback-check.ts'

/**
 * The phases under which the steps after the load (closing opportunities and cases, list members, tag rows,
 * connections) record their write intents: not load phases, so the load's undo never reads them.
 */
export const CLOSING_PHASES = {
  /** An opportunityclose WinOpportunity / LoseOpportunity creates (under a deterministic id). */
  opportunityClose: 'Close.opportunities',
  /** An incidentresolution CloseIncident creates (under a deterministic id). */
  caseResolution: 'Close.cases',
  /** A list whose member rows AddListMembersList may add: the member rows' ids are Dataverse's own. */
  listMembers: 'Lists.members',
  /** A row of the tag table (`settings.tags` `mode: table`), deterministic id. */
  tagRows: 'Tags.rows',
  /** A connection made from an X2CRM relationship, deterministic id. */
  connections: 'Relationships.connections',
  /** A quote WinQuote / CloseQuote may close: its quoteclose row gets an id only Dataverse knows. */
  quoteCloses: 'Sales.quotes',
} as const

const CLOSING = new Set<string>(Object.values(CLOSING_PHASES))

const OPPORTUNITY = tableRefFor('opportunity')
export const OPPORTUNITY_CLOSE = tableRefFor('opportunityclose')
const INCIDENT = tableRefFor('incident')
const INCIDENT_RESOLUTION = tableRefFor('incidentresolution', {
  entitySet: 'incidentresolutions',
  primaryId: 'activityid',
})
const LIST = tableRefFor('list')
const QUOTE_CLOSE = tableRefFor('quoteclose', { entitySet: 'quotecloses', primaryId: 'activityid' })
const LIST_MEMBER = tableRefFor('listmember')

/** Where a step after the load records what it may write: the run, and the ledger's intents. */
export interface IntentScope {
  runId: string
  intents: Pick<IntentStore, 'record'>
}

/** A row a step means to write under a known id, and the source record it is written for. */
export interface PlannedRow {
  targetId: string
  sourceKey: SourceKey
}

/**
 * Records, before the request leaves, the intents of rows a step may create under known ids: a row already in
 * Dataverse (an earlier run wrote it) is recorded as there, so a rollback of this run leaves it. Reads which exist (one
 * query per ~250 ids); without `target`, the rows are new (an id of this run's own, or a row the step deletes first).
 * Without a scope (a unit test calling the step alone) records nothing.
 */
export async function recordPlannedRows(
  scope: IntentScope | undefined,
  phase: string,
  table: TableRef,
  rows: readonly PlannedRow[],
  target?: Pick<DataverseTarget, 'query'>,
): Promise<void> {
  if (scope === undefined || rows.length === 0) return
  const there =
    target === undefined
      ? new Map<string, unknown>()
      : await readRowsById(
          target,
          table,
          rows.map((r) => r.targetId),
          [],
        )
  const present = new Set([...there.keys()].map((id) => id.toLowerCase()))
  await scope.intents.record(
    scope.runId,
    phase,
    rows.map(({ targetId, sourceKey }) => ({
      targetId,
      sourceKey,
      entitySet: table.entitySet,
      existed: present.has(targetId.toLowerCase()),
    })),
  )
}

/** Records the lists whose members a step may add (list member rows get ids only Dataverse knows). */
export async function recordListMembers(
  scope: IntentScope | undefined,
  listId: string,
  listKey: SourceKey,
): Promise<void> {
  if (scope === undefined) return
  await scope.intents.record(scope.runId, CLOSING_PHASES.listMembers, [
    { targetId: listId, sourceKey: listKey, entitySet: LIST_MEMBER.entitySet, existed: false },
  ])
}

/**
 * Records a quote WinQuote or CloseQuote may close, before the request leaves: the quoteclose row it creates gets an
 * id only Dataverse knows, so the ledger names the quote (as it names a list for its members).
 */
export async function recordQuoteCloses(
  scope: IntentScope | undefined,
  quoteId: string,
  quoteKey: SourceKey,
): Promise<void> {
  if (scope === undefined) return
  await scope.intents.record(scope.runId, CLOSING_PHASES.quoteCloses, [
    { targetId: quoteId, sourceKey: quoteKey, entitySet: QUOTE_CLOSE.entitySet, existed: false },
  ])
}

/** Phases whose intents name a parent row (a list, a quote), not the rows Dataverse created under it. */
const BY_PARENT = new Set<string>([CLOSING_PHASES.listMembers, CLOSING_PHASES.quoteCloses])

/** The table of a closing intent's rows. Pure. */
function tableOfIntent(intent: Pick<WriteIntent, 'entitySet'>): TableRef {
  if (intent.entitySet === OPPORTUNITY_CLOSE.entitySet) return OPPORTUNITY_CLOSE
  if (intent.entitySet === INCIDENT_RESOLUTION.entitySet) return INCIDENT_RESOLUTION
  if (intent.entitySet === 'connections') return tableRefFor('connection')
  // A custom tag table: `new_x2crmtags` holds `new_x2crmtag` rows keyed by `new_x2crmtagid`.
  const logicalName = intent.entitySet.replace(/s$/, '')
  return tableRefFor(logicalName, { entitySet: intent.entitySet, primaryId: `${logicalName}id` })
}

/** The intents of a run's steps after the load that name rows the run may have created. */
async function closingIntents(ledger: { intents: Pick<IntentStore, 'all'> }, runId: string) {
  const intents: WriteIntent[] = []
  for await (const intent of ledger.intents.all(runId))
    if (CLOSING.has(intent.phase) && !intent.existed) intents.push(intent)
  return intents
}

/**
 * For `rollback --dry-run`: the rows under known ids a run's steps after the load may have created, per phase and
 * entity set, as rollback would delete them (list members are left out: their ids are Dataverse's own).
 */
export async function closingRowsToDelete(
  ledger: { intents: Pick<IntentStore, 'all'> },
  runId: string,
): Promise<{ phase: string; entitySet: string; targetIds: string[] }[]> {
  const groups = new Map<string, { phase: string; entitySet: string; targetIds: string[] }>()
  for (const intent of await closingIntents(ledger, runId)) {
    if (BY_PARENT.has(intent.phase)) continue
    const key = `${intent.phase}\n${intent.entitySet}`
    const group = groups.get(key) ?? { phase: intent.phase, entitySet: intent.entitySet, targetIds: [] }
    group.targetIds.push(intent.targetId)
    groups.set(key, group)
  }
  return [...groups.values()]
}

export type ClosingUndoTarget = Pick<DataverseTarget, 'query'> &
  Pick<DataverseBulkTarget, 'update' | 'delete'> &
  Partial<Pick<DataverseBulkTarget, 'callBoundAction'>>

/** What undoing the steps after the load did. */
export interface ClosingUndo {
  /** Opportunities and cases reopened (their close was this run's). */
  reopened: number
  /** Rows deleted: opportunitycloses, incidentresolutions, quotecloses, tag rows, connections, list members. */
  deleted: number
  /** Opportunityclose intents the run recorded: none in a ledger from before them (its summary says what it closed). */
  opportunityCloses: number
}

/**
 * Undoes what a run's steps after the load may have written, from the intents they recorded before each request (so
 * also when the run was killed before it recorded any outcome): an opportunityclose or incidentresolution of this run
 * that is there reopens its opportunity or case (statecode 0, statuscode 1: a closed one is read-only) and goes; tag
 * rows and connections the run created go; members added to a list since the run started leave it (RemoveMemberList,
 * else DELETE of the listmember row). Rows that were there before the run are left. Safe to run again.
 */
export async function undoClosingRows(
  run: Pick<RunInfo, 'runId' | 'startedAt'>,
  ledger: { intents: Pick<IntentStore, 'all'> },
  target: ClosingUndoTarget,
): Promise<ClosingUndo> {
  const result: ClosingUndo = { reopened: 0, deleted: 0, opportunityCloses: 0 }
  for (const intent of await closingIntents(ledger, run.runId)) {
    if (intent.phase === CLOSING_PHASES.opportunityClose) result.opportunityCloses++
    if (intent.phase === CLOSING_PHASES.listMembers) {
      result.deleted += await removeMembersAdded(intent.targetId, run, target)
      continue
    }
    if (intent.phase === CLOSING_PHASES.quoteCloses) {
      // A won or closed quote cannot be reopened (ReviseQuote makes a new draft revision): its quoteclose rows of
      // this run go here, and the quote itself with the load's undo when the run created it.
      for (const closeId of await quoteClosesAdded(intent.targetId, run, target))
        if ((await target.delete(QUOTE_CLOSE, closeId)) === 'deleted') result.deleted++
      continue
    }
    const table = tableOfIntent(intent)
    if (intent.phase === CLOSING_PHASES.opportunityClose || intent.phase === CLOSING_PHASES.caseResolution) {
      const parent = intent.phase === CLOSING_PHASES.opportunityClose ? OPPORTUNITY : INCIDENT
      const lookup = `_${parent.primaryId}_value`
      const close = (await readRowsById(target, table, [intent.targetId], [lookup])).get(intent.targetId)
      if (close === undefined) continue
      const parentId = close[lookup]
      if (typeof parentId === 'string' && (await reopen(parent, parentId, target))) result.reopened++
    }
    if ((await target.delete(table, intent.targetId)) === 'deleted') result.deleted++
  }
  return result
}

/** Reopens a closed opportunity or case (statecode 0 Open, statuscode 1 In Progress); false when open or gone. */
async function reopen(table: TableRef, id: string, target: ClosingUndoTarget): Promise<boolean> {
  const row = (await readRowsById(target, table, [id], ['statecode'])).get(id)
  const state = row?.['statecode']
  if (row === undefined || state === 0 || state === null || state === undefined) return false
  return (await target.update(table, { targetId: id, values: { statecode: 0, statuscode: 1 } })) === 'updated'
}

/** The quoteclose rows of a quote created since the run started (one closed earlier keeps its own). */
async function quoteClosesAdded(
  quoteId: string,
  run: Pick<RunInfo, 'startedAt'>,
  target: Pick<DataverseTarget, 'query'>,
): Promise<string[]> {
  const since = Date.parse(run.startedAt) - 1000
  const added: string[] = []
  for await (const row of target.query(QUOTE_CLOSE.entitySet, {
    select: ['activityid', 'createdon'],
    filter: `_quoteid_value eq ${quoteId}`,
  })) {
    const created = typeof row['createdon'] === 'string' ? Date.parse(row['createdon']) : Number.NaN
    if (typeof row['activityid'] === 'string' && !(created < since)) added.push(row['activityid'])
  }
  return added
}

/** The members added to a list since the run started: its listmember rows created then. */
async function membersAdded(
  listId: string,
  run: Pick<RunInfo, 'startedAt'>,
  target: Pick<DataverseTarget, 'query'>,
): Promise<{ listmemberid: string; entityId: string }[]> {
  const since = Date.parse(run.startedAt) - 1000
  const added: { listmemberid: string; entityId: string }[] = []
  for await (const row of target.query(LIST_MEMBER.entitySet, {
    select: ['listmemberid', '_entityid_value', 'createdon'],
    filter: `_listid_value eq ${listId}`,
  })) {
    const created = typeof row['createdon'] === 'string' ? Date.parse(row['createdon']) : Number.NaN
    // Only what this run added: a member on the list before (a run before, or a person) stays.
    if (typeof row['listmemberid'] === 'string' && !(created < since))
      added.push({
        listmemberid: row['listmemberid'],
        entityId: typeof row['_entityid_value'] === 'string' ? row['_entityid_value'] : '',
      })
  }
  return added
}

async function removeMembersAdded(
  listId: string,
  run: Pick<RunInfo, 'startedAt'>,
  target: ClosingUndoTarget,
): Promise<number> {
  let removed = 0
  for (const member of await membersAdded(listId, run, target)) {
    if (target.callBoundAction !== undefined && member.entityId !== '') {
      // https://learn.microsoft.com/dotnet/api/microsoft.crm.sdk.messages.removememberlistrequest (EntityId: the
      // member's record).
      await target.callBoundAction(LIST, listId, 'RemoveMemberList', { EntityId: member.entityId })
      removed++
    } else if ((await target.delete(LIST_MEMBER, member.listmemberid)) === 'deleted') removed++
  }
  return removed
}

/**
 * After a rollback: the rows a run's steps after the load may have created that are still in Dataverse (should be
 * none), read by id, and the members added to its lists since it started.
 */
export async function closingLeftovers(
  run: Pick<RunInfo, 'runId' | 'startedAt'>,
  ledger: { intents: Pick<IntentStore, 'all'> },
  target: Pick<DataverseTarget, 'query'>,
): Promise<Leftover[]> {
  const leftovers: Leftover[] = []
  for (const intent of await closingIntents(ledger, run.runId)) {
    if (intent.phase === CLOSING_PHASES.listMembers) {
      for (const member of await membersAdded(intent.targetId, run, target))
        leftovers.push({ entitySet: LIST_MEMBER.entitySet, targetId: member.listmemberid })
      continue
    }
    if (intent.phase === CLOSING_PHASES.quoteCloses) {
      for (const closeId of await quoteClosesAdded(intent.targetId, run, target))
        leftovers.push({ entitySet: QUOTE_CLOSE.entitySet, targetId: closeId })
      continue
    }
    const table = tableOfIntent(intent)
    if ((await readRowsById(target, table, [intent.targetId], [])).has(intent.targetId))
      leftovers.push({
        entitySet: table.entitySet,
        targetId: intent.targetId,
        ...(intent.sourceKey !== undefined && { sourceKey: intent.sourceKey }),
      })
  }
  return leftovers
}
