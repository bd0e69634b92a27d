import type { SimRequest } from '../../serve.ts'
import { DataverseFault, faults, payloadFault } from '../errors.ts'
import { isGuid, newGuid } from '../guid.ts'
import { resolveAlternateKey } from '../metadata/schema.ts'
import type { Table } from '../tables.ts'
import { createRow, updateRow } from '../write/apply.ts'
import { readPayload } from '../write/payload.ts'
import { jsonResponse, noContent, type ApiContext } from './context.ts'
import { readJson } from './entity.ts'

export type BulkMessage = 'CreateMultiple' | 'UpdateMultiple' | 'UpsertMultiple'

export const bulkMessages: ReadonlySet<string> = new Set([
  'CreateMultiple',
  'UpdateMultiple',
  'UpsertMultiple',
])

/**
 * Standard tables whose reference pages list CreateMultiple/UpdateMultiple/UpsertMultiple
 * (webapi.md §4.2 [D]; incident/quote/quotedetail per the tables README). Not email,
 * annotation, listmember, productpricelevel, team, businessunit, connection(role); the
 * activity tables and systemuser are unconfirmed [U], so they are left out.
 */
export const bulkTables: ReadonlySet<string> = new Set([
  'account',
  'contact',
  'lead',
  'opportunity',
  'opportunityproduct',
  'product',
  'pricelevel',
  'campaign',
  'list',
  'uomschedule',
  'incident',
  'quote',
  'quotedetail',
])

/** Per-target simulated execution time, for the execution-time service protection limit. */
export interface BulkCost {
  perTargetMs(message: BulkMessage): number
}

/**
 * POST {set}/Microsoft.Dynamics.CRM.{Create|Update|Upsert}Multiple (webapi.md §4.1, §4.2):
 * every target needs `@odata.type`; on standard tables the call is one transaction, so any
 * failing target rolls back all of them and the error is the one a single request would get.
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/bulk-operations
 */
export async function runBulk(
  context: ApiContext,
  table: Table,
  message: BulkMessage,
  request: SimRequest,
  cost: BulkCost,
): Promise<Response> {
  context.count(message)
  if (!bulkTables.has(table.logicalName) && !table.custom)
    throw faults.messageNotSupported(message, table.logicalName)
  const body = await readJson(request, table)
  const targets = typeof body === 'object' && body !== null && 'Targets' in body ? body.Targets : undefined
  if (!Array.isArray(targets)) {
    throw payloadFault(
      table.entitySet,
      `The parameter 'Targets' of '${message}' is missing or is not a collection.`,
    )
  }
  context.addCost(targets.length * cost.perTargetMs(message))
  const ids = await context.store.atomically(() => applyTargets(context, table, message, targets))
  if (message === 'CreateMultiple') {
    return jsonResponse(200, {
      '@odata.context': `${context.apiUrl}$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse`,
      Ids: ids,
    })
  }
  return noContent()
}

function applyTargets(context: ApiContext, table: Table, message: BulkMessage, targets: unknown[]): string[] {
  const ids: string[] = []
  const seen = new Set<string>()
  for (const target of targets) {
    if (typeof target !== 'object' || target === null || Array.isArray(target)) {
      throw payloadFault(table.entitySet, `Each item of 'Targets' must be a ${table.logicalName} entity.`)
    }
    if (!('@odata.type' in target)) {
      // webapi.md §4.1 [D]: every item in Targets must carry @odata.type; the exact error is [U].
      throw payloadFault(
        table.entitySet,
        `The '@odata.type' annotation 'Microsoft.Dynamics.CRM.${table.logicalName}' is required on every item of 'Targets'.`,
      )
    }
    if (message === 'CreateMultiple') {
      const changes = readPayload(target, { ...context, table, mode: 'create' })
      ids.push(createRow(table, changes, context).id)
      continue
    }
    const { id: keyedId, keyValues } = targetKey(context, table, target)
    const id = keyedId ?? newGuid()
    if (seen.has(id)) {
      // UpdateMultiple applies the first of duplicate keys and ignores the rest; UpsertMultiple fails (webapi.md §4.1 [D]).
      if (message === 'UpdateMultiple') continue
      throw new DataverseFault(
        400,
        '0x80040203',
        `Targets contains more than one ${table.logicalName} with the key ${table.primaryId} = ${id}.`,
      )
    }
    seen.add(id)
    const existing = context.store.get(table.logicalName, id)
    if (message === 'UpdateMultiple' && !existing) throw faults.notFound(table.logicalName, id)
    const changes = readPayload(withoutODataId(target), {
      ...context,
      table,
      mode: existing ? 'update' : 'create',
    })
    for (const [name, value] of keyValues ?? []) {
      // webapi.md §2.3: key values are not changed through the key; a new row gets them.
      if (existing) delete changes.values[name]
      else if (!(name in changes.values)) changes.values[name] = value
    }
    const row = existing
      ? updateRow(table, existing, changes, context)
      : createRow(table, changes, context, { id })
    ids.push(row.id)
  }
  return ids
}

function withoutODataId(target: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(target).filter(([key]) => key !== '@odata.id'))
}

/**
 * The row an Update/Upsert target names: its primary-key column, or `@odata.id` with the
 * primary key or an alternate key (webapi.md §4.1). `id` is undefined for an alternate key that
 * matches no row yet; `keyValues` then fill the new row.
 */
function targetKey(
  context: ApiContext,
  table: Table,
  target: object,
): { id: string | undefined; keyValues?: ReadonlyMap<string, string | number> } {
  const fields = target as Record<string, unknown>
  const direct = fields[table.primaryId]
  if (isGuid(direct)) return { id: direct.toLowerCase() }
  const odataId = fields['@odata.id']
  if (typeof odataId === 'string') {
    const key = /\(([^)]*)\)$/.exec(odataId)?.[1] ?? ''
    const id = key.startsWith(`${table.primaryId}=`) ? key.slice(table.primaryId.length + 1) : key
    if (isGuid(id)) return { id: id.toLowerCase() }
    if (key.includes('=') && context.keys) {
      const resolved = resolveAlternateKey(table, key, context.keys, context.clock())
      return { id: resolved.id, keyValues: resolved.values }
    }
    throw new DataverseFault(
      400,
      '0x80060888',
      `The key '${key}' is not a valid key for '${table.entitySet}'.`,
    )
  }
  throw faults.badRequest(
    `Each item of 'Targets' must identify the ${table.logicalName} by '${table.primaryId}' or '@odata.id'.`,
  )
}
