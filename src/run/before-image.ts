import { STATE_COLUMNS } from './retire.ts'
import { regardingNav } from '../mapping/action-type.ts'
import type { EntityMap, FieldMap } from '../mapping/types.ts'
import type { DataverseTarget, TableRef } from '../target/dataverse/types.ts'

/** The logical column behind a lookup's navigation property: `parentcustomerid_account` → `parentcustomerid`. */
export function lookupColumn(field: FieldMap): string {
  if (field.transform === 'owner') return 'ownerid'
  const suffix = field.linkTo ? `_${field.linkTo.table.logicalName}` : ''
  return suffix && field.target.endsWith(suffix) ? field.target.slice(0, -suffix.length) : field.target
}

/**
 * What to read back of a row so it can be restored: every column the map writes, lookups as `_x_value`, and the X2CRM
 * id column (a row matched by dedupe had none before). Pure.
 */
export function imageColumns(map: EntityMap): string[] {
  const columns = map.fields.flatMap((f) =>
    f.transform === 'owner'
      ? ['_ownerid_value', '_owningteam_value'] // the team, when a team owns the row
      : f.transform === 'link' || f.transform === 'regarding' || f.transform === 'priceList'
        ? [`_${lookupColumn(f)}_value`]
        : f.transform === 'unit'
          ? [] // the run's unit group and unit, the same on every row
          : f.transform === 'activityState'
            ? STATE_COLUMNS
            : [f.target],
  )
  if (map.sourceIdColumn !== undefined) columns.push(map.sourceIdColumn)
  return [...new Set(columns)]
}

/** The values to PATCH back to put a row as its image says: columns as they were, lookups re-bound or cleared. Pure. */
export function restoreValues(
  map: EntityMap,
  image: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const values: Record<string, unknown> = {}
  for (const field of map.fields) {
    if (field.transform === 'link' || field.transform === 'owner') {
      const id = image[`_${lookupColumn(field)}_value`]
      if (field.transform === 'owner') {
        // A row owned by a team (an X2CRM group's) goes back to the team.
        const team = image['_owningteam_value']
        if (typeof id === 'string')
          values['ownerid@odata.bind'] = team === id ? `/teams(${id})` : `/systemusers(${id})`
        continue
      }
      const entitySet = field.linkTo?.table.entitySet
      if (entitySet === undefined) continue
      values[`${field.target}@odata.bind`] = typeof id === 'string' ? `/${entitySet}(${id})` : null
    } else if (field.transform === 'regarding') {
      Object.assign(values, restoreRegarding(map, field, image))
    } else if (field.transform === 'activityState') {
      continue // the state columns are restored below
    } else if (field.target in image) {
      values[field.target] = image[field.target]
    }
  }
  if (map.sourceIdColumn !== undefined && map.sourceIdColumn in image)
    values[map.sourceIdColumn] = image[map.sourceIdColumn]
  // A row a delta deactivated carries its state in the image: restoring it reactivates the row.
  for (const column of STATE_COLUMNS) if (column in image) values[column] = image[column]
  return values
}

/**
 * A polymorphic lookup as the image holds it (`_regardingobjectid_value` and its lookuplogicalname annotation) →
 * the bind that restores it; cleared when it was empty. Left as it is when the image does not say which table.
 */
function restoreRegarding(
  map: EntityMap,
  field: FieldMap,
  image: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const key = `_${field.target}_value`
  const id = image[key]
  if (id === null || id === undefined) {
    const navs = [...new Set((field.regardingTo ?? []).map((r) => r.table.logicalName))]
    return Object.fromEntries(
      navs.map((t) => [`${regardingNav(field.target, t, map.table.logicalName)}@odata.bind`, null]),
    )
  }
  const table = image[`${key}@Microsoft.Dynamics.CRM.lookuplogicalname`]
  const parent = (field.regardingTo ?? []).find((r) => r.table.logicalName === table)
  if (typeof id !== 'string' || parent === undefined) return {}
  return {
    [`${regardingNav(field.target, parent.table.logicalName, map.table.logicalName)}@odata.bind`]: `/${parent.table.entitySet}(${id})`,
  }
}

const IDS_PER_QUERY = 50

/**
 * The rows among `targetIds` that already exist, keyed by id, with the columns a rollback needs. One query per 50 ids
 * (an `or` of primary-key comparisons keeps the URL well under Dataverse's limits).
 */
export async function readExisting(
  target: Pick<DataverseTarget, 'query'>,
  table: TableRef,
  targetIds: readonly string[],
  columns: readonly string[],
): Promise<Map<string, Record<string, unknown>>> {
  const existing = new Map<string, Record<string, unknown>>()
  for (let i = 0; i < targetIds.length; i += IDS_PER_QUERY) {
    const ids = targetIds.slice(i, i + IDS_PER_QUERY)
    const filter = ids.map((id) => `${table.primaryId} eq ${id}`).join(' or ')
    for await (const row of target.query(table.entitySet, {
      select: [table.primaryId, ...columns],
      filter,
    })) {
      const id = row[table.primaryId]
      if (typeof id === 'string') {
        const values: Record<string, unknown> = {}
        for (const column of columns) values[column] = row[column] ?? null
        existing.set(id, values)
      }
    }
  }
  return existing
}
