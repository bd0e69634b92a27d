import type { SourceFix } from '../ledger/fix-store.ts'
import { createNameIndex, linkByNameTargets, type NameIndex } from '../mapping/name-index.ts'
import type { Mapping } from '../mapping/types.ts'
import type { ChangeFinder } from '../source/x2crm/changes.ts'
import type { X2crmSource } from '../source/x2crm/types.ts'

/** A cheaper way to the names than reading records whole: the database's `SELECT id, name`, with the fixes on top. */
export interface NameReader {
  finder: Pick<ChangeFinder, 'covers' | 'names'>
  /** The fixes stored (`x2d365 fix`): a fixed `name` replaces X2CRM's, as the records read through the fixes say. */
  fixes: readonly SourceFix[]
}

/**
 * The name index of the classes plain-text links point at (`linkByName`), read ahead from X2CRM, for the runs that do
 * not read those classes before the ones linking to them (delta, verify). One extra read of each such class; the
 * records X2CRM's lists hide are not in it, so a name only a hidden record has is not linked by these runs.
 * With `cheap` (the database source), a class its finder covers is read as ids and names alone, not whole records.
 */
export async function readNames(
  source: Pick<X2crmSource, 'records'>,
  mapping: Mapping,
  cheap?: NameReader,
): Promise<NameIndex> {
  const targets = linkByNameTargets(mapping)
  const names = createNameIndex(targets)
  for (const entity of targets) {
    const finder = cheap?.finder
    const listed = finder?.covers(entity) === true ? finder.names?.(entity) : undefined
    if (listed !== undefined) {
      const fixed = fixedNames(cheap?.fixes ?? [], entity)
      for await (const { id, name } of listed) names.add(entity, id, fixed.get(id) ?? name)
    } else {
      for await (const record of source.records(entity)) names.add(entity, Number(record.id), record['name'])
    }
    names.complete(entity)
  }
  return names
}

/** The fixed `name` of each record of `entity`, the newest fix winning (as the fixes are applied in order). */
function fixedNames(fixes: readonly SourceFix[], entity: string): Map<number, string> {
  const fixed = new Map<number, string>()
  for (const fix of fixes) if (fix.entity === entity && fix.field === 'name') fixed.set(fix.id, fix.value)
  return fixed
}
