import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ReviewData } from './gather.ts'
import { handleReview, type FileWrites } from './handlers.ts'

export interface ReviewPaths {
  mapping: string
  users: string
  lock: string
}

export interface ReviewServer {
  /** The page's URL, with its token: what the user opens. */
  url: string
  close(): Promise<void>
}

/**
 * Puts the review page on 127.0.0.1 (`port` 0: a free one) behind a fresh random token. Each request reads the
 * three files as they are now, so a change made elsewhere is seen, and requests are handled one at a time, so two
 * saves never interleave. Writes go to a temporary file renamed over the old one.
 */
export async function serveReview(
  paths: ReviewPaths,
  data: ReviewData,
  options: { port?: number; now?: () => Date } = {},
): Promise<ReviewServer> {
  const token = randomBytes(24).toString('base64url')
  const assets = {
    html: readAsset('review.html'),
    js: readAsset('review.js'),
    css: readAsset('review.css'),
  }
  let origin = ''
  let queue = Promise.resolve()
  const server = createServer((req, res) => {
    queue = queue.then(async () => {
      try {
        const body = req.method === 'POST' ? await readBody(req) : ''
        const { response, writes } = await handleReview(
          { method: req.method ?? 'GET', url: req.url ?? '/', headers: headersOf(req), body },
          { token, origin, files: readFiles(paths), data, assets, now: options.now ?? (() => new Date()) },
        )
        if (writes !== undefined) writeFiles(paths, writes)
        res.writeHead(response.status, response.headers).end(response.body)
      } catch (error) {
        res
          .writeHead(500, { 'content-type': 'text/plain' })
          .end(error instanceof Error ? error.message : 'error')
      }
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  origin = `http://127.0.0.1:${port}`
  return {
    url: `${origin}/${token}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function readAsset(name: string): string {
  return readFileSync(new URL(`./page/${name}`, import.meta.url), 'utf8')
}

function readFiles(paths: ReviewPaths) {
  const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined)
  return { mapping: read(paths.mapping) ?? '', users: read(paths.users), lock: read(paths.lock) }
}

function writeFiles(paths: ReviewPaths, writes: FileWrites): void {
  for (const file of ['mapping', 'users', 'lock'] as const) {
    const text = writes[file]
    if (text === undefined) continue
    const temporary = `${paths[file]}.${process.pid}.tmp`
    writeFileSync(temporary, text)
    renameSync(temporary, paths[file])
  }
}

function headersOf(req: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {}
  for (const [name, value] of Object.entries(req.headers)) {
    headers[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return headers
}

/** The body as text, refused past 1 MB (a map edit is a few KB). */
async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > 1_000_000) throw new Error('request body too large')
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}
