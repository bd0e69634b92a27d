/**
 * The multipart bodies of `$batch` (OData 4.0 §11.7, Dataverse: "Execute batch operations using the Web API",
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api,
 * webapi.md §3). Pure: building a request body and parsing a response body, nothing else.
 */

/** One write inside a batch. */
export interface BatchOperation {
  method: 'POST' | 'PATCH' | 'DELETE'
  /** Absolute path, e.g. `/api/data/v9.2/accounts(00000000-…)` */
  path: string
  body?: unknown
  /** Per-operation headers: impersonation, bypass, `If-Match`… */
  headers?: Readonly<Record<string, string>>
  /**
   * A request of its own, outside any change set (an action such as `WinOpportunity`): no Content-ID, its response is
   * matched by position ("The order of the responses match the order of the requests in the batch operation", Execute
   * batch operations using the Web API). @default false: a change set of its own
   */
  alone?: boolean
}

export interface BatchRequestBody {
  /** `multipart/mixed; boundary="batch_…"` for the outer request. */
  contentType: string
  body: string
}

export interface BuildBatchOptions {
  /** The boundaries' unique part. @default crypto.randomUUID */
  newId?: () => string
}

const CRLF = '\r\n'

/**
 * A `$batch` body with one change set per operation, so a failing row rolls back only itself; Content-ID `n` is the
 * operation's 1-based position. An operation `alone` is a top-level request instead. Send it with
 * `Prefer: odata.continue-on-error` so later change sets and requests still run.
 */
export function buildBatchBody(
  operations: readonly BatchOperation[],
  options: BuildBatchOptions = {},
): BatchRequestBody {
  const newId = options.newId ?? (() => crypto.randomUUID())
  const batch = `batch_${newId()}`
  const lines: string[] = []
  operations.forEach((operation, index) => {
    const json = operation.body === undefined ? undefined : JSON.stringify(operation.body)
    const request = [`${operation.method} ${operation.path} HTTP/1.1`]
    if (json !== undefined) request.push('Content-Type: application/json; type=entry')
    for (const [name, value] of Object.entries(operation.headers ?? {})) request.push(`${name}: ${value}`)
    request.push('', json ?? '')
    if (operation.alone === true) {
      lines.push(`--${batch}`, 'Content-Type: application/http', 'Content-Transfer-Encoding: binary', '')
      lines.push(...request)
      return
    }
    const changeSet = `changeset_${newId()}`
    lines.push(`--${batch}`, `Content-Type: multipart/mixed; boundary="${changeSet}"`, '')
    lines.push(
      `--${changeSet}`,
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      `Content-ID: ${index + 1}`,
      '',
      ...request,
      `--${changeSet}--`,
    )
  })
  lines.push(`--${batch}--`, '')
  return { contentType: `multipart/mixed; boundary="${batch}"`, body: lines.join(CRLF) }
}

/** One inner response, in the order the server sent it; parts of a change set are flattened. */
export interface BatchPartResponse {
  /** The Content-ID echoed from the request, when the part is in a change set. */
  contentId?: string
  status: number
  /** Lower-case header names. */
  headers: Record<string, string>
  /** Parsed JSON, the text when it is not JSON, undefined when empty. */
  body: unknown
}

/**
 * The inner responses of a `$batch` response. Accepts CRLF or LF line ends and quoted or bare boundaries.
 * Throws an Error when the content type has no boundary or a part is not an HTTP response.
 */
export function parseBatchResponse(contentType: string, body: string): BatchPartResponse[] {
  const boundary = boundaryOf(contentType)
  if (boundary === undefined) throw new Error(`$batch response has no multipart boundary (${contentType})`)
  return splitMultipart(body, boundary).flatMap(parsePart)
}

function parsePart(part: string): BatchPartResponse[] {
  const { headers, rest } = splitHeaders(part)
  const type = headers['content-type'] ?? ''
  if (/^multipart\/mixed/i.test(type)) {
    const inner = boundaryOf(type)
    if (inner === undefined) throw new Error(`$batch change set has no boundary (${type})`)
    return splitMultipart(rest, inner).flatMap(parsePart)
  }
  const lines = rest.split(/\r?\n/)
  while (lines.length > 0 && lines[0]?.trim() === '') lines.shift()
  const statusLine = /^HTTP\/1\.[01] (\d{3})/.exec(lines.shift() ?? '')
  if (!statusLine) throw new Error('$batch part is not an HTTP response')
  const response = splitHeaders(lines.join('\n'))
  // Dataverse echoes Content-ID in the MIME headers; some servers put it among the HTTP headers.
  const contentId = headers['content-id'] ?? response.headers['content-id']
  return [
    {
      ...(contentId === undefined ? {} : { contentId }),
      status: Number(statusLine[1]),
      headers: response.headers,
      body: parseContent(response.rest),
    },
  ]
}

function boundaryOf(contentType: string): string | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType)
  return match?.[1] ?? match?.[2]
}

/** The parts between `--boundary` lines, up to `--boundary--`. */
function splitMultipart(text: string, boundary: string): string[] {
  const parts: string[] = []
  let current: string[] | undefined
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trimEnd()
    if (trimmed === `--${boundary}--`) {
      if (current) parts.push(current.join('\n'))
      return parts
    }
    if (trimmed === `--${boundary}`) {
      if (current) parts.push(current.join('\n'))
      current = []
      continue
    }
    current?.push(line)
  }
  if (current) parts.push(current.join('\n'))
  return parts
}

function splitHeaders(text: string): { headers: Record<string, string>; rest: string } {
  const lines = text.split(/\r?\n/)
  const headers: Record<string, string> = {}
  let index = 0
  for (; index < lines.length; index++) {
    const line = lines[index] ?? ''
    if (line.trim() === '') break
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { headers, rest: lines.slice(index + 1).join('\n') }
}

function parseContent(text: string): unknown {
  const trimmed = text.trim()
  if (trimmed === '') return undefined
  try {
    return JSON.parse(trimmed) as unknown
  } catch {
    return trimmed
  }
}
