/**
 * The rows a migration wrote after its phases, which the ledger does not keep per record: each case's
 * incidentresolution, the list members, connections and their roles, the tag table's rows. Read from the run's
 * summary (what `migrate` stored when it finished), as `[table, rows written, refused]`. Pure.
 */
export function afterLoadRows(
  summary: Readonly<Record<string, unknown>> | undefined,
  tagTable: string | undefined,
): [table: string, written: number, refused: number][] {
  const part = (name: string) => {
    const value = summary?.[name]
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined
  }
  const count = (value: unknown) => (typeof value === 'number' ? value : 0)
  const refused = (value: unknown) => (Array.isArray(value) ? value.length : 0)
  const rows: [string, number, number][] = []
  const cases = part('cases')
  if (cases !== undefined && count(cases['resolved']) + refused(cases['failed']) > 0)
    rows.push(['incidentresolution', count(cases['resolved']), refused(cases['failed'])])
  const lists = part('lists')
  if (lists !== undefined && count(lists['added']) + refused(lists['failed']) > 0)
    rows.push(['listmember', count(lists['added']), refused(lists['failed'])])
  const connections = part('connections')
  if (connections !== undefined && count(connections['connected']) + refused(connections['failed']) > 0) {
    rows.push(['connection', count(connections['connected']), refused(connections['failed'])])
    if (count(connections['rolesCreated']) > 0)
      rows.push(['connectionrole', count(connections['rolesCreated']), 0])
  }
  const tags = part('tagRows')
  if (tags !== undefined && tagTable !== undefined && count(tags['rows']) + refused(tags['failed']) > 0)
    rows.push([tagTable, count(tags['rows']), refused(tags['failed'])])
  return rows
}
