import type { Mapping } from './types.ts'

/** A field X2CRM has that the map neither moves nor skips: it appeared after the map was written. */
export interface NewField {
  entity: string
  field: string
  /** X2CRM's label, when known. */
  label?: string
  custom: boolean
}

/**
 * The fields of the map's classes that the map does not name at all (not mapped, not skipped): a confirmed map names
 * every field, so these appeared in X2CRM since it was confirmed (a custom field added before cutover). `map propose
 * --update` adds them. Pure.
 */
export function fieldsNewSinceMap(
  mapping: Mapping,
  sourceFields: Readonly<
    Record<string, readonly { fieldName: string; attributeLabel?: string; custom?: boolean }[]>
  >,
): NewField[] {
  const named = new Map<string, Set<string>>()
  for (const map of mapping.entities) {
    const names = named.get(map.entity) ?? new Set<string>()
    for (const f of map.fields) {
      names.add(f.source)
      if (f.typeField !== undefined) names.add(f.typeField)
    }
    for (const skipped of map.skipped ?? []) names.add(skipped)
    named.set(map.entity, names)
  }
  const found: NewField[] = []
  for (const [entity, names] of named) {
    // A map that names none of a class's fields (the built-in map) lists only what it moves: nothing is new there.
    if ((mapping.entities.find((e) => e.entity === entity)?.skipped ?? []).length === 0) continue
    for (const field of sourceFields[entity] ?? []) {
      if (names.has(field.fieldName)) continue
      found.push({
        entity,
        field: field.fieldName,
        ...(field.attributeLabel !== undefined && { label: field.attributeLabel }),
        custom: field.custom === true,
      })
    }
  }
  return found
}
