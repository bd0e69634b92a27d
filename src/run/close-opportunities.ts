import { sourceKeyOf, type SourceKey } from '../domain/source-key.ts'
import type { Ledger } from '../ledger/ledger.ts'
import type { OpportunityCloseRule } from '../mapping/types.ts'
import { rowPhaseName, type PlannedPhase } from '../plan/plan-load.ts'
import { parseDecimal, unixToIso } from '../source/x2crm/normalize/scalars.ts'
import type { X2crmRecord, X2crmSource } from '../source/x2crm/types.ts'
import type { ActionOutcome, DataverseBulkTarget } from '../target/dataverse/types.ts'
import { uuidV5, X2D365_NAMESPACE } from '../mapping/target-id.ts'
import { readExisting } from './before-image.ts'
import { recordsAmong } from './records-among.ts'
import { CLOSING_PHASES, OPPORTUNITY_CLOSE, recordPlannedRows, type IntentScope } from './closing-intents.ts'
import { canCallActions, inBatches, sendActions } from './send-actions.ts'

/** How one opportunity is closed: the action and its OpportunityClose. */
export interface CloseRequest {
  sourceKey: SourceKey
  targetId: string
  action: 'WinOpportunity' | 'LoseOpportunity'
  body: Record<string, unknown>
}

/** What closing the opportunities did. */
export interface CloseSummary {
  won: number
  lost: number
  /** Already closed in Dataverse (a run before closed them). */
  alreadyClosed: number
  failed: { sourceKey: SourceKey; reason: string }[]
  /** The opportunities this run closed (their ids), so that a rollback can reopen them. */
  closedIds?: string[]
}

const norm = (value: unknown) => (typeof value === 'string' ? value.trim().toLowerCase() : '')

/**
 * Won, lost, or null (still open) for an opportunity, and the action closing it with an opportunityclose that carries
 * the actual revenue and close date (the first of `closeDate`'s fields that holds one). Pure.
 */
export function closeRequestFor(
  rule: OpportunityCloseRule,
  record: X2crmRecord,
  targetId: string,
  sourceKey: SourceKey,
): CloseRequest | null {
  const stage = norm(record[rule.field])
  const won = rule.won.some((w) => norm(w) === stage)
  const lost = !won && rule.lost.some((l) => norm(l) === stage)
  if (!won && !lost) return null
  const revenue = rule.revenue === undefined ? null : parseDecimal(record[rule.revenue]).value
  const closedOn = (rule.closeDate ?? [])
    .map((field) => unixToIso(record[field]).value)
    .find((value) => value !== null)
  const subject = typeof record['name'] === 'string' && record['name'] !== '' ? record['name'] : sourceKey
  return {
    sourceKey,
    targetId,
    action: won ? 'WinOpportunity' : 'LoseOpportunity',
    body: {
      Status: won ? 3 : 4,
      OpportunityClose: {
        subject: `${won ? 'Won' : 'Lost'}: ${subject}`.slice(0, 200),
        'opportunityid@odata.bind': `/opportunities(${targetId})`,
        ...(revenue !== null && { actualrevenue: revenue }),
        ...(closedOn !== undefined && { actualend: closedOn }),
      },
    },
  }
}

/**
 * After every phase and link pass: closes the opportunities X2CRM has won or lost. Each is loaded open first (as
 * Dataverse requires), then `WinOpportunity` or `LoseOpportunity` creates its opportunityclose and sets its state;
 * the actions go many to a `$batch` (one request of their own each, so a refused one fails alone). An opportunity
 * Dataverse already holds closed is left as it is (a second run), one not in Dataverse is not closed, and a refusal is
 * kept in the summary with Dataverse's reason; the others still close.
 */
export async function closeOpportunities(
  phases: readonly PlannedPhase[],
  deps: { source: X2crmSource; target: DataverseBulkTarget; ledger: Pick<Ledger, 'loaded'> },
  /** Only these records (a delta: those it loaded); @default every record of the class */
  only?: ReadonlySet<string>,
  /** Where the intent of each opportunityclose is recorded before its action is sent. */
  scope?: IntentScope,
): Promise<CloseSummary> {
  const summary: CloseSummary = { won: 0, lost: 0, alreadyClosed: 0, failed: [], closedIds: [] }
  for (const phase of phases) {
    const rule = phase.entityMap.close
    if (phase.pass !== 1 || rule === undefined || !canCallActions(deps.target)) continue
    const wanted: { record: X2crmRecord; sourceKey: SourceKey }[] = []
    for await (const record of recordsAmong(deps.source, phase.entity, only)) {
      const sourceKey = sourceKeyOf(phase.entity, Number(record['id']))
      if (only !== undefined && !only.has(sourceKey)) continue
      if (closeRequestFor(rule, record, '', sourceKey) !== null) wanted.push({ record, sourceKey })
    }
    const loaded = await deps.ledger.loaded(wanted.map((w) => w.sourceKey))
    const rowIds = [...loaded.values()]
      .filter((r) => rowPhaseName(r.phase) === phase.name)
      .map((r) => r.targetId)
    // The rows' states, read in batches (not one request per opportunity): a closed one is not closed again.
    const states = await readExisting(deps.target, phase.table, rowIds, ['statecode'])
    const requests: CloseRequest[] = []
    for (const { record, sourceKey } of wanted) {
      const row = loaded.get(sourceKey)
      if (row === undefined || rowPhaseName(row.phase) !== phase.name) continue
      const request = closeRequestFor(rule, record, row.targetId, sourceKey)
      if (request === null) continue
      if (isClosed(states.get(row.targetId) ?? states.get(row.targetId.toLowerCase())))
        summary.alreadyClosed++
      else requests.push(request)
    }
    const closeIdOf = (request: CloseRequest) =>
      scope === undefined ? undefined : opportunityCloseIdFor(scope.runId, request.targetId)
    // Many actions to a `$batch`, a few batches at once; a refused one fails alone, the others still close.
    const outcomes = await inBatches(requests, async (part) => {
      if (scope !== undefined) {
        // Intent before effect: each opportunityclose gets an id the ledger holds before its batch leaves.
        await recordPlannedRows(
          scope,
          CLOSING_PHASES.opportunityClose,
          OPPORTUNITY_CLOSE,
          part.map((request) => ({ targetId: closeIdOf(request) ?? '', sourceKey: request.sourceKey })),
        )
        for (const request of part)
          Object.assign(request.body['OpportunityClose'] as object, { activityid: closeIdOf(request) })
      }
      return sendActions(
        deps.target,
        part.map((request) => ({ name: request.action, body: request.body })),
      )
    })
    const closedBefore = await closedByLostAnswer(deps.target, requests, outcomes, closeIdOf)
    requests.forEach((request, index) => {
      const outcome = outcomes[index]
      if (outcome?.status === 'done' || closedBefore.has(request)) {
        summary.closedIds?.push(request.targetId)
        if (request.action === 'WinOpportunity') summary.won++
        else summary.lost++
        return
      }
      if (outcome === undefined) return
      // Dataverse refused this one (its reason is kept); anything systemic stopped the run, which can resume.
      summary.failed.push({
        sourceKey: request.sourceKey,
        reason: `Dataverse refused ${request.action} (${outcome.httpStatus} ${outcome.code}): ${outcome.reason}`,
      })
    })
  }
  return summary
}

/**
 * The refused closes this run made all the same: a `$batch` whose answer was lost is sent again, and Dataverse then
 * refuses as closed what the first sending closed. The opportunityclose under this run's id is there for those (it is
 * written by the close itself); without an id (no scope) none is found.
 */
async function closedByLostAnswer(
  target: DataverseBulkTarget,
  requests: readonly CloseRequest[],
  outcomes: readonly ActionOutcome[],
  closeIdOf: (request: CloseRequest) => string | undefined,
): Promise<Set<CloseRequest>> {
  const refused = requests.filter(
    (request, i) => outcomes[i]?.status === 'refused' && closeIdOf(request) !== undefined,
  )
  if (refused.length === 0) return new Set()
  const there = await readExisting(
    target,
    OPPORTUNITY_CLOSE,
    refused.map((request) => closeIdOf(request) ?? ''),
    [],
  )
  const ids = new Set([...there.keys()].map((id) => id.toLowerCase()))
  return new Set(refused.filter((request) => ids.has((closeIdOf(request) ?? '').toLowerCase())))
}

/**
 * The id of the opportunityclose a run writes when it closes an opportunity: one per run, so a later run that closes
 * the opportunity again (X2CRM reopened and closed it) writes a row of its own, which its rollback removes. Pure.
 */
export function opportunityCloseIdFor(runId: string, opportunityId: string): string {
  return uuidV5(`opportunityclose\n${runId}\n${opportunityId.toLowerCase()}`, X2D365_NAMESPACE)
}

/** Whether a row read back is closed (won or lost); a row not found counts as open, as before. Pure. */
function isClosed(row: Record<string, unknown> | undefined): boolean {
  const state = row?.['statecode']
  return state !== 0 && state !== undefined && state !== null
}
