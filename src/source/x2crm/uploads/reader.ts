import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Fetch } from '../../../http/fetch.ts'
import { sendWithRetry, sleep as realSleep } from '../../../http/send-with-retry.ts'
import type { X2crmRecord } from '../types.ts'
import { candidatePaths, SYSTEM_ASSET_TYPES } from './locate.ts'

export interface UploadsReaderOptions {
  /** A copy of the server's `uploads/` folder (holding `protected/media/{uploadedBy}/{fileName}`). */
  dir?: string
  /** The site, e.g. `https://crm.example.com`: files are fetched with `index.php/media/media/getFile?id=&key=`. */
  httpBase?: string
  /** Required with `httpBase`. */
  fetch?: Fetch
  /** @default setTimeout */
  sleep?: (ms: number) => Promise<void>
}

interface Base {
  mediaId: number
  fileName: string | null
}

/** What became of one `Media` record's bytes. Only `found` carries bytes; nothing here is ever thrown. */
export type Attachment =
  | (Base & {
      status: 'found'
      bytes: Buffer
      size: number
      /** hex SHA-256 of the bytes */
      sha256: string
      mimetype: string | null
      /** A path relative to `dir`, or the getFile URL without its key. */
      from: { kind: 'file'; path: string } | { kind: 'http'; url: string }
      /** Set when `x2_media.filesize` says otherwise (a truncated copy, or a file replaced on the server). */
      warning?: string
    })
  /** `drive = 1`: the file lives in Google Drive; `url` opens it for whoever has access. */
  | (Base & { status: 'drive'; url: string })
  | (Base & { status: 'missing'; reason: string })
  /** X2CRM's own assets (themes, sounds, backgrounds, logos): not attachments. */
  | (Base & { status: 'skipped'; reason: string })

export interface UploadsReader {
  read(media: X2crmRecord): Promise<Attachment>
  /** One result per media record, in order; a missing file is a result, never an error. */
  readAll(media: AsyncIterable<X2crmRecord>): AsyncIterable<Attachment>
}

/**
 * Reads attachment bytes for X2CRM `Media` records (as API v2 or the database reader returns them): from a copy of
 * the uploads folder when one is given, else (or when the file is not in it) over HTTP through getFile with the
 * record's `accessKey`. Missing files and Google Drive items are reported per record; size and checksum recorded.
 */
export function createUploadsReader(options: UploadsReaderOptions): UploadsReader {
  const site = options.httpBase?.replace(/\/+$/, '').replace(/\/index\.php.*$/, '')
  if (site !== undefined && !options.fetch) throw new TypeError('createUploadsReader: httpBase needs a fetch')

  async function fromDir(
    dir: string,
    paths: readonly string[],
  ): Promise<{ path: string; bytes: Buffer } | undefined> {
    for (const path of paths) {
      try {
        return { path, bytes: await readFile(join(dir, path)) }
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'EISDIR') throw error
      }
    }
    return undefined
  }

  async function fromHttp(
    id: number,
    key: string,
    expectedMime: string | null,
  ): Promise<{ url: string; bytes: Buffer } | { problem: string }> {
    const shown = `${site}/index.php/media/media/getFile?id=${id}`
    const response = await sendWithRetry(
      options.fetch as Fetch,
      { method: 'GET', url: `${shown}&key=${encodeURIComponent(key)}`, repeatable: true },
      { sleep: options.sleep ?? realSleep },
    )
    if (!response.ok) {
      await response.body?.cancel()
      return { problem: `${shown} answered ${response.status}` }
    }
    const type = response.headers.get('content-type') ?? ''
    const bytes = Buffer.from(await response.arrayBuffer())
    // A refused key ends on X2CRM's login page (200, HTML) rather than an error status.
    if (type.startsWith('text/html') && !(expectedMime ?? '').startsWith('text/html')) {
      return { problem: `${shown} answered an HTML page instead of the file (the access key was refused?)` }
    }
    return { url: shown, bytes }
  }

  async function read(media: X2crmRecord): Promise<Attachment> {
    const mediaId = Number(media.id)
    const fileName = text(media.fileName)
    const base: Base = { mediaId, fileName }
    const associationType = text(media.associationType)
    if (associationType !== null && SYSTEM_ASSET_TYPES.has(associationType)) {
      return { ...base, status: 'skipped', reason: `system asset (${associationType})` }
    }
    if (fileName === null) return { ...base, status: 'missing', reason: 'the media record has no fileName' }
    if (Number(media.drive) === 1) {
      return {
        ...base,
        status: 'drive',
        url: `https://drive.google.com/file/d/${encodeURIComponent(fileName)}`,
      }
    }
    const reasons: string[] = []
    try {
      if (options.dir !== undefined) {
        const paths = candidatePaths(text(media.uploadedBy), fileName)
        if (paths === undefined) {
          reasons.push(`fileName ${JSON.stringify(fileName)} is not a plain file name; not looked up`)
        } else {
          const hit = await fromDir(options.dir, paths)
          if (hit) return found(media, base, hit.bytes, { kind: 'file', path: hit.path })
          reasons.push(`not in ${options.dir} (looked for ${paths[0]} and the older protected/${fileName})`)
        }
      }
      if (site !== undefined) {
        const key = text(media.accessKey)
        if (key === null)
          reasons.push('no accessKey, so getFile cannot serve it; copy the uploads folder instead')
        else {
          const got = await fromHttp(mediaId, key, text(media.mimetype))
          if ('bytes' in got) return found(media, base, got.bytes, { kind: 'http', url: got.url })
          reasons.push(got.problem)
        }
      }
    } catch (error) {
      reasons.push(`reading it failed: ${error instanceof Error ? error.message : String(error)}`)
    }
    if (reasons.length === 0)
      reasons.push('no uploads folder (source.uploads.dir) or site (httpBase) configured')
    return { ...base, status: 'missing', reason: reasons.join('; ') }
  }

  return {
    read,
    async *readAll(media) {
      for await (const record of media) yield await read(record)
    },
  }
}

function found(
  media: X2crmRecord,
  base: Base,
  bytes: Buffer,
  from: { kind: 'file'; path: string } | { kind: 'http'; url: string },
): Attachment {
  const expected =
    media.filesize === null || media.filesize === undefined ? undefined : Number(media.filesize)
  return {
    ...base,
    status: 'found',
    bytes,
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    mimetype: text(media.mimetype),
    from,
    ...(expected !== undefined && Number.isFinite(expected) && expected !== bytes.length
      ? { warning: `size ${bytes.length} bytes, but X2CRM recorded ${expected}` }
      : {}),
  }
}

function text(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null
  return typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value)
}
