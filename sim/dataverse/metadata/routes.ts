import type { SimRequest } from '../../serve.ts'
import { DataverseFault, faults, payloadFault } from '../errors.ts'
import { isGuid } from '../guid.ts'
import { jsonResponse, noContent, type ApiContext } from '../routes/context.ts'
import { evaluateFilter, filterProperties, parseFilter } from '../odata/filter.ts'
import { schemaForSolution } from '../solutions.ts'
import type { ColumnJson, Table } from '../tables.ts'
import {
  attributeDefinition,
  attributeId,
  entityDefinition,
  entityId,
  keyDefinition,
  selectProperties,
} from './definitions.ts'
import {
  columnsUsing,
  findOptionSet,
  optionSetDefinition,
  optionSetFromPayload,
  type GlobalOptionSet,
} from './option-sets.ts'
import {
  attributeExists,
  checkPrefix,
  columnFromPayload,
  entityNotFound,
  keyFromPayload,
  lookupFromRelationship,
  tableFromPayload,
} from './schema.ts'

const entityRe =
  /^EntityDefinitions(?:\(([^)]*)\))?(?:\/(Attributes|Keys)(?:\(([^)]*)\))?(?:\/Microsoft\.Dynamics\.CRM\.(\w+))?)?$/

/** True for the metadata resources this module answers. */
export function isMetadataResource(resource: string): boolean {
  return (
    resource.startsWith('EntityDefinitions') ||
    resource.startsWith('RelationshipDefinitions') ||
    resource === 'PublishAllXml' ||
    resource === 'PublishXml' ||
    resource === 'InsertOptionValue' ||
    resource.startsWith('GlobalOptionSetDefinitions')
  )
}

/**
 * The metadata API (webapi.md §6): read tables, columns and keys; create columns, lookups
 * (one-to-many relationships), alternate keys and tables; publish.
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-update-entity-definitions-using-web-api
 */
export async function routeMetadata(
  context: ApiContext,
  request: SimRequest,
  resource: string,
): Promise<Response> {
  const method = request.method
  if (resource === 'InsertOptionValue') {
    if (method !== 'POST') throw faults.methodNotAllowed(method)
    context.count(resource)
    return insertOptionValue(context, await readBody(request, resource))
  }
  if (resource === 'PublishAllXml' || resource === 'PublishXml') {
    if (method !== 'POST') throw faults.methodNotAllowed(method)
    context.count(resource)
    if (resource === 'PublishXml') {
      const body = (await readBody(request, resource)) as { ParameterXml?: unknown }
      if (typeof body.ParameterXml !== 'string')
        throw payloadFault(resource, "The parameter 'ParameterXml' is required.")
    }
    return noContent()
  }
  if (resource.startsWith('GlobalOptionSetDefinitions')) return globalOptionSets(context, request, resource)
  if (resource.startsWith('RelationshipDefinitions')) {
    if (resource !== 'RelationshipDefinitions' || method !== 'POST') throw faults.methodNotAllowed(method)
    return createRelationship(context, request)
  }
  const match = entityRe.exec(resource)
  if (!match) throw faults.segmentNotFound(resource)
  const [, entityKey, child, childKey, cast] = match
  const url = new URL(request.url)
  if (entityKey === undefined) {
    if (child !== undefined) throw faults.segmentNotFound(resource)
    if (method === 'POST') return createTable(context, request)
    if (method !== 'GET') throw faults.methodNotAllowed(method)
    context.count('RetrieveMetadata')
    const select = selectOf(url)
    const definitions = context.catalog.tables().map((t) => entityDefinition(t))
    const value = definitions
      .filter(filterOf(url, 'EntityMetadata', definitions))
      .map((d) => selectProperties(d, select))
    return jsonResponse(200, { '@odata.context': `${context.apiUrl}$metadata#EntityDefinitions`, value })
  }
  const table = tableFor(context, entityKey)
  if (child === undefined) {
    if (method !== 'GET') throw faults.methodNotAllowed(method)
    context.count('RetrieveMetadata')
    return jsonResponse(200, {
      '@odata.context': `${context.apiUrl}$metadata#EntityDefinitions/$entity`,
      ...expandEntity(context, table, url),
    })
  }
  if (child === 'Attributes') {
    if (method === 'POST' && childKey === undefined) return createAttribute(context, table, request)
    if (method === 'DELETE' && childKey !== undefined && cast === undefined)
      return deleteAttribute(context, table, childKey)
    if (method !== 'GET') throw faults.methodNotAllowed(method)
    context.count('RetrieveMetadata')
    const select = selectOf(url)
    if (childKey !== undefined) {
      const column = table.columns.find((c) =>
        matchesKey(childKey, c.name, attributeId(table.logicalName, c.name)),
      )
      if (!column)
        throw new DataverseFault(
          404,
          '0x80040217',
          `Could not find attribute '${childKey}' on '${table.logicalName}'.`,
        )
      return jsonResponse(200, optionSetIf(expandsOptionSet(url), attributeDefinition(table, column), select))
    }
    // A cast (`/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata`) keeps that type only (webapi.md §6.1).
    const definitions = table.columns
      .map((c) => attributeDefinition(table, c))
      .filter((a) => cast === undefined || a['@odata.type'] === `#Microsoft.Dynamics.CRM.${cast}`)
    return jsonResponse(200, {
      '@odata.context': `${context.apiUrl}$metadata#EntityDefinitions('${table.logicalName}')/Attributes`,
      value: definitions
        .filter(filterOf(url, cast ?? 'AttributeMetadata', definitions))
        .map((a) => optionSetIf(cast !== undefined && expandsOptionSet(url), a, select)),
    })
  }
  if (method === 'POST' && childKey === undefined) return createKey(context, table, request)
  if (method !== 'GET') throw faults.methodNotAllowed(method)
  context.count('RetrieveMetadata')
  const now = context.clock()
  const keys = context.keys?.keysOf(table.logicalName) ?? []
  const select = selectOf(url)
  if (childKey !== undefined) {
    const key = keys.find((k) => matchesKey(childKey, k.logicalName, k.metadataId))
    if (!key)
      throw new DataverseFault(
        404,
        '0x80040217',
        `Could not find key '${childKey}' on '${table.logicalName}'.`,
      )
    return jsonResponse(200, selectProperties(keyDefinition(key, now), select))
  }
  return jsonResponse(200, {
    '@odata.context': `${context.apiUrl}$metadata#EntityDefinitions('${table.logicalName}')/Keys`,
    value: keys.map((k) => selectProperties(keyDefinition(k, now), select)),
  })
}

/**
 * `$filter` on a metadata collection, e.g. `AttributeType eq Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist'`
 * or `IsCustomAttribute eq true`: evaluated on the definitions; a property none of them has is the
 * query layer's 400 [C].
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query-metadata-web-api#filter-metadata
 */
function filterOf(
  url: URL,
  typeName: string,
  definitions: readonly Record<string, unknown>[],
): (definition: Record<string, unknown>) => boolean {
  const text = url.searchParams.get('$filter')
  if (text === null) return () => true
  const filter = parseFilter(text)
  const known = new Set(definitions.flatMap((d) => Object.keys(d)))
  for (const name of filterProperties(filter)) {
    if (definitions.length > 0 && !known.has(name)) {
      throw new DataverseFault(
        400,
        '0x80060888',
        `Could not find a property named '${name}' on type 'Microsoft.Dynamics.CRM.${typeName}'.`,
      )
    }
  }
  return (definition) => evaluateFilter(filter, definition)
}

function selectOf(url: URL): string[] | undefined {
  return url.searchParams
    .get('$select')
    ?.split(',')
    .map((s) => s.trim())
}

/** `LogicalName='x'`, `'x'` or the MetadataId GUID. */
function matchesKey(key: string, logicalName: string, metadataId: string): boolean {
  const named = /^(?:LogicalName=)?'([^']*)'$/.exec(key)?.[1]
  if (named !== undefined) return named === logicalName
  return isGuid(key) && key.toLowerCase() === metadataId
}

function tableFor(context: ApiContext, key: string): Table {
  const table = context.catalog.tables().find((t) => matchesKey(key, t.logicalName, entityId(t.logicalName)))
  if (!table) throw entityNotFound(/'([^']*)'/.exec(key)?.[1] ?? key)
  return table
}

/** `$select` and `$expand=Attributes($select=…),Keys($select=…)` on one EntityDefinition (webapi.md §6.1). */
function expandEntity(context: ApiContext, table: Table, url: URL): Record<string, unknown> {
  const entity = selectProperties(entityDefinition(table), selectOf(url))
  for (const item of splitTopLevel(url.searchParams.get('$expand') ?? '')) {
    const [, name = '', options = ''] = /^(\w+)(?:\((.*)\))?$/.exec(item.trim()) ?? []
    const select = /\$select=([^;]*)/
      .exec(options)?.[1]
      ?.split(',')
      .map((s) => s.trim())
    if (name === 'Attributes') {
      entity.Attributes = table.columns.map((c) => optionSetIf(false, attributeDefinition(table, c), select))
    } else if (name === 'Keys') {
      const now = context.clock()
      entity.Keys = (context.keys?.keysOf(table.logicalName) ?? []).map((k) =>
        selectProperties(keyDefinition(k, now), select),
      )
    } else {
      throw new DataverseFault(
        400,
        '0x80060888',
        `Could not find a property named '${name}' on type 'Microsoft.Dynamics.CRM.EntityMetadata'.`,
      )
    }
  }
  return entity
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let current = ''
  for (const ch of text) {
    if (ch === '(') depth++
    if (ch === ')') depth--
    if (ch === ',' && depth === 0) {
      parts.push(current)
      current = ''
    } else current += ch
  }
  if (current.trim() !== '') parts.push(current)
  return parts
}

async function readBody(request: SimRequest, entitySet: string): Promise<Record<string, unknown>> {
  const text = await request.text()
  let body: unknown
  try {
    body = text === '' ? {} : JSON.parse(text)
  } catch {
    throw payloadFault(entitySet, 'Invalid JSON. A token was not recognized in the JSON content.')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw payloadFault(entitySet, 'The request body must be a JSON object.')
  }
  return body as Record<string, unknown>
}

/** The publisher settings of this write: its solution's (`MSCRM.SolutionUniqueName`), else the Default one's. */
function requireSchema(context: ApiContext, request: SimRequest) {
  if (!context.schema) throw new DataverseFault(501, '0x80060888', 'Metadata writes are not enabled.')
  if (!context.catalog.byName('solution')) return context.schema
  return schemaForSolution(
    context.store,
    context.schema,
    request.headers.get('mscrm.solutionuniquename') ?? undefined,
  )
}

async function createAttribute(context: ApiContext, table: Table, request: SimRequest): Promise<Response> {
  context.count('MetadataCreateAttribute')
  const column = columnFromPayload(await readBody(request, 'Attributes'), requireSchema(context, request))
  if (table.columnsByName.has(column.name)) throw attributeExists(table, column.schemaName ?? column.name)
  context.catalog.addColumn(table, column)
  const id = attributeId(table.logicalName, column.name)
  return noContent({
    'odata-entityid': `${context.apiUrl}EntityDefinitions(LogicalName='${table.logicalName}')/Attributes(${id})`,
  })
}

/**
 * DELETE `EntityDefinitions(…)/Attributes(…)`: removes a custom column (204). A system column,
 * or one an alternate key uses, cannot be deleted.
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/create-update-column-definitions-using-web-api
 */
function deleteAttribute(context: ApiContext, table: Table, key: string): Response {
  context.count('MetadataDeleteAttribute')
  const column = table.columns.find((c) => matchesKey(key, c.name, attributeId(table.logicalName, c.name)))
  if (!column)
    throw new DataverseFault(
      404,
      '0x80040217',
      `Could not find attribute '${key}' on '${table.logicalName}'.`,
    )
  if (column.custom !== true) {
    // [U] code and text: Dataverse does not let a system column be deleted.
    throw new DataverseFault(
      400,
      '0x80040203',
      `The attribute '${column.name}' of '${table.logicalName}' is a system attribute and cannot be deleted.`,
    )
  }
  const usedBy = (context.keys?.keysOf(table.logicalName) ?? []).filter((k) =>
    k.keyAttributes.includes(column.name),
  )
  if (usedBy.length > 0) {
    // [C] 0x8004f01f CannotDeleteDueToDependency: the key must be deleted first.
    throw new DataverseFault(
      400,
      '0x8004f01f',
      `The Component cannot be deleted because it is referenced by ${usedBy.length} other components: ${usedBy.map((k) => k.schemaName).join(', ')}.`,
    )
  }
  context.catalog.removeColumn(table, column.name)
  return noContent()
}

async function createRelationship(context: ApiContext, request: SimRequest): Promise<Response> {
  context.count('MetadataCreateRelationship')
  const body = await readBody(request, 'RelationshipDefinitions')
  const { referencing, column, schemaName } = lookupFromRelationship(
    body,
    context.catalog,
    requireSchema(context, request),
  )
  context.catalog.addColumn(referencing, column)
  const id = attributeId('relationship', schemaName.toLowerCase())
  return noContent({ 'odata-entityid': `${context.apiUrl}RelationshipDefinitions(${id})` })
}

async function createKey(context: ApiContext, table: Table, request: SimRequest): Promise<Response> {
  context.count('MetadataCreateKey')
  const keys = context.keys
  if (!keys) throw new DataverseFault(501, '0x80060888', 'Alternate keys are not enabled.')
  const key = keyFromPayload(await readBody(request, 'Keys'), table, keys, requireSchema(context, request))
  keys.add(table, key)
  return noContent({
    'odata-entityid': `${context.apiUrl}EntityDefinitions(LogicalName='${table.logicalName}')/Keys(${key.metadataId})`,
  })
}

async function createTable(context: ApiContext, request: SimRequest): Promise<Response> {
  context.count('MetadataCreateEntity')
  const body = await readBody(request, 'EntityDefinitions')
  const { logicalName, json, schemaName } = tableFromPayload(
    body,
    context.catalog,
    requireSchema(context, request),
  )
  context.catalog.addTable(logicalName, json, { custom: true, schemaName })
  return noContent({ 'odata-entityid': `${context.apiUrl}EntityDefinitions(${entityId(logicalName)})` })
}

/**
 * `GlobalOptionSetDefinitions`: list, read (by MetadataId or `Name='…'`), create and delete global
 * choices; a choice column binds one with `GlobalOptionSet@odata.bind` and shares its options.
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/create-update-optionsets
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query-metadata-web-api#retrieve-global-option-sets
 */
async function globalOptionSets(
  context: ApiContext,
  request: SimRequest,
  resource: string,
): Promise<Response> {
  const match = /^GlobalOptionSetDefinitions(?:\((.*)\))?$/.exec(resource)
  if (!match) throw faults.segmentNotFound(resource)
  const key = match[1]
  const sets = context.schema?.globalOptionSets ?? new Map<string, GlobalOptionSet>()
  const method = request.method
  if (key === undefined) {
    if (method === 'POST') {
      context.count('MetadataCreateOptionSet')
      const schema = requireSchema(context, request)
      const set = optionSetFromPayload(
        await readBody(request, 'GlobalOptionSetDefinitions'),
        sets,
        (name) => checkPrefix(name, 'option set', schema),
        schema.optionValuePrefix,
      )
      sets.set(set.metadataId, set)
      return noContent({ 'odata-entityid': `${context.apiUrl}GlobalOptionSetDefinitions(${set.metadataId})` })
    }
    if (method !== 'GET') throw faults.methodNotAllowed(method)
    context.count('RetrieveMetadata')
    const select = selectOf(new URL(request.url))
    return jsonResponse(200, {
      '@odata.context': `${context.apiUrl}$metadata#GlobalOptionSetDefinitions`,
      value: [...sets.values()].map((s) => selectProperties(optionSetDefinition(s), select)),
    })
  }
  const set = findOptionSet(sets, key)
  if (!set) throw new DataverseFault(404, '0x80040217', `Could not find optionset with name or id ${key}.`)
  if (method === 'DELETE') {
    context.count('MetadataDeleteOptionSet')
    const users = columnsUsing(context.catalog, set)
    if (users.length > 0) {
      throw new DataverseFault(
        400,
        '0x8004f01f',
        `The Component cannot be deleted because it is referenced by ${users.length} other components: ${users.join(', ')}.`,
      )
    }
    sets.delete(set.metadataId)
    return noContent()
  }
  if (method !== 'GET') throw faults.methodNotAllowed(method)
  context.count('RetrieveMetadata')
  return jsonResponse(200, {
    '@odata.context': `${context.apiUrl}$metadata#GlobalOptionSetDefinitions/$entity`,
    ...selectProperties(optionSetDefinition(set), selectOf(new URL(request.url))),
  })
}

/**
 * `InsertOptionValue`: one more option in a local choice column; answers the new value.
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/insertoptionvalue
 */
function insertOptionValue(context: ApiContext, body: Record<string, unknown>): Response {
  const globalName = typeof body['OptionSetName'] === 'string' ? body['OptionSetName'] : undefined
  if (globalName !== undefined) {
    const set = findOptionSet(
      context.schema?.globalOptionSets ?? new Map<string, GlobalOptionSet>(),
      `'${globalName}'`,
    )
    if (!set) throw new DataverseFault(404, '0x80040217', `Could not find optionset with name ${globalName}.`)
    return addOption(context, set.options, body)
  }
  const entity = typeof body['EntityLogicalName'] === 'string' ? body['EntityLogicalName'] : undefined
  const attribute =
    typeof body['AttributeLogicalName'] === 'string' ? body['AttributeLogicalName'] : undefined
  if (entity === undefined || attribute === undefined) {
    throw payloadFault(
      'InsertOptionValue',
      'EntityLogicalName and AttributeLogicalName are required for a local option set.',
    )
  }
  const table = context.catalog.byName(entity)
  if (table === undefined) throw entityNotFound(entity)
  const column = table.columnsByName.get(attribute)
  if (column === undefined || !['Picklist', 'MultiSelectPicklist'].includes(column.type)) {
    throw new DataverseFault(
      404,
      '0x80040217',
      `Could not find a choice attribute '${attribute}' on entity '${entity}'.`,
    )
  }
  return addOption(context, (column.options ??= []), body)
}

/** Adds `Value`/`Label` of an InsertOptionValue body to a choice's options (shared by its columns). */
function addOption(
  context: ApiContext,
  options: NonNullable<ColumnJson['options']>,
  body: Record<string, unknown>,
): Response {
  const requested = typeof body['Value'] === 'number' ? body['Value'] : undefined
  const value = requested ?? Math.max(100_000_000 - 1, ...options.map((o) => o.value)) + 1
  if (options.some((o) => o.value === value)) {
    // [U] code and text of a duplicate option value, not confirmed on a real org
    throw new DataverseFault(400, '0x80044155', `An option with the value ${value} already exists.`)
  }
  const labels = (body['Label'] as { LocalizedLabels?: { Label?: unknown }[] } | undefined)?.LocalizedLabels
  const label = typeof labels?.[0]?.Label === 'string' ? labels[0].Label : String(value)
  options.push({ value, label })
  return jsonResponse(200, {
    '@odata.context': `${context.apiUrl}$metadata#Microsoft.Dynamics.CRM.InsertOptionValueResponse`,
    NewOptionValue: value,
  })
}

/**
 * `OptionSet` is a single-valued navigation property of the choice attribute types (PicklistAttributeMetadata,
 * StatusAttributeMetadata, …), not of AttributeMetadata: it comes only with a type-cast query and `$expand=OptionSet`.
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api (retrieving attributes)
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/picklistattributemetadata
 */
function optionSetIf(expand: boolean, definition: Record<string, unknown>, select: string[] | undefined) {
  const { OptionSet: optionSet, ...rest } = definition
  const selected = selectProperties(rest, select)
  return expand && optionSet !== undefined ? { ...selected, OptionSet: optionSet } : selected
}

function expandsOptionSet(url: URL): boolean {
  return /(^|,)\s*(OptionSet|GlobalOptionSet)\b/.test(url.searchParams.get('$expand') ?? '')
}
