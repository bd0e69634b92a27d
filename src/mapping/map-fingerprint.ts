import { createHash } from 'node:crypto'
import type { EntityMap, Mapping } from './types.ts'

/**
 * A short hash of what the map does with the records of one X2CRM class: every entity map of the class (a split's
 * tables too), with its fields, transforms, choices, defaults and rules. It changes when a column is added to the map
 * (a field that appeared in X2CRM after confirmation), so the content hash kept per record changes with it and the
 * next `delta` loads every record of the class again, with the new column. Pure.
 */
export function mapFingerprint(mapping: Mapping, entity: string): string {
  const maps = mapping.entities
    .filter((e) => e.entity === entity)
    .map((e) => canonicalMap(e))
    .sort()
  return createHash('sha256').update(maps.join('\u0000')).digest('base64url').slice(0, 16)
}

function canonicalMap(map: EntityMap): string {
  return stable({
    table: map.table.logicalName,
    where: map.where ?? null,
    defaults: map.defaults ?? null,
    fields: [...map.fields]
      .map((f) => ({
        ...f,
        linkTo: f.linkTo?.entity ?? null,
        regardingTo: f.regardingTo?.map((r) => r.entity) ?? null,
      }))
      .sort((a, b) => `${a.source}>${a.target}`.localeCompare(`${b.source}>${b.target}`)),
    repairs: map.repairs ?? null,
  })
}

/** JSON with object keys sorted, so the same map always gives the same text. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}
