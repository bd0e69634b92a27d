import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'

/**
 * What a simulator reads of a request. A WHATWG `Request` is one (tests pass those); `serve()` and a `$batch`
 * pass a {@link BufferedRequest}, which costs a fraction of one (no URL object kept, no abort signal, no body
 * stream) on a path that answers thousands of requests a second.
 */
export type SimRequest = Pick<Request, 'url' | 'method' | 'headers' | 'text'>

/** A simulator: a fetch-style handler. Tests call it in-process; `serve()` puts it on 127.0.0.1. */
export type Handler = (request: SimRequest) => Promise<Response>

/** Methods a `Request` keeps as they are: any other goes through `new Request` to be normalised or refused. */
const plainMethods: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'])

/** A request whose body has been read: what `new Request(url, init).text()` would give, without the machinery. */
export class BufferedRequest implements SimRequest {
  #body: Uint8Array | string | undefined
  #used = false

  private constructor(
    readonly url: string,
    readonly method: string,
    readonly headers: Headers,
    body: Uint8Array | string | undefined,
  ) {
    this.#body = body
  }

  /**
   * Reads like `new Request(url, { method, headers, body })`: the same URL serialisation, and for anything a
   * Request would normalise or refuse (other methods, a body on GET or HEAD, a URL it cannot parse or with
   * credentials) a real Request, so its answer and its errors stay the same.
   */
  static of(
    url: string,
    method: string,
    headers: Headers,
    body?: Uint8Array | string,
  ): BufferedRequest | Request {
    let href: string | undefined
    try {
      const parsed = new URL(url)
      if (parsed.username === '' && parsed.password === '') href = parsed.href
    } catch {
      href = undefined
    }
    const bodyOnGet = body !== undefined && (method === 'GET' || method === 'HEAD')
    if (href === undefined || !plainMethods.has(method) || bodyOnGet) {
      return new Request(url, { method, headers, body, duplex: 'half' })
    }
    return new BufferedRequest(href, method, headers, body)
  }

  text(): Promise<string> {
    // Body.text(): a body is read once; UTF-8 without its byte order mark, bad bytes as U+FFFD.
    if (this.#used) return Promise.reject(new TypeError('Body is unusable: Body has already been read'))
    this.#used = true
    const body = this.#body
    this.#body = undefined
    if (body === undefined) return Promise.resolve('')
    if (typeof body === 'string') return Promise.resolve(utf8Text(body))
    const bom = body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf
    return Promise.resolve(decoder.decode(bom ? body.subarray(3) : body))
  }
}

const decoder = new TextDecoder()

/** The text each {@link textResponse} was made with. */
const texts = new WeakMap<Response, string>()

/**
 * `new Response(text, init)`, remembered: `serve()` and a `$batch` read the text back with {@link knownText}
 * instead of through the body's stream.
 */
export function textResponse(text: string, init: ResponseInit): Response {
  const response = new Response(text, init)
  texts.set(response, text)
  return response
}

/** The body text of a {@link textResponse} whose body has not been read; undefined for any other response. */
export function knownText(response: Response): string | undefined {
  return response.bodyUsed ? undefined : texts.get(response)
}

/** A string body as `Request.text()` reads it back: UTF-8 encoded, then decoded without a byte order mark. */
function utf8Text(text: string): string {
  // Well-formed text survives the round trip unchanged, except a leading U+FEFF; anything else takes it.
  // (String.prototype.isWellFormed: Node 20, not yet in TypeScript's lib for this target)
  const wellFormed = (text as unknown as { isWellFormed(): boolean }).isWellFormed()
  if (text.charCodeAt(0) !== 0xfeff && wellFormed) return text
  const bytes = Buffer.from(text, 'utf8')
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf
  return decoder.decode(bom ? bytes.subarray(3) : bytes)
}

export interface ServeOptions {
  /** 0 picks a free port. @default 0 */
  port?: number
  /** Serve TLS with this certificate (PEM). */
  tls?: { key: string; cert: string }
}

export interface Served {
  /** `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`, no trailing slash */
  origin: string
  port: number
  close: () => Promise<void>
}

/** Serves a handler on 127.0.0.1 only. */
export async function serve(handler: Handler, options: ServeOptions = {}): Promise<Served> {
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    void respond(handler, req, res, options.tls ? 'https' : 'http')
  }
  const server = options.tls ? createHttpsServer(options.tls, listener) : createHttpServer(listener)
  server.keepAliveTimeout = 5_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    origin: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** The request's body, once it has all arrived. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.once('end', () => resolve(chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks)))
    req.once('error', reject)
    req.once('close', () => {
      if (!req.complete) reject(new Error('the client closed the connection before sending its whole body'))
    })
  })
}

async function respond(
  handler: Handler,
  req: IncomingMessage,
  res: ServerResponse,
  scheme: string,
): Promise<void> {
  try {
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) {
      if (Array.isArray(value)) for (const v of value) headers.append(name, v)
      else if (value !== undefined) headers.set(name, value)
    }
    const method = req.method ?? 'GET'
    const hasBody = method !== 'GET' && method !== 'HEAD'
    // The whole body first: the simulators read it whole anyway, and a buffer is far cheaper than a stream.
    const body = hasBody ? await readBody(req) : undefined
    const url = `${scheme}://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`
    const response = await handler(BufferedRequest.of(url, method, headers, body))
    const outHeaders: Record<string, string | string[]> = {}
    response.headers.forEach((value, name) => {
      outHeaders[name] = name === 'set-cookie' ? response.headers.getSetCookie() : value
    })
    res.writeHead(response.status, response.statusText, outHeaders)
    // The last chunk goes with the end: a body in one piece (what the simulators answer) is one write.
    const text = knownText(response)
    if (text !== undefined) {
      res.end(text)
      return
    }
    let last: Uint8Array | undefined
    if (response.body) {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        if (last) res.write(last)
        last = chunk
      }
    }
    res.end(last)
  } catch (error) {
    // A simulator signals an injected connection reset by throwing what fetch would throw on
    // ECONNRESET; over HTTP the same fault is a destroyed socket.
    if (
      error instanceof TypeError &&
      (error.cause as { code?: unknown } | undefined)?.code === 'ECONNRESET'
    ) {
      req.socket.destroy()
      return
    }
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
    res.end(`simulator failure: ${error instanceof Error ? error.message : String(error)}`)
  } finally {
    if (!req.complete) discardUnreadBody(req)
  }
}

/**
 * Throws away what the handler left of a request body (it answered first: a bulk message the table lacks, a
 * service protection 429), as Node does itself for a body nobody started to read. `Readable.toWeb` started reading
 * this one, so Node leaves it alone: once its buffers are full the socket stops reading, and a request the client
 * sends next on the kept-alive connection waits unanswered until the keep-alive timer destroys the socket.
 */
function discardUnreadBody(req: IncomingMessage): void {
  req.removeAllListeners('data')
  req.resume()
}
