import { createNameTable, type NameTable } from './name-table.ts'
import type { Mapping } from './types.ts'

/**
 * X2CRM record names → ids, per class, for the `linkByName` repair: X2CRM stores a link as plain text when the data
 * came in by import (a contact's company "Acme Corp" without `_ID`); such a text is linked when exactly one record of
 * the target class has exactly that name.
 *
 * Cost: each name's UTF-8 bytes and a 16-byte slot per record of each class a link points at (name-table.ts: some
 * 40 MB for a million accounts, where a Map of strings took ~100 MB), built while the run reads that class, before
 * the classes that link to it.
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
  const names = new Map<string, NameTable>([...classes].map((c) => [c, createNameTable()]))
  const complete = new Set<string>()
  return {
    add(entity, sourceId, name) {
      const table = names.get(entity)
      if (table === undefined || typeof name !== 'string' || name.trim() === '') return
      table.add(name.trim(), sourceId)
    },
    complete(entity) {
      if (names.has(entity)) complete.add(entity)
    },
    lookup(entity, name) {
      if (!complete.has(entity)) return undefined
      return names.get(entity)?.get(name.trim()) ?? []
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
