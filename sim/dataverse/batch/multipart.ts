import { DataverseFault } from '../errors.ts'
import { newGuid } from '../guid.ts'

/** One HTTP request inside a `$batch` body (webapi.md §3.1). */
export interface BatchRequestPart {
  method: string
  /** as written: absolute, `/api/data/v9.2/…`, relative, or `$n…` */
  url: string
  headers: Headers
  body: string
  /** the part's `Content-ID` header (required inside change sets) */
  contentId?: string
}

export type BatchItem =
  { type: 'request'; part: BatchRequestPart } | { type: 'changeset'; parts: BatchRequestPart[] }

/** The boundary parameter of a `multipart/mixed` Content-Type, quoted or not. */
export function boundaryOf(contentType: string | null): string | undefined {
  if (contentType === null || !/^\s*multipart\/mixed\s*;/i.test(contentType)) return undefined
  const match = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType)
  return match?.[1] ?? match?.[2]
}

function batchFault(message: string): DataverseFault {
  // The OData batch reader's errors come back as 400 with the generic OData code [U].
  return new DataverseFault(400, '0x80060888', message)
}

/**
 * Splits a multipart body into its parts. Lines may end in CRLF (what clients send) or LF
 * (how Microsoft's examples render); both are accepted.
 */
export function splitMultipart(body: string, boundary: string): string[][] {
  const lines = body.split(/\r?\n/)
  const delimiter = `--${boundary}`
  const parts: string[][] = []
  let current: string[] | undefined
  let closed = false
  for (const line of lines) {
    const trimmed = line.trimEnd()
    if (trimmed === `${delimiter}--`) {
      if (current) parts.push(current)
      current = undefined
      closed = true
      break
    }
    if (trimmed === delimiter) {
      if (current) parts.push(current)
      current = []
      continue
    }
    current?.push(line)
  }
  if (!closed) throw batchFault(`The multipart body has no closing boundary '--${boundary}--'.`)
  return parts
}

/** Reads `Name: value` lines up to the first blank line; returns the headers and the rest. */
function readHeaders(lines: string[]): { headers: Headers; rest: string[] } {
  const headers = new Headers()
  let i = 0
  for (; i < lines.length; i++) {
    const line = lines[i] ?? ''
    if (line.trim() === '') {
      i++
      break
    }
    const colon = line.indexOf(':')
    if (colon <= 0) throw batchFault(`Invalid header line '${line}' in a batch part.`)
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim())
  }
  return { headers, rest: lines.slice(i) }
}

function stripTrailingBlankLines(lines: string[]): string[] {
  let end = lines.length
  while (end > 0 && (lines[end - 1] ?? '').trim() === '') end--
  return lines.slice(0, end)
}

function readRequestPart(lines: string[], mimeHeaders: Headers): BatchRequestPart {
  const contentType = mimeHeaders.get('content-type') ?? ''
  if (!/^application\/http\b/i.test(contentType)) {
    throw batchFault(
      `The content type '${contentType}' of a batch part is not supported; expected 'application/http' or 'multipart/mixed'.`,
    )
  }
  let i = 0
  while (i < lines.length && (lines[i] ?? '').trim() === '') i++
  const requestLine = (lines[i] ?? '').trim()
  const match = /^([A-Z]+)\s+(\S+)(?:\s+HTTP\/1\.[01])?$/.exec(requestLine)
  if (!match) throw batchFault(`Invalid HTTP request line '${requestLine}' in a batch part.`)
  const { headers, rest } = readHeaders(lines.slice(i + 1))
  const contentId = mimeHeaders.get('content-id') ?? undefined
  return {
    method: match[1] ?? 'GET',
    url: match[2] ?? '',
    headers,
    body: stripTrailingBlankLines(rest).join('\r\n'),
    ...(contentId === undefined ? {} : { contentId }),
  }
}

/**
 * Parses a `$batch` request body into top-level requests and change sets (webapi.md §3.1–§3.2,
 * OData v4.0 Part 1 §11.7). Throws a 400 DataverseFault for a malformed body.
 */
export function parseBatch(body: string, boundary: string): BatchItem[] {
  const items: BatchItem[] = []
  for (const lines of splitMultipart(body, boundary)) {
    const { headers, rest } = readHeaders(lines)
    const changesetBoundary = boundaryOf(headers.get('content-type'))
    if (changesetBoundary === undefined) {
      items.push({ type: 'request', part: readRequestPart(rest, headers) })
      continue
    }
    const parts = splitMultipart(rest.join('\n'), changesetBoundary).map((partLines) => {
      const inner = readHeaders(partLines)
      if (boundaryOf(inner.headers.get('content-type')) !== undefined) {
        throw batchFault('Change sets cannot be nested.')
      }
      return readRequestPart(inner.rest, inner.headers)
    })
    items.push({ type: 'changeset', parts })
  }
  return items
}

const reasons: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
}

/** One answered operation, framed as an `application/http` part. */
export interface AnsweredPart {
  status: number
  headers: Headers
  body: string
  contentId?: string
}

/** Headers the outer response carries; inner parts do not repeat them. */
const outerOnly = new Set([
  'x-ms-service-request-id',
  'x-ms-ratelimit-burst-remaining-xrm-requests',
  'x-ms-ratelimit-time-remaining-xrm-requests',
  'x-ms-dop-hint',
])

function httpPart(part: AnsweredPart): string {
  const lines = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary']
  if (part.contentId !== undefined) lines.push(`Content-ID: ${part.contentId}`)
  lines.push('', `HTTP/1.1 ${part.status} ${reasons[part.status] ?? 'Unknown'}`)
  part.headers.forEach((value, name) => {
    if (!outerOnly.has(name)) lines.push(`${canonicalName(name)}: ${value}`)
  })
  lines.push('', part.body)
  return lines.join('\r\n')
}

/** `odata-entityid` → `OData-EntityId`, as Dataverse writes them. */
function canonicalName(name: string): string {
  const special: Record<string, string> = {
    'odata-version': 'OData-Version',
    'odata-entityid': 'OData-EntityId',
    etag: 'ETag',
    req_id: 'REQ_ID',
  }
  return (
    special[name] ?? name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase())
  )
}

export type AnsweredItem =
  { type: 'request'; part: AnsweredPart } | { type: 'changeset'; parts: AnsweredPart[] }

/**
 * Frames the answers with new `batchresponse_<guid>` / `changesetresponse_<guid>` boundaries,
 * each part `Content-Type: application/http` + `Content-Transfer-Encoding: binary`, then the
 * status line, headers, blank line and body (webapi.md §3.3).
 */
export function buildBatchResponse(items: AnsweredItem[]): { boundary: string; body: string } {
  const boundary = `batchresponse_${newGuid()}`
  const chunks: string[] = []
  for (const item of items) {
    if (item.type === 'request') {
      chunks.push(`--${boundary}\r\n${httpPart(item.part)}`)
      continue
    }
    const changeset = `changesetresponse_${newGuid()}`
    const inner = item.parts.map((p) => `--${changeset}\r\n${httpPart(p)}`).join('\r\n')
    chunks.push(
      `--${boundary}\r\nContent-Type: multipart/mixed; boundary=${changeset}\r\n\r\n${inner}\r\n--${changeset}--`,
    )
  }
  return { boundary, body: `${chunks.join('\r\n')}\r\n--${boundary}--\r\n` }
}
