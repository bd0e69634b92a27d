import { createHash } from 'node:crypto'

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

/** RFC 4122 §4.3 name-based UUID, version 5 (SHA-1). */
export function uuidV5(name: string, namespace: string): string {
  const namespaceHex = namespace.replaceAll('-', '')
  if (!/^[0-9a-f]{32}$/i.test(namespaceHex)) throw new TypeError(`Not a UUID: ${namespace}`)
  const hash = createHash('sha1').update(Buffer.from(namespaceHex, 'hex')).update(name, 'utf8').digest()
  const bytes = hash.subarray(0, 16)
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

function canonicalId(sourceId: number | string): string {
  const text = String(sourceId).trim()
  return /^\d+$/.test(text) ? String(BigInt(text)) : text
}
