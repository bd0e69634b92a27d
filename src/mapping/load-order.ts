import type { EntityMap, FieldMap } from './types.ts'

/**
 * The classes a field's lookup points at: a link's one class, the several classes a `regarding` may be about
 * (an action's contact, account, opportunity...); none for other fields.
 */
export function parentEntities(field: FieldMap): string[] {
  if (field.transform === 'link' && field.linkTo !== undefined) return [field.linkTo.entity]
  if (field.transform === 'regarding') return [...new Set((field.regardingTo ?? []).map((r) => r.entity))]
  return []
}

/**
 * Entity maps in load order: each after the entities its first-pass links point at, otherwise in the order given.
 * Second-pass links are set aside (they are bound after every first pass). A cycle of first-pass links (a
 * self-reference included) has no order: it comes back as the entity names that close it.
 */
export function orderEntityMaps(maps: readonly EntityMap[]): {
  entities: EntityMap[]
  cycles: string[][]
} {
  const parentsOf = (map: EntityMap) =>
    new Set(map.fields.filter((f) => (f.pass ?? 1) === 1).flatMap((f) => parentEntities(f)))
  const done = new Set<string>()
  const ordered: EntityMap[] = []
  const cycles: string[][] = []
  const visiting: string[] = []
  const byEntity = (entity: string) => maps.filter((m) => m.entity === entity)

  const visit = (entity: string): void => {
    if (done.has(entity)) return
    const at = visiting.indexOf(entity)
    if (at >= 0) {
      cycles.push([...visiting.slice(at), entity])
      return
    }
    visiting.push(entity)
    for (const map of byEntity(entity))
      for (const parent of parentsOf(map)) if (byEntity(parent).length > 0) visit(parent)
    visiting.pop()
    if (!done.has(entity)) {
      done.add(entity)
      ordered.push(...byEntity(entity))
    }
  }
  for (const map of maps) visit(map.entity)
  return { entities: ordered, cycles }
}
