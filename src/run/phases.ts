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
  const first = mapping.entities.map((entityMap): Phase => ({
    name: phaseName(entityMap),
    pass: 1,
    entityMap,
  }))
  const second = mapping.entities
    .filter((entityMap) => entityMap.fields.some((f) => f.pass === 2))
    .map((entityMap): Phase => ({ name: `${phaseName(entityMap)}.links`, pass: 2, entityMap }))
  return [...first, ...second]
}

/** `Contacts`, or the map's own name when one class loads into two tables (`Contacts→lead`). */
export function phaseName(entityMap: EntityMap): string {
  return entityMap.name ?? entityMap.entity
}

/** Which entity set each phase writes to: a loaded record's phase says which table it is in. */
export function phaseEntitySets(phases: readonly Phase[]): Map<string, string> {
  return new Map(phases.map((p) => [p.name, p.entityMap.table.entitySet]))
}
