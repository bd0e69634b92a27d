import { createSecureContext, rootCertificates } from 'node:tls'
import { Agent, type Dispatcher, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from 'undici'
import type { Fetch } from './fetch.ts'

export type ClosableFetch = Fetch & {
  /** Closes the kept-alive connections. */
  close(): Promise<void>
}

export interface PooledFetchOptions {
  /** A PEM certificate to trust besides Node's root certificates (e.g. the simulator's self-signed one). */
  ca?: string
  /**
   * Connections kept per origin: size it to the concurrency (52 at most per Dataverse user), so requests neither
   * queue behind each other nor open a new TLS connection each. @default 52
   */
  connections?: number
}

/**
 * A fetch over a keep-alive connection pool (undici Agent). Certificate and host name verification stay on.
 * Dataverse's ARRAffinity cookie is never kept, since this fetch has no cookie jar, so requests may spread across
 * web servers (webapi.md §4.3).
 */
export function createPooledFetch(options: PooledFetchOptions = {}): ClosableFetch {
  const dispatcher = new Agent({
    connections: Math.max(1, Math.trunc(options.connections ?? 52)),
    connect: {
      // One secure context for every connection: given `ca` instead, each new connection parses Node's ~140 root
      // certificates again (a 100k-record migrate spent 14 s of its 43 s of CPU there).
      ...(options.ca === undefined
        ? {}
        : { secureContext: createSecureContext({ ca: [...rootCertificates, options.ca] }) }),
      rejectUnauthorized: true,
    },
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
  })
  const pooledFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    // undici's fetch does not recognise the global Request class, so a Request is unpacked first.
    const [url, requestInit] =
      input instanceof Request ? [input.url, await requestInitOf(input, init)] : [input, init]
    const body = plainBody(requestInit?.body)
    if (body === undefined || (requestInit?.redirect ?? 'follow') !== 'follow')
      // The global and undici's RequestInit types differ only in details we do not use.
      return undiciFetch(url, { ...(requestInit as UndiciRequestInit), dispatcher })
    return requestOverPool(dispatcher, new URL(url), requestInit ?? {}, body)
  }
  return Object.assign(pooledFetch, { close: () => dispatcher.close() })
}

/** Statuses whose Response has no body (the Fetch standard's "null body status"). */
const NULL_BODY = new Set([101, 103, 204, 205, 304])
const REDIRECTS = new Set([301, 302, 303, 307, 308])
const MAX_REDIRECTS = 20
/** Request headers fetch drops on a redirect to another origin. */
const CREDENTIALS = ['authorization', 'cookie', 'proxy-authorization']

/** A body sent as bytes or text, with the Content-Type fetch would give it; undefined for any other kind. */
function plainBody(
  body: RequestInit['body'],
): { bytes: string | Uint8Array | null; contentType?: string } | undefined {
  if (body === undefined || body === null) return { bytes: null }
  if (typeof body === 'string') return { bytes: body, contentType: 'text/plain;charset=UTF-8' }
  if (body instanceof URLSearchParams)
    return { bytes: body.toString(), contentType: 'application/x-www-form-urlencoded;charset=UTF-8' }
  if (body instanceof ArrayBuffer) return { bytes: new Uint8Array(body) }
  if (ArrayBuffer.isView(body))
    return { bytes: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) }
  return undefined
}

/**
 * What fetch answers, through the pool's request API: the same statuses, headers, bodies, redirects followed, a
 * network failure thrown as fetch throws it (`TypeError: fetch failed` with the cause) and an aborted signal's
 * reason. fetch's machinery (WHATWG request and stream objects per call) cost ~370 µs of CPU per request, about a
 * tenth of a migration's CPU; the bodies x2d365 receives are read whole anyway (JSON, `$batch` text, error bodies).
 */
async function requestOverPool(
  dispatcher: Agent,
  first: URL,
  init: RequestInit,
  body: { bytes: string | Uint8Array | null; contentType?: string },
): Promise<Response> {
  const headers: Record<string, string> = {}
  new Headers(init.headers).forEach((value, name) => (headers[name] = value))
  if (body.contentType !== undefined && headers['content-type'] === undefined)
    headers['content-type'] = body.contentType
  let url = first
  let method = (init.method ?? 'GET').toUpperCase()
  let bytes = body.bytes
  const signal = init.signal ?? undefined
  for (let hops = 0; ; hops++) {
    let answer: Dispatcher.ResponseData
    let received: ArrayBuffer
    try {
      answer = await dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: method,
        headers,
        body: bytes,
        ...(signal !== undefined && { signal }),
      })
      received = await answer.body.arrayBuffer()
    } catch (error) {
      if (signal?.aborted === true) throw signal.reason
      throw new TypeError('fetch failed', { cause: error })
    }
    const location = answer.headers['location']
    if (REDIRECTS.has(answer.statusCode) && typeof location === 'string' && hops < MAX_REDIRECTS) {
      // As fetch does: 303 (and 301/302 after a POST) goes on as a GET without the body.
      if (
        answer.statusCode === 303 ||
        ((answer.statusCode === 301 || answer.statusCode === 302) && method === 'POST')
      ) {
        method = 'GET'
        bytes = null
        delete headers['content-type']
      }
      const next = new URL(location, url)
      // As fetch does: the credentials never follow a redirect to another origin (a bearer token would leak to it).
      if (next.origin !== url.origin) for (const name of CREDENTIALS) delete headers[name]
      url = next
      continue
    }
    const responseHeaders = new Headers()
    for (const [name, value] of Object.entries(answer.headers)) {
      if (Array.isArray(value)) for (const v of value) responseHeaders.append(name, v)
      else if (value !== undefined) responseHeaders.append(name, value)
    }
    const nullBody = NULL_BODY.has(answer.statusCode) || method === 'HEAD'
    return new Response(nullBody ? null : received, { status: answer.statusCode, headers: responseHeaders })
  }
}

async function requestInitOf(request: Request, init: RequestInit | undefined): Promise<RequestInit> {
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD'
  return {
    method: request.method,
    headers: request.headers,
    ...(hasBody ? { body: await request.arrayBuffer() } : {}),
    signal: request.signal,
    ...init,
  }
}
