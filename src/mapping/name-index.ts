import type { Mapping } from './types.ts'

/**
 * X2CRM record names → ids, per class, for the `linkByName` repair: X2CRM stores a link as plain text when the data
 * came in by import (a contact's company "Acme Corp" without `_ID`); such a text is linked when exactly one record of
 * the target class has exactly that name.
 *
 * Cost: one Map entry per record of each class a link points at (its name and id: about 100 bytes for a short name,
 * so some 100 MB for a million accounts), built while the run reads that class, before the classes that link to it.
 * Only a class read whole in this run answers: a resumed run that skipped it, or a class split by a filter, does not.
 */
export interface NameIndex {
  /** Notes a record's name as the run reads it. */
  add(entity: string, sourceId: number, name: unknown): void
  /** Says the class was read whole: from now on it answers lookups. */
  complete(entity: string): void
  /** Ids of the records of `entity` named exactly `name`; undefined when the class was not read whole. */
  lookup(entity: string, name: string): readonly number[] | undefined
}

/** A name index for the classes links point at (others are not kept). */
export function createNameIndex(classes: Iterable<string>): NameIndex {
  const names = new Map<string, Map<string, number | number[]>>([...classes].map((c) => [c, new Map()]))
  const complete = new Set<string>()
  return {
    add(entity, sourceId, name) {
      const index = names.get(entity)
      if (index === undefined || typeof name !== 'string' || name.trim() === '') return
      const key = name.trim()
      const known = index.get(key)
      // One id as a number (the common case costs no array); a second one makes the entry a list.
      if (known === undefined) index.set(key, sourceId)
      else if (typeof known === 'number') {
        if (known !== sourceId) index.set(key, [known, sourceId])
      } else if (!known.includes(sourceId)) known.push(sourceId)
    },
    complete(entity) {
      if (names.has(entity)) complete.add(entity)
    },
    lookup(entity, name) {
      if (!complete.has(entity)) return undefined
      const known = names.get(entity)?.get(name.trim())
      if (known === undefined) return []
      return typeof known === 'number' ? [known] : known
    },
  }
}

/** The classes plain-text links point at, in entity maps whose `linkByName` repair is on. */
export function linkByNameTargets(mapping: Mapping): string[] {
  return [
    ...new Set(
      mapping.entities
        .filter((e) => e.repairs?.linkByName !== false)
        .flatMap((e) =>
          e.fields.flatMap((f) => (f.transform === 'link' && f.linkTo ? [f.linkTo.entity] : [])),
        ),
    ),
  ]
}
