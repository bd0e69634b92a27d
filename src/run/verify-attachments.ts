import { createHash } from 'node:crypto'
import type { Attachment } from '../source/x2crm/uploads/reader.ts'
import type { FieldMismatch } from './compare-row.ts'

/**
 * A note's file against the file X2CRM holds now: equal when the SHA-256 of the note's `documentbody` (base64
 * decoded) is the file's, compared as `sha256:<hex>`. A file X2CRM no longer serves is a mismatch naming why; a
 * system asset has no note to compare. Pure.
 */
export function attachmentMismatch(
  row: Readonly<Record<string, unknown>>,
  attachment: Attachment,
): FieldMismatch | undefined {
  if (attachment.status === 'skipped') return undefined
  const body = row['documentbody']
  const actual =
    typeof body === 'string' && body !== ''
      ? `sha256:${createHash('sha256').update(Buffer.from(body, 'base64')).digest('hex')}`
      : null
  const expected =
    attachment.status === 'found'
      ? `sha256:${attachment.sha256}`
      : attachment.status === 'missing'
        ? `(no file: ${attachment.reason})`
        : `(in Google Drive: ${attachment.url})`
  return actual === expected ? undefined : { field: 'fileName', column: 'documentbody', expected, actual }
}
