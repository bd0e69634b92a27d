import type { SourceKey } from '../domain/source-key.ts'
import type { LoadedRecord } from '../ledger/ledger.ts'
import type { EntityMap, LinkRef } from '../mapping/types.ts'
import { lookupColumn } from './before-image.ts'

/**
 * Binds each link whose parent is in Dataverse; the others are left empty, with a warning saying why. `phaseSets`
 * (phase → entity set) keeps a link from binding to a parent that a split map loaded into another table. Pure.
 */
export function bindLinks(
  links: readonly LinkRef[],
  loaded: ReadonlyMap<SourceKey, LoadedRecord>,
  phaseSets: ReadonlyMap<string, string> = new Map(),
): { binds: Record<string, string>; warnings: string[] } {
  const binds: Record<string, string> = {}
  const warnings: string[] = []
  for (const link of links) {
    const parent = loaded.get(link.parentKey)
    const parentSet = parent === undefined ? undefined : phaseSets.get(parent.phase)
    // A polymorphic lookup (an activity's regarding) binds into whichever of its tables the parent went to.
    const nav = parentSet !== undefined ? link.navBySet?.[parentSet] : undefined
    if (parent !== undefined && parentSet !== undefined && nav !== undefined) {
      binds[`${nav}@odata.bind`] = `/${parentSet}(${parent.targetId})`
    } else if (parentSet !== undefined && parentSet !== link.entitySet) {
      warnings.push(
        `${link.field}: ${link.parentKey} was loaded into ${parentSet}, not ${link.entitySet} (split by the map); link left empty`,
      )
    } else if (parent === undefined) {
      warnings.push(
        `${link.field}: ${link.parentKey} is not in Dataverse (missing from X2CRM, or quarantined); link left empty`,
      )
    } else {
      binds[`${link.nav}@odata.bind`] = `/${link.entitySet}(${parent.targetId})`
    }
  }
  return { binds, warnings }
}

/**
 * A lookup the X2CRM record no longer has (its company was cleared) but the existing row still holds: set to null,
 * as the Web API disassociates a single-valued navigation property (webapi.md; Microsoft's "Associate and
 * disassociate table rows"). Links of either pass: the second pass only sets links, it never clears them. Pure.
 */
export function emptiedLinks(
  entityMap: Pick<EntityMap, 'fields'>,
  transformed: { links: readonly LinkRef[] },
  image: Readonly<Record<string, unknown>>,
): Record<string, null> {
  const cleared: Record<string, null> = {}
  for (const field of entityMap.fields) {
    if (field.transform !== 'link') continue
    if (transformed.links.some((l) => l.field === field.source && l.nav === field.target)) continue
    const current = image[`_${lookupColumn(field)}_value`]
    if (current !== null && current !== undefined) cleared[`${field.target}@odata.bind`] = null
  }
  return cleared
}
