import type { TransformResult } from '../mapping/types.ts'
import {
  createUploadsReader,
  type Attachment,
  type UploadsReader,
  type UploadsReaderOptions,
} from '../source/x2crm/uploads/reader.ts'
import type { X2crmRecord } from '../source/x2crm/types.ts'

/** Dataverse's default `organization.maxuploadfilesize`: 5 MB. */
export const DEFAULT_MAX_UPLOAD_BYTES = 5 * 1024 * 1024

/** How big a file Dataverse takes, and whether that was read from the organization or is the default. */
export interface UploadLimit {
  bytes: number
  source: 'organization' | 'default'
}

/**
 * A Media record's transform with its file: a found file within the limit becomes the note's `documentbody`
 * (base64), `filename` (as X2CRM has it, non-ASCII kept), `mimetype` and `filesize`; X2CRM's own assets are skipped;
 * a file missing, unreadable, in Google Drive or over the limit is quarantined with its path, size and the limit
 * (the record it belongs to loads all the same). Pure.
 */
export function withAttachment(
  transformed: TransformResult,
  media: X2crmRecord,
  attachment: Attachment | undefined,
  limit: UploadLimit,
): TransformResult {
  if (transformed.status !== 'ok') return transformed
  const { sourceKey } = transformed
  const name = attachment?.fileName ?? (typeof media['fileName'] === 'string' ? media['fileName'] : '?')
  const where = `${typeof media['uploadedBy'] === 'string' ? media['uploadedBy'] : '?'}/${name}`
  const limitText = `${formatBytes(limit.bytes)}${limit.source === 'default' ? " (Dataverse's default; the organization's maxuploadfilesize could not be read)" : ' (organization.maxuploadfilesize)'}`
  if (attachment === undefined) {
    return {
      status: 'invalid',
      sourceKey,
      issues: [
        `fileName: ${where}: no uploads folder (source.uploads.dir) to read the file from; limit ${limitText}`,
      ],
    }
  }
  switch (attachment.status) {
    case 'skipped':
      return { status: 'skipped', sourceKey, reason: attachment.reason }
    case 'drive':
      return {
        status: 'invalid',
        sourceKey,
        issues: [
          `fileName: ${where} is in Google Drive (${attachment.url}), not in X2CRM; attach it by hand`,
        ],
      }
    case 'missing': {
      const size = typeof media['filesize'] === 'number' ? `, ${formatBytes(media['filesize'])}` : ''
      return {
        status: 'invalid',
        sourceKey,
        issues: [`fileName: ${where}${size} could not be read: ${attachment.reason}; limit ${limitText}`],
      }
    }
    case 'found': {
      // Dataverse measures the limit on the base64 text it stores.
      const body = attachment.bytes.toString('base64')
      if (body.length > limit.bytes) {
        return {
          status: 'invalid',
          sourceKey,
          issues: [
            `fileName: ${where} is ${formatBytes(attachment.size)} (${formatBytes(body.length)} as base64), over the upload limit of ${limitText}`,
          ],
        }
      }
      return {
        ...transformed,
        values: {
          ...transformed.values,
          isdocument: true,
          documentbody: body,
          filename: attachment.fileName,
          mimetype: attachment.mimetype ?? 'application/octet-stream',
        },
        warnings:
          attachment.warning === undefined
            ? transformed.warnings
            : [...transformed.warnings, `fileName: ${attachment.warning}`],
      }
    }
  }
}

/** The reader of Media files the config names (`source.uploads`: a folder, the site's getFile, or both). */
export function uploadsReaderFor(
  uploads: { dir?: string | undefined; httpBase?: string | undefined } | undefined,
  fetch: UploadsReaderOptions['fetch'],
): UploadsReader | undefined {
  if (uploads === undefined) return undefined
  return createUploadsReader({
    ...(uploads.dir !== undefined && { dir: uploads.dir }),
    ...(uploads.httpBase !== undefined && { httpBase: uploads.httpBase, fetch }),
  })
}

/** The files of a batch of Media records, read one by one (a missing file is a result, never an error). */
export async function readAttachments(
  media: readonly X2crmRecord[],
  uploads: UploadsReader | undefined,
): Promise<(Attachment | undefined)[]> {
  if (uploads === undefined) return media.map(() => undefined)
  const read: Attachment[] = []
  for (const record of media) read.push(await uploads.read(record))
  return read
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/**
 * The organization's `maxuploadfilesize` (the largest note body Dataverse takes, measured on its base64 text), or
 * Dataverse's default when the organization row cannot be read (a security role without read on it).
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/reference/entities/organization
 */
export async function readUploadLimit(target: {
  query(entitySet: string, options?: { select?: string[] }): AsyncIterable<Record<string, unknown>>
}): Promise<UploadLimit> {
  try {
    for await (const row of target.query('organizations', { select: ['maxuploadfilesize'] })) {
      const bytes = row['maxuploadfilesize']
      if (typeof bytes === 'number' && bytes > 0) return { bytes, source: 'organization' }
    }
  } catch {
    // Not readable: the default, which the quarantine reasons then name as such.
  }
  return { bytes: DEFAULT_MAX_UPLOAD_BYTES, source: 'default' }
}
