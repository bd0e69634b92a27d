import { sourceKeyOf, type SourceKey } from '../domain/source-key.ts'
import type { Ledger } from '../ledger/ledger.ts'
import { targetIdFor } from '../mapping/target-id.ts'
import type { CaseCloseRule } from '../mapping/types.ts'
import { rowPhaseName, type PlannedPhase } from '../plan/plan-load.ts'
import { unixToIso } from '../source/x2crm/normalize/scalars.ts'
import type { X2crmRecord, X2crmSource } from '../source/x2crm/types.ts'
import type { Refusal } from '../target/dataverse/refusal.ts'
import type { DataverseBulkTarget, TableRef } from '../target/dataverse/types.ts'
import { readExisting } from './before-image.ts'
import { recordsAmong } from './records-among.ts'
import { canCallActions, inBatches, sendActions, writeRows } from './send-actions.ts'
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
 * statuscode 6) the cases X2CRM closed, many to a `$batch` (each a request of its own, so a refused one fails alone).
 * A case Dataverse already holds in that state is left as it is; one not in Dataverse is not closed; a refusal is
 * kept with Dataverse's reason and the others still close.
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
    const resolve: CaseClose[] = []
    const cancel: CaseClose[] = []
    for (const { record, sourceKey, state } of wanted) {
      const row = loaded.get(sourceKey)
      if (row === undefined || rowPhaseName(row.phase) !== phase.name) continue
      const current = states.get(row.targetId.toLowerCase())
      if (current === undefined) continue
      if (current === STATECODE[state]) {
        summary.alreadyClosed++
        continue
      }
      const close = { record, sourceKey, targetId: row.targetId }
      if (state === 'cancelled') cancel.push(close)
      else if (canCallActions(deps.target)) resolve.push(close)
    }
    const resolved = await inBatches(resolve, (part) =>
      resolveCases(part, rule, instance, deps.target, scope),
    )
    // Cancelled: statecode 2 with statuscode 6, a PATCH each, many to a `$batch`.
    const cancelled = await inBatches(cancel, (part) =>
      writeRows(
        deps.target,
        phase.table,
        part.map((c) => ({ targetId: c.targetId, values: { statecode: 2, statuscode: 6 } })),
        'update',
      ),
    )
    const doneBefore = await cancelledByLostAnswer(deps.target, phase.table, cancel, cancelled)
    const book = (
      cases: readonly CaseClose[],
      refusals: readonly (Refusal | undefined)[],
      state: CaseState,
    ) =>
      cases.forEach((c, i) => {
        const refusal = refusals[i]
        if (refusal === undefined || doneBefore.has(c)) {
          if (state === 'resolved') summary.resolved++
          else summary.cancelled++
          return
        }
        summary.failed.push({
          sourceKey: c.sourceKey,
          reason: `Dataverse refused to ${state === 'resolved' ? 'resolve' : 'cancel'} the case (${refusal.httpStatus} ${refusal.code}): ${refusal.reason}`,
        })
      })
    book(resolve, resolved, 'resolved')
    book(cancel, cancelled, 'cancelled')
  }
  return summary
}

/** A case to close: its X2CRM record and its row. */
interface CaseClose {
  record: X2crmRecord
  sourceKey: SourceKey
  targetId: string
}

/**
 * Resolves these cases: their incidentresolutions' intents are recorded, a resolution there already (a case reopened
 * since a run before) is deleted, then CloseIncident writes each again as it is now. The deletes go in a `$batch` of
 * their own before the closes: a batch sent again after a lost answer must not delete what the closes wrote. Per case:
 * undefined when resolved, else Dataverse's refusal (of the delete or of the close).
 */
async function resolveCases(
  cases: readonly CaseClose[],
  rule: CaseCloseRule,
  instance: string,
  target: DataverseBulkTarget,
  scope: IntentScope | undefined,
): Promise<(Refusal | undefined)[]> {
  const resolutionIds = cases.map((c) => resolutionIdFor(instance, Number(c.record['id'])))
  // Intent before effect: the ledger holds the resolutions' ids before the actions leave.
  await recordPlannedRows(
    scope,
    CLOSING_PHASES.caseResolution,
    INCIDENT_RESOLUTION,
    cases.map((c, i) => ({ targetId: resolutionIds[i] ?? '', sourceKey: c.sourceKey })),
  )
  const deleted = await writeRows(
    target,
    INCIDENT_RESOLUTION,
    resolutionIds.map((targetId) => ({ targetId, values: {} })),
    'delete',
  )
  const ready = cases.flatMap((c, i) => (deleted[i] === undefined ? [i] : []))
  const outcomes = await sendActions(
    target,
    ready.map((i) => {
      const c = cases[i] as CaseClose
      return {
        name: 'CloseIncident',
        body: closeIncidentBody(rule, c.record, c.targetId, resolutionIds[i] ?? ''),
      }
    }),
  )
  // A refused close whose resolution is there resolved its case all the same: the resolution was deleted just before,
  // so the close wrote it, in a `$batch` whose answer was lost and that was sent again (and then refused as resolved).
  const refusedIds = ready.flatMap((caseIndex, i) =>
    outcomes[i]?.status === 'refused' ? [resolutionIds[caseIndex] ?? ''] : [],
  )
  const there =
    refusedIds.length === 0 ? new Map() : await readExisting(target, INCIDENT_RESOLUTION, refusedIds, [])
  const written = new Set([...there.keys()].map((id) => String(id).toLowerCase()))
  const refusals: (Refusal | undefined)[] = [...deleted]
  ready.forEach((caseIndex, i) => {
    const outcome = outcomes[i]
    const wrote = written.has((resolutionIds[caseIndex] ?? '').toLowerCase())
    refusals[caseIndex] = outcome?.status === 'refused' && !wrote ? outcome : undefined
  })
  return refusals
}

/**
 * The refused cancels this run made all the same: a `$batch` whose answer was lost is sent again, and Dataverse then
 * refuses to change the case the first sending cancelled. Those whose case is cancelled now.
 */
async function cancelledByLostAnswer(
  target: DataverseBulkTarget,
  table: TableRef,
  cancel: readonly CaseClose[],
  cancelled: readonly (Refusal | undefined)[],
): Promise<Set<CaseClose>> {
  const refused = cancel.filter((_, i) => cancelled[i] !== undefined)
  if (refused.length === 0) return new Set()
  const states = await statesOf(
    target,
    table,
    refused.map((c) => c.targetId),
  )
  return new Set(refused.filter((c) => states.get(c.targetId.toLowerCase()) === STATECODE.cancelled))
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
