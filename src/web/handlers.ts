import { timingSafeEqual } from 'node:crypto'
import { confirmMapping } from '../mapping/confirm.ts'
import type { WrittenCondition } from '../mapping/written-mapping.ts'
import type { ReviewData } from './gather.ts'
import { applyMapEdit, type MapEdit } from './map-edits.ts'
import { buildPageView, contentHash, splitCounts, type ReviewFiles } from './review-view.ts'
import { setOwnerChoice, type OwnerChoice } from './users-file.ts'

/** A request as the handlers see it: no sockets, so every rule below is tested without a server. */
export interface ReviewRequest {
  method: string
  /** Path and query, as sent (`/<token>/api/state`). */
  url: string
  /** Lower-case names. */
  headers: Readonly<Record<string, string | undefined>>
  body: string
}

export interface ReviewResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/** What a request may change: the new text of each file it writes. */
export type FileWrites = Partial<Record<'mapping' | 'users' | 'lock', string>>

export interface ReviewContext {
  /** The random secret in the page's URL. */
  token: string
  /** `http://127.0.0.1:PORT`: the only Origin a state-changing request may come from. */
  origin: string
  files: ReviewFiles
  data: ReviewData
  /** The page, its script and its style sheet. */
  assets: { html: string; js: string; css: string }
  now: () => Date
}

/** The header a state-changing request must carry, holding the token (a cross-site form cannot set it). */
export const TOKEN_HEADER = 'x-review-token'

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
    "form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
}

/**
 * One request of the review page → its response and the files to write. Pure but for the clock in `context`:
 * the caller reads the files before and writes `writes` after. The rules:
 * - every path starts with `/<token>/`, else 403 (the Host must be the origin's, against DNS rebinding);
 * - no CORS headers, ever: another site's script cannot read any answer;
 * - a POST needs the token in the `x-review-token` header, the page's own Origin (and `Sec-Fetch-Site:
 *   same-origin` when the browser sends it) and a JSON body (`Content-Type: application/json`), so neither a
 *   cross-site form nor a cross-site fetch can change a file;
 * - a save names the content hash of the file it edits: a file changed since (another tab, an editor) → 409, and
 *   nothing is written.
 */
export async function handleReview(
  request: ReviewRequest,
  context: ReviewContext,
): Promise<{ response: ReviewResponse; writes?: FileWrites }> {
  const path = new URL(request.url, context.origin).pathname
  const prefix = `/${context.token}/`
  if (request.headers['host'] !== new URL(context.origin).host || !sameSecret(path, prefix)) {
    return {
      response: text(403, 'Forbidden: open the URL `x2d365 map review` printed (it holds the token).'),
    }
  }
  const route = path.slice(prefix.length)
  if (request.method === 'GET') {
    if (route === '') return { response: asset(context.assets.html, 'text/html; charset=utf-8') }
    if (route === 'review.js') return { response: asset(context.assets.js, 'text/javascript; charset=utf-8') }
    if (route === 'review.css') return { response: asset(context.assets.css, 'text/css; charset=utf-8') }
    if (route === 'api/state')
      return { response: json(200, await buildPageView(context.files, context.data)) }
    return { response: text(404, 'Not found') }
  }
  if (request.method !== 'POST') return { response: text(405, 'Method not allowed') }
  const refusal = crossSiteRefusal(request, context)
  if (refusal !== undefined) return { response: refusal }
  let body: Record<string, unknown>
  try {
    body = JSON.parse(request.body) as Record<string, unknown>
  } catch {
    return { response: json(400, { error: 'the body is not JSON' }) }
  }
  try {
    switch (route) {
      case 'api/map':
        return await saveMap(body, context)
      case 'api/owner':
        return await saveOwner(body, context)
      case 'api/split-preview': {
        const records = context.data.splitRecords[String(body['entity'])] ?? []
        const match = body['match'] === 'all' ? 'all' : 'any'
        const when = Array.isArray(body['when']) ? (body['when'] as WrittenCondition[]) : []
        return { response: json(200, await splitCounts(match, when, records)) }
      }
      case 'api/confirm':
        return await confirm(body, context)
      default:
        return { response: text(404, 'Not found') }
    }
  } catch (error) {
    return { response: json(400, { error: error instanceof Error ? error.message : String(error) }) }
  }
}

async function saveMap(body: Record<string, unknown>, context: ReviewContext) {
  const stale = staleRefusal(body, context.files.mapping, 'mapping.yaml')
  if (stale !== undefined) return { response: stale }
  const mapping = applyMapEdit(context.files.mapping, body['edit'] as MapEdit)
  const files = { ...context.files, mapping }
  return { response: json(200, await buildPageView(files, context.data)), writes: { mapping } }
}

async function saveOwner(body: Record<string, unknown>, context: ReviewContext) {
  const stale = staleRefusal(body, context.files.users, 'users.yaml')
  if (stale !== undefined) return { response: stale }
  const owner = String(body['owner'])
  const row = context.data.owners.find((o) => o.key === owner)
  if (row === undefined) throw new Error(`no X2CRM user or group ${owner}`)
  const choice = body['choice'] as OwnerChoice
  if (choice.kind === 'user') {
    const user = context.data.dataverseUsers.find((u) => u.email === choice.email)
    if (user === undefined) throw new Error(`no Dataverse user has the e-mail ${choice.email}`)
    if (user.disabled)
      throw new Error(`the Dataverse user ${choice.email} is disabled and cannot own records`)
  }
  if (choice.kind === 'team' && !context.data.teams.some((t) => t.name === choice.name)) {
    throw new Error(`no Dataverse team is called ${choice.name}`)
  }
  const users = setOwnerChoice(context.files.users ?? '', owner, choice, row.kind)
  const files = { ...context.files, users }
  return { response: json(200, await buildPageView(files, context.data)), writes: { users } }
}

/** The same lock as `x2d365 map confirm`: only a map without problems and with nothing left to review. */
async function confirm(body: Record<string, unknown>, context: ReviewContext) {
  const stale = staleRefusal(body, context.files.mapping, 'mapping.yaml')
  if (stale !== undefined) return { response: stale }
  const by = typeof body['by'] === 'string' ? body['by'].trim() : ''
  if (by === '') return { response: json(400, { error: 'say who confirms (your name)' }) }
  const view = await buildPageView(context.files, context.data)
  const lineErrors = view.objects.flatMap((o) => o.lines.flatMap((l) => l.problems)).filter(isError)
  const problems = [...view.problems.errors.map((e) => `error: ${e}`), ...lineErrors]
  if (problems.length > 0) {
    const first = problems.slice(0, 3).join(' · ')
    return { response: json(400, { error: `mapping.yaml has problems; fix them, then confirm (${first})` }) }
  }
  if (view.review > 0) {
    return {
      response: json(400, {
        error: `${view.review} lines are still flagged for review; accept or edit them`,
      }),
    }
  }
  const lock = confirmMapping(context.files.mapping, by, context.now())
  if (lock === undefined) return { response: json(400, { error: 'mapping.yaml does not parse' }) }
  const lockText = `${JSON.stringify(lock, null, 2)}\n`
  const files = { ...context.files, lock: lockText }
  return { response: json(200, await buildPageView(files, context.data)), writes: { lock: lockText } }
}

const isError = (problem: string) => problem.startsWith('error:')

function crossSiteRefusal(request: ReviewRequest, context: ReviewContext): ReviewResponse | undefined {
  const token = request.headers[TOKEN_HEADER] ?? ''
  if (token.length !== context.token.length || !sameSecret(token, context.token))
    return text(403, `Forbidden: the ${TOKEN_HEADER} header is missing`)
  if (request.headers['origin'] !== context.origin) return text(403, 'Forbidden: cross-site request')
  const site = request.headers['sec-fetch-site']
  if (site !== undefined && site !== 'same-origin') return text(403, 'Forbidden: cross-site request')
  if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
    return text(415, 'Send JSON (Content-Type: application/json)')
  }
  return undefined
}

function staleRefusal(
  body: Record<string, unknown>,
  current: string | undefined,
  file: string,
): ReviewResponse | undefined {
  if (body['hash'] === contentHash(current)) return undefined
  return json(409, {
    error: `${file} changed since this page read it (another tab or an editor saved it). Reload the page to see the change; nothing was saved.`,
  })
}

/** Whether `given` starts with `secret`, compared in constant time. */
function sameSecret(given: string, secret: string): boolean {
  const a = Buffer.from(given.slice(0, secret.length))
  const b = Buffer.from(secret)
  return a.length === b.length && timingSafeEqual(a, b)
}

function asset(body: string, contentType: string): ReviewResponse {
  return { status: 200, headers: { ...SECURITY_HEADERS, 'content-type': contentType }, body }
}

function json(status: number, value: unknown): ReviewResponse {
  return {
    status,
    headers: { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(value),
  }
}

function text(status: number, message: string): ReviewResponse {
  return {
    status,
    headers: { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' },
    body: message,
  }
}
