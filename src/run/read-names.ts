import { createNameIndex, linkByNameTargets, type NameIndex } from '../mapping/name-index.ts'
import type { Mapping } from '../mapping/types.ts'
import type { X2crmSource } from '../source/x2crm/types.ts'

/**
 * The name index of the classes plain-text links point at (`linkByName`), read ahead from X2CRM, for the runs that do
 * not read those classes before the ones linking to them (delta, verify). One extra read of each such class; the
 * records X2CRM's lists hide are not in it, so a name only a hidden record has is not linked by these runs.
 */
export async function readNames(source: Pick<X2crmSource, 'records'>, mapping: Mapping): Promise<NameIndex> {
  const targets = linkByNameTargets(mapping)
  const names = createNameIndex(targets)
  for (const entity of targets) {
    for await (const record of source.records(entity)) names.add(entity, Number(record.id), record['name'])
    names.complete(entity)
  }
  return names
}
