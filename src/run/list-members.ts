import { sourceKeyOf, type SourceKey } from '../domain/source-key.ts'
import type { Ledger } from '../ledger/ledger.ts'
import { rowPhaseName, type PlannedPhase } from '../plan/plan-load.ts'
import type { RelatedReaders } from '../source/x2crm/related.ts'
import type { X2crmSource } from '../source/x2crm/types.ts'
import { refusalOfError } from '../target/dataverse/refusal.ts'
import type { DataverseBulkTarget } from '../target/dataverse/types.ts'
import { recordListMembers, type IntentScope } from './closing-intents.ts'

/** Members per AddListMembersList call. */
const MEMBERS_PER_CALL = 100

/** What adding the static lists' members did. */
export interface ListMembersSummary {
  /** Static lists whose members were read. */
  lists: number
  /** Members sent to their lists (a member already on its list is left as it is). */
  added: number
  /** Members whose record is not in Dataverse (not migrated, quarantined): left off, per list. */
  notMigrated: number
  /**
   * Members loaded into another table than the list's members (a contact the map's split made a lead): a marketing
   * list holds one type of member, so they are left off.
   */
  otherTable: number
  /** Members X2CRM knows only by an e-mail address: a marketing list holds records, so they are left off. */
  emailOnly: number
  /** Dynamic lists: created empty, their criteria are in the reconstruction document (`x2d365 docs`). */
  dynamic: number
  /** Static lists whose members the source cannot give (X2CRM's API has no list members: use source.mysql). */
  unread: number
  failed: { sourceKey: SourceKey; reason: string }[]
}

/** Static or dynamic, as X2CRM's list `type` says (anything but `dynamic` has members of its own). Pure. */
export function isDynamicList(type: unknown): boolean {
  return typeof type === 'string' && type.trim().toLowerCase() === 'dynamic'
}

/** The AddListMembersList body for one list and these member rows. Pure. */
export function addListMembersBody(
  listId: string,
  memberTable: string,
  memberIds: readonly string[],
): Record<string, unknown> {
  // https://learn.microsoft.com/en-us/previous-versions/dynamicscrm-2016/developers-guide/mt607641(v=crm.8)
  return {
    List: { listid: listId },
    Members: memberIds.map((id) => ({
      '@odata.type': `Microsoft.Dynamics.CRM.${memberTable}`,
      [`${memberTable}id`]: id,
    })),
  }
}

/**
 * After every phase: adds each static X2CRM list's members to its marketing list through AddListMembersList, in
 * calls of 100. A member must be a record in Dataverse: one not migrated, or known only by an e-mail address, is
 * left off and counted. A refused call is kept with Dataverse's reason, and the other lists still fill.
 */
export async function addListMembers(
  phases: readonly PlannedPhase[],
  deps: {
    source: X2crmSource
    related?: Pick<RelatedReaders, 'listMembers'>
    target: DataverseBulkTarget
    ledger: Pick<Ledger, 'loaded'>
  },
  /** Where each list whose members are added is recorded before the first call is sent. */
  scope?: IntentScope,
): Promise<ListMembersSummary> {
  const summary: ListMembersSummary = {
    lists: 0,
    added: 0,
    notMigrated: 0,
    otherTable: 0,
    emailOnly: 0,
    dynamic: 0,
    unread: 0,
    failed: [],
  }
  const callAction = deps.target.callAction?.bind(deps.target)
  const tableOfPhase = new Map(phases.map((p) => [p.name, p.entityMap.table.logicalName]))
  for (const phase of phases) {
    const rule = phase.entityMap.listMembers
    if (phase.pass !== 1 || rule === undefined || callAction === undefined) continue
    for await (const list of deps.source.records(phase.entity)) {
      const listKey = sourceKeyOf(phase.entity, Number(list['id']))
      if (isDynamicList(list[rule.typeField ?? 'type'])) {
        summary.dynamic++
        continue
      }
      const listRow = (await deps.ledger.loaded([listKey])).get(listKey)
      if (listRow === undefined || rowPhaseName(listRow.phase) !== phase.name) continue
      if (deps.related?.listMembers === undefined) {
        summary.unread++
        continue
      }
      summary.lists++
      const keys: SourceKey[] = []
      for await (const member of deps.related.listMembers(Number(list['id']))) {
        if (member.recordId === null || member.recordId <= 0) summary.emailOnly++
        else keys.push(sourceKeyOf(rule.memberOf.entity, member.recordId))
      }
      const loaded = await deps.ledger.loaded(keys)
      const memberTable = rule.memberOf.table.logicalName
      const rows = keys.flatMap((k) => {
        const row = loaded.get(k)
        return row === undefined ? [] : [row]
      })
      const members = rows.filter((row) => tableOfPhase.get(rowPhaseName(row.phase)) === memberTable)
      const ids = [...new Set(members.map((row) => row.targetId))]
      summary.notMigrated += keys.filter((k) => !loaded.has(k)).length
      summary.otherTable += rows.length - members.length
      // Intent before effect: the member rows get ids only Dataverse knows, so the ledger holds their list.
      if (ids.length > 0) await recordListMembers(scope, listRow.targetId, listKey)
      for (let i = 0; i < ids.length; i += MEMBERS_PER_CALL) {
        const chunk = ids.slice(i, i + MEMBERS_PER_CALL)
        try {
          await callAction(
            'AddListMembersList',
            addListMembersBody(listRow.targetId, rule.memberOf.table.logicalName, chunk),
          )
          summary.added += chunk.length
        } catch (error) {
          const refusal = refusalOfError(error)
          if (refusal === undefined) throw error
          summary.failed.push({
            sourceKey: listKey,
            reason: `Dataverse refused AddListMembersList for ${chunk.length} members (${refusal.httpStatus} ${refusal.code ?? ''}): ${refusal.reason}`,
          })
        }
      }
    }
  }
  return summary
}
