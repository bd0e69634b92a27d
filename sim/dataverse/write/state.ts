import { faults } from '../errors.ts'
import type { ColumnJson, Table } from '../tables.ts'

export interface StateChange {
  statecode?: number
  statuscode?: number
}

function stateColumn(table: Table): ColumnJson | undefined {
  return table.columns.find((c) => c.type === 'State')
}
function statusColumn(table: Table): ColumnJson | undefined {
  return table.columns.find((c) => c.type === 'Status')
}

/**
 * The state a create produces: the first state option (Active/Open), except products, which
 * start in Draft (statecode 2) until PublishProductHierarchy (webapi.md §7.9 [D]).
 */
export function defaultState(table: Table): number | undefined {
  if (table.logicalName === 'product' && stateColumn(table)?.options?.some((o) => o.value === 2)) return 2
  return stateColumn(table)?.options?.[0]?.value
}

export function defaultStatus(table: Table, state: number | undefined): number | undefined {
  const options = statusColumn(table)?.options
  return (options?.find((o) => o.state === state) ?? options?.[0])?.value
}

/** e.g. `AccountState.Active`, the enum name Dataverse prints in state/status errors. */
function stateName(table: Table, state: number | undefined): string {
  const label = stateColumn(table)?.options?.find((o) => o.value === state)?.label ?? String(state)
  const entity = table.logicalName.charAt(0).toUpperCase() + table.logicalName.slice(1)
  return `${entity}State.${label.replace(/\s+/g, '')}`
}

/**
 * Resolves statecode/statuscode for a write. A statuscode must belong to the statecode
 * (0x80048408, e.g. "2 is not a valid status code for state code AccountState.Active on account
 * with Id …" [C: community report of a POST with statecode 1 + statuscode 2]). On create the
 * statecode is not valid for create, so a row always starts in the default state.
 */
export function resolveState(
  table: Table,
  id: string,
  current: StateChange,
  requested: StateChange,
): { statecode?: number; statuscode?: number } {
  if (!stateColumn(table) && !statusColumn(table)) return {}
  const statecode = requested.statecode ?? current.statecode
  const statuscode =
    requested.statuscode ??
    (requested.statecode !== undefined && requested.statecode !== current.statecode
      ? defaultStatus(table, statecode)
      : (current.statuscode ?? defaultStatus(table, statecode)))
  const option = statusColumn(table)?.options?.find((o) => o.value === statuscode)
  if (statuscode !== undefined && option?.state !== undefined && option.state !== statecode) {
    throw faults.invalidStatus(table.logicalName, statuscode, stateName(table, statecode), id)
  }
  return { statecode, statuscode }
}
