import { faults, payloadFault } from '../errors.ts'
import type { Catalog, Table } from '../tables.ts'
import type { Changes, PayloadContext } from './payload.ts'

/** The activity parties a create or upsert body carries, read and validated before anything is written. */
export interface PartyChanges {
  /** the activityparty table */
  table: Table
  rows: Changes[]
}

/**
 * Reads `<activity>_activity_parties: [{ "partyid_contact@odata.bind": "/contacts(<id>)",
 * "participationtypemask": 2 }, …]` (webapi.md §7.5 [D]; Microsoft "Activity tables" /
 * "activityparty" pages). Each item is an activityparty body: unknown navigation names, bind
 * targets that do not exist (404 0x80040217) and participationtypemask values outside the
 * choice (400 0x80044331) fail like any other write; `activityid` is set by the platform.
 * `readItem` is readPayload, passed in to keep the modules acyclic.
 */
export function readParties(
  nav: string,
  value: unknown,
  context: PayloadContext,
  readItem: (body: unknown, context: PayloadContext) => Changes,
): PartyChanges {
  const { table, catalog } = context
  const partyTable = catalog.byName('activityparty')
  if (!partyTable) throw faults.unknownProperty(table.entitySet, table.logicalName, nav)
  if (!Array.isArray(value)) {
    throw payloadFault(
      table.entitySet,
      `The value of '${nav}' must be a JSON array of activityparty objects; got ${JSON.stringify(value)}.`,
    )
  }
  const rows = (value as unknown[]).map((item) => {
    // activityid is the activity being written, whatever the item says
    const body = isObject(item)
      ? Object.fromEntries(Object.entries(item).filter(([key]) => !key.startsWith('activityid')))
      : item
    const changes = readItem(body, { ...context, table: partyTable, mode: 'create' })
    // participationtypemask is SystemRequired and has no default; the message is [U].
    if (changes.values.participationtypemask === undefined || changes.values.participationtypemask === null) {
      throw faults.required('activityparty', 'participationtypemask')
    }
    return changes
  })
  return { table: partyTable, rows }
}

/** `<activity>_activity_parties`: the one collection-valued navigation property the simulator knows. */
export function isCollectionNav(table: Table, catalog: Catalog, nav: string): boolean {
  return nav === `${table.logicalName}_activity_parties` && hasActivityParties(table, catalog)
}

/** email, phonecall, appointment: activity tables with party lists (webapi.md §7.5). */
export function hasActivityParties(table: Table, catalog: Catalog): boolean {
  const activityid = catalog.byName('activityparty')?.columnsByName.get('activityid')
  return (
    (activityid?.target ?? []).includes(table.logicalName) &&
    table.columns.some((column) => column.type === 'PartyList')
  )
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
