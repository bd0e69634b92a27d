import type { SimRequest } from '../../serve.ts'
import { DataverseFault, faults } from '../errors.ts'
import { jsonResponse, type ApiContext } from './context.ts'

/** How old a RetrieveTotalRecordCount snapshot may get before it is taken again: 24 hours [D]. */
export const recordCountSnapshotMs = 24 * 60 * 60 * 1000

/** Per table: when the count was taken and what it was. Kept per simulator. */
export type RecordCountSnapshots = Map<string, { takenAt: number; count: number }>

/**
 * `GET RetrieveTotalRecordCount(EntityNames=@p1)?@p1=["account","contact"]` (or the list inline):
 * the number of rows of each table, from a snapshot taken within the past 24 hours, without the
 * 5,000 cap of `$count`. [U] when the snapshot is taken: on the first call for a table, then again
 * once it is 24 hours old (simulator clock).
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/reference/retrievetotalrecordcount
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/count-rows
 */
export function retrieveTotalRecordCount(
  context: ApiContext,
  request: SimRequest,
  resource: string,
  snapshots: RecordCountSnapshots,
): Response {
  if (request.method !== 'GET') throw faults.methodNotAllowed(request.method)
  context.count('RetrieveTotalRecordCount')
  const argument = /^RetrieveTotalRecordCount\(EntityNames=(.*)\)$/s.exec(resource)?.[1]
  if (argument === undefined) throw faults.querySyntax("RetrieveTotalRecordCount needs 'EntityNames'.")
  const url = new URL(request.url)
  const text = argument.startsWith('@') ? url.searchParams.get(argument) : argument
  let names: unknown
  try {
    names = JSON.parse((text ?? '').replace(/'/g, '"'))
  } catch {
    names = undefined
  }
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) {
    throw faults.querySyntax(`EntityNames must be a JSON array of table logical names, got '${text ?? ''}'.`)
  }
  const now = context.clock()
  const counts = (names as string[]).map((name) => {
    if (!context.catalog.byName(name)) {
      // [U] code and text for a table that does not exist
      throw new DataverseFault(404, '0x80040217', `Could not find entity with name '${name}'.`)
    }
    let snapshot = snapshots.get(name)
    if (!snapshot || now - snapshot.takenAt >= recordCountSnapshotMs) {
      snapshot = { takenAt: now, count: context.store.list(name).length }
      snapshots.set(name, snapshot)
    }
    return snapshot.count
  })
  return jsonResponse(200, {
    '@odata.context': `${context.apiUrl}$metadata#Microsoft.Dynamics.CRM.RetrieveTotalRecordCountResponse`,
    EntityRecordCountCollection: {
      Count: names.length,
      IsReadOnly: false,
      Keys: names,
      Values: counts,
    },
  })
}
