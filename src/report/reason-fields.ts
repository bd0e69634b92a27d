import type { EntityMap, FieldMap, Mapping } from '../mapping/types.ts'
import { lookupColumn } from '../run/before-image.ts'
import { planLoad } from '../plan/plan-load.ts'
import { normalizeReason } from '../run/reason-groups.ts'

/** The entity map a phase of a run loaded through (`Accounts.links` is the second pass of `Accounts`). Pure. */
export function entityMapOfPhase(mapping: Mapping, phase: string): EntityMap | undefined {
  return planLoad(mapping).phases.find((p) => p.name === phase)?.entityMap
}

/**
 * The X2CRM fields a quarantine reason is about, in the order it names them, each once. Pure.
 *
 * A reason is one or more messages joined by `; `. Messages of the transform and of the offline checks start with the
 * X2CRM field (`firstName, lastName: the contact has neither…`, `lastName: contact.lastname has 312 characters…`).
 * Dataverse's refusals name the column in quotes (`The length of the 'name' attribute of the 'account' entity
 * exceeded…`, `The value 3000000000 of 'numberofemployees' on record of type 'account'…`, `The property 'x' does not
 * exist on type…`): a quoted name that is a column the map writes (or the lookup behind a navigation property it
 * binds) is turned back into the field it comes from. Without the map, only the first kind can be told.
 *
 * `id` is never returned (a record's key is not something a fix can change), nor, with a map, a name that is not one
 * of its X2CRM fields (a column a map default fills).
 */
export function fieldsOfReason(reason: string, entityMap?: EntityMap): string[] {
  const fields: string[] = []
  const add = (field: string) => {
    if (field === 'id' || fields.includes(field)) return
    if (entityMap !== undefined && !entityMap.fields.some((f) => f.source === field)) return
    fields.push(field)
  }
  for (const message of reason.split('; ')) {
    const named = normalizeReason(message).field
    if (named !== '') {
      for (const field of named.split(', ')) add(field)
      continue
    }
    if (entityMap === undefined) continue
    for (const [, quoted = ''] of message.matchAll(/'([A-Za-z_][\w@.]*)'/g)) {
      for (const field of fieldsWritingColumn(entityMap, quoted)) add(field.source)
    }
  }
  return fields
}

/**
 * The fields of the map that write a column as Dataverse names it in a message: the column itself, a navigation
 * property with its `@odata.bind`, the lookup attribute behind one (`parentcustomerid` for
 * `parentcustomerid_account`), or its `_x_value` read form.
 */
function fieldsWritingColumn(map: EntityMap, name: string): FieldMap[] {
  const column = name.replace(/@odata\.bind$/, '').replace(/^_(.+)_value$/, '$1')
  if (column === map.table.logicalName || column === map.table.entitySet) return []
  return map.fields.filter((field) => {
    if (field.target === column) return true
    return (field.transform === 'link' || field.transform === 'owner') && lookupColumn(field) === column
  })
}
