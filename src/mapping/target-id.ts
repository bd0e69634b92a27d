import { hash } from 'node:crypto'

/**
 * The namespace of every x2d365 target id. Never change it: every row already migrated was keyed with it, and a
 * re-run, a delta or a rollback finds those rows only by recomputing the same ids.
 */
export const X2D365_NAMESPACE = '6b1f3c2e-8d4a-4f0b-9c57-2e1d0a7f4b93'

/**
 * The Dataverse primary key of a migrated row: a UUID v5 of the X2CRM instance, class and id. The same record
 * always gets the same id, so loads are upserts and lookups to parents are computed, not looked up.
 * A numeric string and the number give the same id (`"12"` and `12`), as X2CRM returns either.
 * @example targetIdFor('https://crm.example.com', 'Contacts', 12)
 */
export function targetIdFor(instance: string, entity: string, sourceId: number | string): string {
  return uuidV5(`${instance}\n${entity}\n${canonicalId(sourceId)}`, X2D365_NAMESPACE)
}

/** The bytes of each namespace seen, checked once: a migration computes ids for every record and every link. */
const namespaceBytes = new Map<string, Buffer>()

function bytesOfNamespace(namespace: string): Buffer {
  let bytes = namespaceBytes.get(namespace)
  if (bytes === undefined) {
    const hex = namespace.replaceAll('-', '')
    if (!/^[0-9a-f]{32}$/i.test(hex)) throw new TypeError(`Not a UUID: ${namespace}`)
    bytes = Buffer.from(hex, 'hex')
    namespaceBytes.set(namespace, bytes)
  }
  return bytes
}

/**
 * RFC 4122 §4.3 name-based UUID, version 5 (SHA-1). One-shot `crypto.hash` on the namespace and name together, with
 * the version and variant bits set in the hex: a 100k-record migrate computes ~1M of these, and a `createHash` object
 * with two updates and a digest each cost ~5% of its CPU.
 */
export function uuidV5(name: string, namespace: string): string {
  const prefix = bytesOfNamespace(namespace)
  const hex = hash('sha1', Buffer.concat([prefix, Buffer.from(name, 'utf8')]), 'hex')
  // Byte 6's high nibble is the version (5); byte 8's two high bits are the variant (10).
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

function canonicalId(sourceId: number | string): string {
  if (typeof sourceId === 'number' && Number.isSafeInteger(sourceId) && sourceId >= 0) return String(sourceId)
  const text = String(sourceId).trim()
  return /^\d+$/.test(text) ? String(BigInt(text)) : text
}
