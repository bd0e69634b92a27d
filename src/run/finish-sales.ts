import { sourceKeyOf, type SourceKey } from '../domain/source-key.ts'
import type { Ledger } from '../ledger/ledger.ts'
import type { ProductStateRule, QuoteStateRule } from '../mapping/types.ts'
import { rowPhaseName, type PlannedPhase } from '../plan/plan-load.ts'
import { unixToIso } from '../source/x2crm/normalize/scalars.ts'
import type { X2crmRecord, X2crmSource } from '../source/x2crm/types.ts'
import { refusalOfError } from '../target/dataverse/refusal.ts'
import type { DataverseBulkTarget, TableRef } from '../target/dataverse/types.ts'
import { chunks } from './chunks.ts'
import { recordQuoteCloses, type IntentScope } from './closing-intents.ts'

/** A quote's state in X2CRM's terms, as the rule reads its status. */
export type QuoteState = 'draft' | 'active' | 'won' | 'closed'

const norm = (value: unknown) => (typeof value === 'string' ? value.trim().toLowerCase() : '')
const among = (values: readonly string[], value: unknown) => values.some((v) => norm(v) === norm(value))

/** Which state a quote ends in: won, closed (lost), active, or draft (any other status). Pure. */
export function quoteStateOf(rule: QuoteStateRule, record: X2crmRecord): QuoteState {
  const status = record[rule.field]
  if (among(rule.won, status)) return 'won'
  if (among(rule.closed, status)) return 'closed'
  if (among(rule.active, status)) return 'active'
  return 'draft'
}

/** Whether a product is retired in Dataverse. Pure. */
export const isRetired = (rule: ProductStateRule, record: X2crmRecord) =>
  among(rule.retired, record[rule.field])

/**
 * The steps from a quote's Dataverse state to the one X2CRM says, in order: activate a draft (statecode 1, status 2
 * In Progress), then win it (WinQuote, status 4) or close it as lost (CloseQuote, status 5). Dataverse wins or closes
 * only an active quote, and a won or closed quote cannot change: nothing to do then. Pure.
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/winquote
 */
export function quoteSteps(current: number, wanted: QuoteState): ('activate' | 'WinQuote' | 'CloseQuote')[] {
  if (current === 2 || current === 3 || wanted === 'draft') return []
  const steps: ('activate' | 'WinQuote' | 'CloseQuote')[] = current === 0 ? ['activate'] : []
  if (wanted === 'won') steps.push('WinQuote')
  if (wanted === 'closed') steps.push('CloseQuote')
  return steps
}

/** What finishing the sales records did. */
export interface SalesSummary {
  published: number
  retired: number
  activated: number
  won: number
  closed: number
  failed: { sourceKey: SourceKey; reason: string }[]
}

type Deps = { source: X2crmSource; target: DataverseBulkTarget; ledger: Pick<Ledger, 'loaded'> }

/** Where the steps are recorded before they leave, and which records to finish (a delta: those it loaded). */
export interface FinishScope {
  /** Each quote WinQuote / CloseQuote may close is recorded here before the request is sent. */
  intents?: IntentScope
  /** Only these source keys (a delta finishes the records X2CRM changed); every loaded row without it. */
  only?: ReadonlySet<string>
}

/**
 * After every phase and link pass (the quote lines are in): products are published (Dataverse creates them as
 * drafts) and those X2CRM has inactive retired; quotes are activated, won or closed as X2CRM's status says. Only rows
 * this run's phases loaded are touched; a row already in its state (a second run) is left; a refusal is kept in the
 * summary with Dataverse's reason and the others go on. A retired product X2CRM has active again is activated
 * (statecode 0, statuscode 1: the product lifecycle's Activate).
 * https://learn.microsoft.com/dynamics365/sales/developer/publish-revise-revert-retire-activate-products
 */
export async function finishSales(
  phases: readonly PlannedPhase[],
  deps: Deps,
  scope: FinishScope = {},
): Promise<SalesSummary> {
  const summary: SalesSummary = { published: 0, retired: 0, activated: 0, won: 0, closed: 0, failed: [] }
  for (const phase of phases) {
    if (phase.pass !== 1) continue
    const { productStates, quoteStates } = phase.entityMap
    if (productStates !== undefined) await finishProducts(phase, productStates, deps, summary, scope)
    if (quoteStates !== undefined) await finishQuotes(phase, quoteStates, deps, summary, scope)
  }
  return summary
}

async function* loadedRows(phase: PlannedPhase, deps: Deps, only: ReadonlySet<string> | undefined) {
  const { entity } = phase.entityMap
  const rows = (async function* () {
    for await (const record of deps.source.records(entity))
      if (only === undefined || only.has(sourceKeyOf(entity, Number(record['id'])))) yield record
  })()
  for await (const batch of chunks(rows, 50)) {
    const keys = batch.map((r) => sourceKeyOf(phase.entityMap.entity, Number(r['id'])))
    const loaded = await deps.ledger.loaded(keys)
    const mine = batch.flatMap((record, i) => {
      const row = loaded.get(keys[i] ?? '')
      return row === undefined || rowPhaseName(row.phase) !== phase.name
        ? []
        : [{ record, sourceKey: keys[i] ?? '', targetId: row.targetId }]
    })
    const states = await statesOf(
      deps.target,
      phase.entityMap.table,
      mine.map((m) => m.targetId),
    )
    for (const m of mine) yield { ...m, statecode: states.get(m.targetId.toLowerCase()) }
  }
}

async function statesOf(target: DataverseBulkTarget, table: TableRef, ids: readonly string[]) {
  const states = new Map<string, number>()
  if (ids.length === 0) return states
  const filter = ids.map((id) => `${table.primaryId} eq ${id}`).join(' or ')
  for await (const row of target.query(table.entitySet, { select: [table.primaryId, 'statecode'], filter }))
    states.set(String(row[table.primaryId]).toLowerCase(), Number(row['statecode']))
  return states
}

async function attempt(
  summary: SalesSummary,
  sourceKey: SourceKey,
  what: string,
  work: () => Promise<unknown>,
) {
  try {
    await work()
    return true
  } catch (error) {
    // Dataverse refused this one (its reason is kept); anything systemic stops the run, which can resume.
    const refusal = refusalOfError(error)
    if (refusal === undefined) throw error
    summary.failed.push({
      sourceKey,
      reason: `Dataverse refused ${what} (${refusal.httpStatus} ${refusal.code ?? ''}): ${refusal.reason}`,
    })
    return false
  }
}

async function finishProducts(
  phase: PlannedPhase,
  rule: ProductStateRule,
  deps: Deps,
  summary: SalesSummary,
  scope: FinishScope,
) {
  const { table } = phase.entityMap
  for await (const { record, sourceKey, targetId, statecode } of loadedRows(phase, deps, scope.only)) {
    if (statecode === undefined) continue
    if (statecode === 1 && !isRetired(rule, record)) {
      // Retired in Dataverse, active again in X2CRM (a delta): Activate (statecode 0 Active, statuscode 1).
      const row = { targetId, values: { statecode: 0, statuscode: 1 } }
      if (await attempt(summary, sourceKey, 'activating the product', () => deps.target.update(table, row)))
        summary.published++
      continue
    }
    // Draft (2) or Under Revision (3) → Active: PublishProductHierarchy.
    // https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/publishproducthierarchy
    let state = statecode
    if (state === 2 || state === 3) {
      const call = deps.target.callBoundAction?.bind(deps.target)
      if (call === undefined) continue
      if (
        await attempt(summary, sourceKey, 'PublishProductHierarchy', () =>
          call(table, targetId, 'PublishProductHierarchy', {}),
        )
      ) {
        summary.published++
        state = 0
      }
    }
    if (state === 0 && isRetired(rule, record)) {
      const row = { targetId, values: { statecode: 1, statuscode: 2 } }
      if (await attempt(summary, sourceKey, 'retiring the product', () => deps.target.update(table, row)))
        summary.retired++
    }
  }
}

async function finishQuotes(
  phase: PlannedPhase,
  rule: QuoteStateRule,
  deps: Deps,
  summary: SalesSummary,
  scope: FinishScope,
) {
  const { table } = phase.entityMap
  const callAction = deps.target.callAction?.bind(deps.target)
  for await (const { record, sourceKey, targetId, statecode } of loadedRows(phase, deps, scope.only)) {
    if (statecode === undefined) continue
    const steps = quoteSteps(statecode, quoteStateOf(rule, record))
    // Intent before effect: the quoteclose WinQuote / CloseQuote creates gets an id only Dataverse knows.
    if (steps.includes('WinQuote') || steps.includes('CloseQuote'))
      await recordQuoteCloses(scope.intents, targetId, sourceKey)
    for (const step of steps) {
      if (step === 'activate') {
        const row = { targetId, values: { statecode: 1, statuscode: 2 } }
        if (
          !(await attempt(summary, sourceKey, 'activating the quote', () => deps.target.update(table, row)))
        )
          break
        summary.activated++
        continue
      }
      if (callAction === undefined) break
      const won = step === 'WinQuote'
      const name = typeof record['name'] === 'string' && record['name'] !== '' ? record['name'] : sourceKey
      const closedOn = unixToIso(record['lastUpdated']).value
      const body = {
        Status: won ? 4 : 5,
        QuoteClose: {
          subject: `${won ? 'Won' : 'Lost'}: ${name}`.slice(0, 200),
          'quoteid@odata.bind': `/quotes(${targetId})`,
          ...(closedOn !== null && { actualend: closedOn }),
        },
      }
      if (await attempt(summary, sourceKey, step, () => callAction(step, body))) {
        if (won) summary.won++
        else summary.closed++
      }
    }
  }
}
