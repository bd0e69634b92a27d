import { createHash, randomUUID } from 'node:crypto'

const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && guidPattern.test(value)
}

export function newGuid(): string {
  return randomUUID()
}

/** A stable GUID derived from a seed string, so defaults stay the same between runs. */
export function guidFrom(seed: string): string {
  const hex = createHash('sha1').update(seed).digest('hex')
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}
