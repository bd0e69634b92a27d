import { sourceKeyOf, type SourceKey } from '../domain/source-key.ts'
import type { Ledger } from '../ledger/ledger.ts'
import { targetIdFor } from '../mapping/target-id.ts'
import type { CaseCloseRule } from '../mapping/types.ts'
import { rowPhaseName, type PlannedPhase } from '../plan/plan-load.ts'
import { unixToIso } from '../source/x2crm/normalize/scalars.ts'
import type { X2crmRecord, X2crmSource } from '../source/x2crm/types.ts'
import { refusalOfError } from '../target/dataverse/refusal.ts'
import type { DataverseBulkTarget, TableRef } from '../target/dataverse/types.ts'
import { recordsAmong } from './records-among.ts'
import { CLOSING_PHASES, recordPlannedRows, type IntentScope } from './closing-intents.ts'

export const INCIDENT_RESOLUTION: TableRef = {
  logicalName: 'incidentresolution',
  entitySet: 'incidentresolutions',
  primaryId: 'activityid',
}

/** Resolved → statecode 1 with statuscode 5 (Problem Solved); cancelled → statecode 2 with statuscode 6. */
export type CaseState = 'open' | 'resolved' | 'cancelled'

/** What closing the cases did. */
export interface CaseCloseSummary {
  resolved: number
  cancelled: number
  /** Already resolved or cancelled in Dataverse as X2CRM says (a run before closed them). */
  alreadyClosed: number
  failed: { sourceKey: SourceKey; reason: string }[]
}

const textOf = (value: unknown) =>
  typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : ''
const norm = (value: unknown) => (typeof value === 'string' ? value.trim().toLowerCase() : '')

/** Open, resolved or cancelled, as the case's status says (compared trimmed, ignoring case). Pure. */
export function caseStateOf(rule: CaseCloseRule, record: X2crmRecord): CaseState {
  const status = norm(record[rule.field])
  if (status === '') return 'open'
  if (rule.resolved.some((r) => norm(r) === status)) return 'resolved'
  if (rule.cancelled.some((c) => norm(c) === status)) return 'cancelled'
  return 'open'
}

/** The statecode Dataverse holds for a case in this state. */
export const STATECODE: Readonly<Record<CaseState, number>> = { open: 0, resolved: 1, cancelled: 2 }

/**
 * The CloseIncident body resolving one case: its incidentresolution has a deterministic id (so a later run that
 * reopens and closes the case again writes the same row), the resolution text (else "Resolved: <title>") as its
 * subject and the first of `closeDate`'s fields that holds a date as its end. Pure.
 * https://learn.microsoft.com/en-us/previous-versions/dynamicscrm-2016/developers-guide/mt607498(v=crm.8)
 */
export function closeIncidentBody(
  rule: CaseCloseRule,
  record: X2crmRecord,
  targetId: string,
  resolutionId: string,
): Record<string, unknown> {
  const resolution = rule.resolution === undefined ? '' : textOf(record[rule.resolution])
  const title = textOf(record['subject']) || textOf(record['name'])
  const subject = resolution !== '' ? resolution : `Resolved: ${title}`
  const closedOn = (rule.closeDate ?? [])
    .map((field) => unixToIso(record[field]).value)
    .find((value) => value !== null)
  return {
    Status: 5,
    IncidentResolution: {
      activityid: resolutionId,
      subject: subject.slice(0, 200),
      'incidentid@odata.bind': `/incidents(${targetId})`,
      ...(closedOn !== undefined && { actualend: closedOn }),
    },
  }
}

/** The deterministic id of a case's incidentresolution. */
export function resolutionIdFor(instance: string, caseId: number): string {
  return targetIdFor(instance, 'Services.resolution', caseId)
}

interface CaseDeps {
  source: X2crmSource
  target: DataverseBulkTarget
  ledger: Pick<Ledger, 'loaded' | 'sourcesOf'>
}

/**
 * After every phase and link pass: resolves (CloseIncident with an incidentresolution) or cancels (statecode 2,
 * statuscode 6) the cases X2CRM closed. A case Dataverse already holds in that state is left as it is; one not in
 * Dataverse is not closed; a refusal is kept with Dataverse's reason and the others still close.
 */
export async function closeCases(
  phases: readonly PlannedPhase[],
  instance: string,
  deps: CaseDeps,
  /** Where the intent of each incidentresolution is recorded before CloseIncident is sent. */
  scope?: IntentScope,
  /** Only these records, read by id (a changelog delta: those it loaded); @default every record of the class */
  only?: ReadonlySet<string>,
): Promise<CaseCloseSummary> {
  const summary: CaseCloseSummary = { resolved: 0, cancelled: 0, alreadyClosed: 0, failed: [] }
  const callAction = deps.target.callAction?.bind(deps.target)
  for (const phase of phases) {
    const rule = phase.entityMap.caseClose
    if (phase.pass !== 1 || rule === undefined) continue
    const wanted: { record: X2crmRecord; sourceKey: SourceKey; state: CaseState }[] = []
    for await (const record of recordsAmong(deps.source, phase.entity, only)) {
      if (only !== undefined && !only.has(sourceKeyOf(phase.entity, Number(record['id'])))) continue
      const state = caseStateOf(rule, record)
      if (state !== 'open')
        wanted.push({ record, sourceKey: sourceKeyOf(phase.entity, Number(record['id'])), state })
    }
    const loaded = await deps.ledger.loaded(wanted.map((w) => w.sourceKey))
    const states = await statesOf(
      deps.target,
      phase.table,
      [...loaded.values()].map((r) => r.targetId),
    )
    for (const { record, sourceKey, state } of wanted) {
      const row = loaded.get(sourceKey)
      if (row === undefined || rowPhaseName(row.phase) !== phase.name) continue
      const current = states.get(row.targetId.toLowerCase())
      if (current === undefined) continue
      if (current === STATECODE[state]) {
        summary.alreadyClosed++
        continue
      }
      try {
        if (state === 'resolved') {
          if (callAction === undefined) continue
          const resolutionId = resolutionIdFor(instance, Number(record['id']))
          // Intent before effect: the ledger holds the resolution's id before the action leaves (a resolution there
          // already is deleted first: the one left is this run's).
          await recordPlannedRows(scope, CLOSING_PHASES.caseResolution, INCIDENT_RESOLUTION, [
            { targetId: resolutionId, sourceKey },
          ])
          // A reopened case keeps the resolution written before: it goes, so the close writes it again as it is now.
          await deps.target.delete(INCIDENT_RESOLUTION, resolutionId)
          await callAction('CloseIncident', closeIncidentBody(rule, record, row.targetId, resolutionId))
          summary.resolved++
        } else {
          await deps.target.update(phase.table, {
            targetId: row.targetId,
            values: { statecode: 2, statuscode: 6 },
          })
          summary.cancelled++
        }
      } catch (error) {
        const refusal = refusalOfError(error)
        if (refusal === undefined) throw error
        summary.failed.push({
          sourceKey,
          reason: `Dataverse refused to ${state === 'resolved' ? 'resolve' : 'cancel'} the case (${refusal.httpStatus} ${refusal.code ?? ''}): ${refusal.reason}`,
        })
      }
    }
  }
  return summary
}

/** The statecode of each of these rows, read 50 ids a query. */
async function statesOf(
  target: DataverseBulkTarget,
  table: TableRef,
  ids: readonly string[],
): Promise<Map<string, number>> {
  const states = new Map<string, number>()
  for (let i = 0; i < ids.length; i += 50) {
    const filter = ids
      .slice(i, i + 50)
      .map((id) => `${table.primaryId} eq ${id}`)
      .join(' or ')
    for await (const row of target.query(table.entitySet, {
      select: [table.primaryId, 'statecode'],
      filter,
    })) {
      const id = row[table.primaryId]
      if (typeof id === 'string') states.set(id.toLowerCase(), Number(row['statecode'] ?? 0))
    }
  }
  return states
}

/**
 * For verify: the state a case's row should hold (resolved, cancelled or open, as X2CRM's status says) against the
 * state it holds; undefined when they agree or the map does not close cases. Pure.
 */
export function caseStateMismatch(
  rule: CaseCloseRule | undefined,
  record: X2crmRecord | undefined,
  row: Readonly<Record<string, unknown>>,
): { field: string; column: string; expected: unknown; actual: unknown } | undefined {
  if (rule === undefined || record === undefined) return undefined
  const expected = STATECODE[caseStateOf(rule, record)]
  const actual = row['statecode'] ?? null
  return actual === expected ? undefined : { field: rule.field, column: 'statecode', expected, actual }
}
