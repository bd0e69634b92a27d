import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'

/** A simulator: a fetch-style handler. Tests call it in-process; `serve()` puts it on 127.0.0.1. */
export type Handler = (request: Request) => Promise<Response>

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
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
    const request = new Request(`${scheme}://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, {
      method: req.method,
      headers,
      body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
      duplex: 'half',
    })
    const response = await handler(request)
    const outHeaders: Record<string, string | string[]> = {}
    response.headers.forEach((value, name) => {
      outHeaders[name] = name === 'set-cookie' ? response.headers.getSetCookie() : value
    })
    res.writeHead(response.status, response.statusText, outHeaders)
    if (response.body) {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk)
    }
    res.end()
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
