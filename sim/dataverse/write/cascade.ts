import type { Store, StoredRow } from '../store.ts'
import { lookupTypes, type Catalog, type ColumnJson, type Table } from '../tables.ts'

/** What deleting a row does to a row whose lookup points at it (CascadeConfiguration.Delete). */
export type DeleteBehaviour = 'Cascade' | 'RemoveLink'

/**
 * Relationships whose child rows are deleted with their parent ("parental"):
 * - `opportunity_customer_accounts` / `opportunity_customer_contacts` [D]
 *   https://learn.microsoft.com/en-us/dynamics365/customerengagement/on-premises/developer/entity-relationship-behavior
 * - `contact_customer_accounts` / `contact_customer_contacts`, activities by `regardingobjectid`, notes by
 *   `objectid`, marketing-list members, connections, an activity's parties and attachments [C].
 */
const parental: ReadonlySet<string> = new Set([
  'opportunity.customerid',
  'contact.parentcustomerid',
  'annotation.objectid',
  'activitymimeattachment.objectid',
  'activityparty.activityid',
  'listmember.listid',
  'listmember.entityid',
  'connection.record1id',
  'connection.record2id',
  'opportunityproduct.opportunityid',
  'quotedetail.quoteid',
  'productpricelevel.pricelevelid',
])

/**
 * Cascade for the parental relationships above and, [U], for any other SystemRequired lookup
 * (it cannot be left empty); otherwise RemoveLink, the documented default of a custom
 * relationship (https://learn.microsoft.com/en-us/power-apps/maker/data-platform/configure-entity-relationship-cascading-behavior).
 */
export function deleteBehaviour(table: Table, column: ColumnJson): DeleteBehaviour {
  if (parental.has(`${table.logicalName}.${column.name}`) || column.name === 'regardingobjectid')
    return 'Cascade'
  return column.required === 'SystemRequired' ? 'Cascade' : 'RemoveLink'
}

/**
 * Deletes a row and applies each relationship's delete behaviour to the rows that point at it,
 * depth first (a deleted account takes its contacts, and their notes and tasks with them).
 * System lookups (owner, created/modified by) are not followed: those rows are not deleted here.
 */
export function deleteWithCascade(context: { store: Store; catalog: Catalog }, row: StoredRow): void {
  const { store, catalog } = context
  if (!store.delete(row.table, row.id)) return
  for (const child of catalog.tables()) {
    const columns = child.columns.filter(
      (c) =>
        lookupTypes.has(c.type) &&
        c.type !== 'Owner' &&
        (c.target?.includes(row.table) ?? false) &&
        (c.readOnly !== true || parental.has(`${child.logicalName}.${c.name}`)),
    )
    if (columns.length === 0) continue
    for (const candidate of store.list(child.logicalName)) {
      const linked = columns.filter((c) => {
        const ref = candidate.lookups[c.name]
        return ref?.id === row.id && ref.table === row.table
      })
      if (linked.length === 0) continue
      if (linked.some((c) => deleteBehaviour(child, c) === 'Cascade')) {
        deleteWithCascade(context, candidate)
        continue
      }
      const lookups = { ...candidate.lookups }
      for (const c of linked) delete lookups[c.name]
      const version = store.nextVersion()
      const values = child.columnsByName.has('versionnumber')
        ? { ...candidate.values, versionnumber: version }
        : candidate.values
      store.put({ ...candidate, lookups, values, version })
    }
  }
}
