import type { EntityMap, Mapping } from '../mapping/types.ts'

export interface Phase {
  /** `Accounts` for the first pass, `Accounts.links` for the second. */
  name: string
  pass: 1 | 2
  entityMap: EntityMap
}

/**
 * The mapping's entities in order (first pass), then a link pass for each entity that has second-pass lookups
 * (self-references like parentAccount, cycles like account.primarycontactid). Pure.
 */
export function planPhases(mapping: Mapping): Phase[] {
  const first = mapping.entities.map((entityMap): Phase => ({ name: entityMap.entity, pass: 1, entityMap }))
  const second = mapping.entities
    .filter((entityMap) => entityMap.fields.some((f) => f.pass === 2))
    .map((entityMap): Phase => ({ name: `${entityMap.entity}.links`, pass: 2, entityMap }))
  return [...first, ...second]
}
