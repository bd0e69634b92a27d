import type { CaseCloseSummary } from './close-incidents.ts'
import type { ListMembersSummary } from './list-members.ts'
import type { ConnectionsSummary } from './connections.ts'
import type { TagRowsSummary } from './tag-rows.ts'
import type { CloseSummary } from './close-opportunities.ts'
import type { OutcomeStatus, RunId } from '../ledger/ledger.ts'
import type { Reconciliation } from './reconciliation.ts'
import type { CompletenessReport } from '../source/x2crm/extract.ts'
import type { SampleSummary } from './sample.ts'
import type { CatalogReport } from './sales-catalog.ts'
import type { SalesSummary } from './finish-sales.ts'
import type { TeamsReport } from './teams.ts'

/** Everything a run reports as it goes. The CLI renders these (table or JSON lines); nothing else decides on them. */
export type RunEvent =
  | { type: 'run.started'; runId: RunId; resumed: boolean; at: string }
  | { type: 'owners.matched'; matched: number; unmatched: readonly string[] }
  | { type: 'source.chosen'; source: 'api' | 'database'; detail: string }
  | { type: 'source.notice'; kind: string; entity: string; id?: number; message: string }
  /** `migrate --sample`: what the rehearsal holds, before anything loads. */
  | { type: 'sample.chosen'; sample: SampleSummary }
  | {
      type: 'phase.started'
      phase: string
      sourceCount: number
      resumeAfterId: number
      /** What `sourceCount` counts when it is not the records X2CRM has (`records to check`). */
      counting?: string
    }
  | {
      type: 'batch.loaded'
      phase: string
      size: number
      counts: Readonly<Record<OutcomeStatus, number>>
      lastSourceId: number
      done: number
      total: number
    }
  | { type: 'batch.split'; phase: string; size: number }
  /** Work that is not loading: a delta comparing a class with what was loaded (`unit` e.g. `compared/s`). */
  | { type: 'phase.progress'; phase: string; done: number; total: number; step: number; unit: string }
  /**
   * A request sent again: `reason` e.g. `status 429`, `network error ECONNRESET`, or the loader's `timeout` (rows sent
   * again in smaller calls) and `still throttled` (rows back in the queue).
   */
  | {
      type: 'request.retry'
      status: number | 'network'
      waitMs: number
      attempt: number
      reason?: string
      /** The request retried, its URL redacted: `POST https://org.crm.dynamics.com/api/data/v9.2/$batch`. */
      request?: string
    }
  /** An application user got a 429: all its requests wait `retryAfterMs`, and its concurrency is now `limit`. */
  | { type: 'user.throttled'; user: string; retryAfterMs: number; limit: number }
  | { type: 'record.quarantined'; phase: string; sourceKey: string; reason: string }
  | { type: 'phase.finished'; phase: string }
  /** Opportunities X2CRM won or lost, closed after everything else loaded; `failed` with Dataverse's reasons. */
  | ({ type: 'opportunities.closed' } & CloseSummary)
  /** Cases X2CRM resolved or cancelled, closed after everything else loaded. */
  | ({ type: 'cases.closed' } & CaseCloseSummary)
  /** Static lists' members added to their marketing lists; dynamic lists and members left off, counted. */
  | ({ type: 'lists.filled' } & ListMembersSummary)
  /** X2CRM relationships that are not link fields, as connections with roles named after their labels. */
  | ({ type: 'connections.made' } & ConnectionsSummary)
  /** The unit group, unit and price lists found or created before the sales phases; currencies Dataverse lacks. */
  | ({ type: 'sales.catalog' } & CatalogReport)
  /** X2CRM groups matched to Dataverse owner teams (or created), with the members added. */
  | ({ type: 'teams.prepared' } & TeamsReport)
  /** Products published and retired, quotes activated, won and closed, after everything else loaded. */
  | ({ type: 'sales.finished' } & SalesSummary)
  /** The tag table's rows (`settings.tags` mode table): one per record and tag. */
  | ({ type: 'tags.written' } & TagRowsSummary)
  /** How the phase's records were found: listed, fetched by id because lists hid them, ids that no longer exist. */
  | { type: 'phase.completeness'; phase: string; report: CompletenessReport }
  | {
      type: 'run.finished'
      runId: RunId
      status: 'succeeded' | 'failed'
      reconciliation: Reconciliation
      seconds: number
    }

export type Emit = (event: RunEvent) => void
