import type { ApiUser } from './auth.ts'
import type { QueryParams, Row } from './query.ts'
import { ApiReply } from './responses.ts'
import type { Route } from './routes.ts'
import type { Store } from './store.ts'

/** What an action gets: the request, resolved, and the state it works on. */
export interface ActionContext {
  store: Store
  route: Route
  method: string
  /** Query string plus the parameters the URL rule injected. */
  params: QueryParams
  user: ApiUser
  /** Unix seconds */
  now: number
  /** `http://host:port`: absolute URLs (Location) start with it. */
  origin: string
  maxPageSize: number
  /** The parsed JSON body; 400 "Missing or malformed data sent to server." unless it is an object or array. */
  body(): Promise<Record<string, unknown> | unknown[]>
  /** The record `_id`/`_findBy` names, loaded once (404/300/400 as the server answers). */
  model(): Row
}

/** What an action answers with. Errors are thrown as {@link ApiReply}. */
export type Outcome =
  | { kind: 'json'; status: number; value: unknown; headers?: Record<string, string> }
  | { kind: 'empty' }
  | { kind: 'envelope'; reply: ApiReply }

export function json(value: unknown, status = 200, headers?: Record<string, string>): Outcome {
  return { kind: 'json', status, value, headers }
}

export const empty: Outcome = { kind: 'empty' }

export function envelopeOf(
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Outcome {
  return { kind: 'envelope', reply: new ApiReply(status, message, headers, extra) }
}

export function recordUrl(context: ActionContext, className: string, id: number | string): string {
  return `${context.origin}${context.route.base}/${className}/${id}.json`
}
