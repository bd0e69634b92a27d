import { BufferedRequest, knownText, type SimRequest } from '../../serve.ts'
import { DataverseFault } from '../errors.ts'
import type { Store } from '../store.ts'
import {
  boundaryOf,
  buildBatchResponse,
  parseBatch,
  type AnsweredItem,
  type AnsweredPart,
  type BatchItem,
  type BatchRequestPart,
} from './multipart.ts'

/** Dataverse accepts up to 1,000 requests per `$batch`, change-set operations included (webapi.md §5.2). */
export const maxBatchRequests = 1000

export interface BatchDeps {
  /** `https://host` */
  origin: string
  /** `https://host/api/data/v9.2/` */
  apiUrl: string
  store: Store
  /** Runs one inner request; never throws (errors come back as error responses). */
  execute(request: SimRequest): Promise<Response>
  /** @default 1000 */
  maxRequests?: number
}

/**
 * POST $batch (webapi.md §3; https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api):
 * requests run in order; a change set is one transaction; `$n` Content-ID references resolve
 * inside their change set; without `Prefer: odata.continue-on-error` the batch stops at the
 * first failure and answers 400, with it every part runs and the batch answers 200.
 */
export async function runBatch(request: SimRequest, deps: BatchDeps): Promise<Response> {
  if (request.method !== 'POST') {
    throw new DataverseFault(
      405,
      '0x80060888',
      `The HTTP method '${request.method}' is not allowed for this resource.`,
    )
  }
  const boundary = boundaryOf(request.headers.get('content-type'))
  if (boundary === undefined) {
    throw new DataverseFault(
      400,
      '0x80060888',
      "The batch request must have a 'Content-Type' header of 'multipart/mixed' with a boundary parameter.",
    )
  }
  const items = parseBatch(await request.text(), boundary)
  checkBatch(items, deps.maxRequests ?? maxBatchRequests)
  const continueOnError = /(^|,)\s*odata\.continue-on-error\s*(=\s*true\s*)?(,|$)/i.test(
    request.headers.get('prefer') ?? '',
  )
  const answered: AnsweredItem[] = []
  let failed = false
  for (const item of items) {
    if (item.type === 'request') {
      const part = await answer(deps, item.part, new Map())
      answered.push({ type: 'request', part })
      if (part.status >= 400) failed = true
    } else {
      const result = await runChangeset(deps, item.parts)
      answered.push({ type: 'changeset', parts: result.parts })
      if (result.failed) failed = true
    }
    if (failed && !continueOnError) break
  }
  const { boundary: responseBoundary, body } = buildBatchResponse(answered)
  const headers: Record<string, string> = {
    'content-type': `multipart/mixed; boundary=${responseBoundary}`,
    'odata-version': '4.0',
  }
  if (continueOnError) headers['preference-applied'] = 'odata.continue-on-error'
  return new Response(body, { status: failed && !continueOnError ? 400 : 200, headers })
}

/** Checks the whole batch before anything runs: the size limits and change-set rules. */
function checkBatch(items: BatchItem[], maxRequests: number): void {
  let total = 0
  for (const item of items) {
    if (item.type === 'request') {
      total++
      continue
    }
    if (item.parts.length > maxRequests) {
      // [C] DynamicsWebApi PR #71: the message Dataverse returned for operation 1,001.
      throw new DataverseFault(
        400,
        '0x80060888',
        `The current change set contains too many operations. A maximum number of '${maxRequests}' operations are allowed in a change set.`,
      )
    }
    total += item.parts.length
    for (const part of item.parts) {
      if (part.method === 'GET') {
        throw new DataverseFault(400, '0x80060888', 'GET requests are not allowed inside a change set.')
      }
      if (part.contentId === undefined) {
        // [C] a client got 0x80060888 "Content-ID header not present" for a change-set part without it.
        throw new DataverseFault(400, '0x80060888', 'Content-ID header not present')
      }
    }
  }
  if (total > maxRequests) {
    // [C] powerapps-docs issue #1890 quotes this message (with that org's limit of 250).
    throw new DataverseFault(
      400,
      '0x80060888',
      `The current batch message contains too many parts. Only batch messages with a maximum number of '${maxRequests}' query operations, including changeset operations, are allowed.`,
    )
  }
}

async function runChangeset(
  deps: BatchDeps,
  parts: BatchRequestPart[],
): Promise<{ parts: AnsweredPart[]; failed: boolean }> {
  const references = new Map<string, string>()
  const answers: AnsweredPart[] = []
  let failure: AnsweredPart | undefined
  await deps.store.atomically(
    async () => {
      for (const part of parts) {
        const answered = await answer(deps, part, references)
        if (answered.status >= 400) {
          failure = answered
          return
        }
        answers.push(answered)
        const entityId = answered.headers.get('odata-entityid')
        if (part.contentId !== undefined && entityId !== null) references.set(part.contentId, entityId)
      }
    },
    () => failure === undefined,
  )
  // A failed change set answers with only the failing operation's response (webapi.md §3.4 [C]).
  return failure ? { parts: [failure], failed: true } : { parts: answers, failed: false }
}

const referenceRe = /^\$([A-Za-z0-9_.-]+)(.*)$/

async function answer(
  deps: BatchDeps,
  part: BatchRequestPart,
  references: Map<string, string>,
): Promise<AnsweredPart> {
  const contentId = part.contentId
  let url: string
  let body: string
  try {
    url = resolveUrl(deps, part.url, references)
    body = resolveBody(part.body, references)
  } catch (error) {
    if (!(error instanceof DataverseFault)) throw error
    return errorPart(error, contentId)
  }
  const hasBody = part.method !== 'GET' && part.method !== 'DELETE' && body !== ''
  const response = await deps.execute(
    BufferedRequest.of(url, part.method, part.headers, hasBody ? body : undefined),
  )
  // The part's response is this answer's alone: its headers are taken as they are, its text as it was made.
  const headers = response.headers
  const entityId = headers.get('odata-entityid')
  if (entityId !== null && part.method === 'POST') headers.set('location', entityId)
  return {
    status: response.status,
    headers,
    body: knownText(response) ?? (await response.text()),
    ...(contentId ? { contentId } : {}),
  }
}

function errorPart(fault: DataverseFault, contentId: string | undefined): AnsweredPart {
  return {
    status: fault.status,
    headers: new Headers({
      'content-type': 'application/json; odata.metadata=minimal',
      'odata-version': '4.0',
    }),
    body: JSON.stringify({ error: { code: fault.code, message: fault.message } }),
    ...(contentId ? { contentId } : {}),
  }
}

function missingReference(name: string): DataverseFault {
  return new DataverseFault(
    400,
    '0x80060888',
    `Content-ID Reference: '$${name}' does not exist in the batch context.`,
  )
}

function resolveUrl(deps: BatchDeps, url: string, references: Map<string, string>): string {
  const reference = referenceRe.exec(url)
  if (reference) {
    const [, name = '', rest = ''] = reference
    const target = references.get(name)
    if (target === undefined) throw missingReference(name)
    return target + rest
  }
  if (/^https?:\/\//i.test(url)) return url
  if (url.startsWith('/')) return deps.origin + url
  return deps.apiUrl + url
}

/**
 * `"x@odata.bind": "$1"` or `"@odata.id": "$1"` stands for the URI of the record the part with
 * Content-ID 1 created (webapi.md §3.2). Other string values are left alone.
 */
function resolveBody(body: string, references: Map<string, string>): string {
  return body.replace(
    /("[^"]*@odata\.(?:bind|id)"\s*:\s*)"\$([A-Za-z0-9_.-]+)(\/[^"]*)?"/g,
    (_, key: string, name: string, rest: string | undefined) => {
      const target = references.get(name)
      if (target === undefined) throw missingReference(name)
      return key + JSON.stringify(target + (rest ?? ''))
    },
  )
}
