/**
 * Response shapes of API v2: bare JSON on success, and the `ResponseUtil` envelope
 * `{...extra, httpHeaders, reqHeaders, message, error, status}` for errors and body-less answers.
 */

export const JSON_TYPE = 'application/json; charset=utf-8'

const reasons: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  300: 'Multiple Choices',
  303: 'See Other',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  415: 'Unsupported Media Type',
  418: "I'm a teapot",
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
}

/** Thrown by actions to answer with an envelope; the simulator turns it into a Response. */
export class ApiReply extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
    /** Envelope keys placed before `httpHeaders` (`errors`, `queryUri`, `directUris`, `message`...). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message)
  }
}

export interface ReplyContext {
  /** The request headers as `getallheaders()` shows them (Authorization included). */
  requestHeaders: Record<string, string>
  /** Extra response headers every answer carries (session cookie, no-cache). */
  sessionHeaders: Record<string, string>
}

export function envelope(reply: ApiReply, context: ReplyContext, contentType = JSON_TYPE): Response {
  const httpHeaders = { 'Content-Type': contentType, ...reply.headers }
  const body = {
    ...reply.extra,
    httpHeaders,
    reqHeaders: context.requestHeaders,
    message: reply.extra.message ?? reply.message,
    error: reply.status >= 400,
    status: reply.status,
  }
  return respond(reply.status, JSON.stringify(body), { ...context.sessionHeaders, ...httpHeaders })
}

export function bareJson(
  status: number,
  value: unknown,
  context: ReplyContext,
  headers: Record<string, string> = {},
): Response {
  return respond(status, JSON.stringify(value), {
    ...context.sessionHeaders,
    'Content-Type': JSON_TYPE,
    ...headers,
  })
}

export function noContent(context: ReplyContext): Response {
  return respond(204, null, { ...context.sessionHeaders, 'Content-Type': JSON_TYPE })
}

function respond(status: number, body: string | null, headers: Record<string, string>): Response {
  return new Response(body, { status, statusText: reasons[status] ?? '', headers })
}

/** `getallheaders()` keeps the client's spelling; fetch lower-cases names, so restore the usual casing. */
export function echoRequestHeaders(headers: Headers): Record<string, string> {
  const echoed: Record<string, string> = {}
  headers.forEach((value, name) => {
    echoed[
      name.replace(/(^|-)([a-z])/g, (_match, dash: string, letter: string) => dash + letter.toUpperCase())
    ] = value
  })
  return echoed
}
