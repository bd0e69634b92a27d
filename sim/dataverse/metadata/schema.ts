import { DataverseFault, payloadFault, textOf } from '../errors.ts'
import { guidFrom } from '../guid.ts'
import type { Catalog, ColumnJson, Table, TableJson } from '../tables.ts'
import { labelText } from './definitions.ts'
import { typeBounds } from './numbers.ts'
import { boundOptionSet, type GlobalOptionSet, type GlobalOptionSets } from './option-sets.ts'
import { keyValuesOf, parseKeySegment, keyStatus, type AlternateKey, type KeyIndex } from './keys.ts'

/** Settings of the simulated organization's solution publisher and key builds. */
export interface SchemaSettings {
  /** The publisher's customization prefix (webapi.md §6.2). @default 'new' */
  customizationPrefix: string
  /** Option values are `optionValuePrefix × 10,000 + n` [U: default publisher 10000]. @default 10000 */
  optionValuePrefix: number
  /** Global choices created through GlobalOptionSetDefinitions, shared by the columns bound to them. */
  globalOptionSets?: GlobalOptionSets
  /** Seconds an alternate key stays Pending before it is Active (webapi.md §6.5). */
  keyActivationSeconds: number
  clock: () => number
}

/** 0x80044366 InvalidNamePrefix [D name/code; message text partly D]. */
export function invalidPrefix(schemaName: string, kind: string, prefix: string): DataverseFault {
  return new DataverseFault(
    400,
    '0x80044366',
    `The ${kind} schema name '${schemaName}' is not valid: names must start with a valid customization prefix ('${prefix}_').`,
  )
}

export function checkPrefix(schemaName: unknown, kind: string, settings: SchemaSettings): string {
  if (typeof schemaName !== 'string' || schemaName === '') {
    throw payloadFault('EntityDefinitions', `The property 'SchemaName' is required for a new ${kind}.`)
  }
  if (!schemaName.toLowerCase().startsWith(`${settings.customizationPrefix.toLowerCase()}_`)) {
    throw invalidPrefix(schemaName, kind, settings.customizationPrefix)
  }
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(schemaName)) {
    throw new DataverseFault(
      400,
      '0x80044366',
      `The ${kind} schema name '${schemaName}' contains invalid characters.`,
    )
  }
  return schemaName
}

const createTypes: Record<string, string> = {
  StringAttributeMetadata: 'String',
  MemoAttributeMetadata: 'Memo',
  IntegerAttributeMetadata: 'Integer',
  BigIntAttributeMetadata: 'BigInt',
  DecimalAttributeMetadata: 'Decimal',
  DoubleAttributeMetadata: 'Double',
  MoneyAttributeMetadata: 'Money',
  DateTimeAttributeMetadata: 'DateTime',
  BooleanAttributeMetadata: 'Boolean',
  PicklistAttributeMetadata: 'Picklist',
  MultiSelectPicklistAttributeMetadata: 'MultiSelectPicklist',
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback
}

/** Reads a POSTed AttributeMetadata into a column (webapi.md §6.2). */
export function columnFromPayload(body: Record<string, unknown>, settings: SchemaSettings): ColumnJson {
  const odataType = textOf(body['@odata.type'] ?? '').replace(/^#?Microsoft\.Dynamics\.CRM\./, '')
  if (odataType === 'LookupAttributeMetadata') {
    // [C] webapi.md §6.2: lookups are created with a one-to-many relationship instead.
    throw new DataverseFault(
      400,
      '0x80040203',
      'Attribute of type LookupAttributeMetadata cannot be created through the SDK. Create a OneToManyRelationship with a Lookup attribute instead.',
    )
  }
  const type = createTypes[odataType]
  if (type === undefined) {
    throw payloadFault(
      'Attributes',
      `The '@odata.type' '${String(body['@odata.type'])}' is not a supported AttributeMetadata type; use one of: ${Object.keys(
        createTypes,
      )
        .map((t) => `Microsoft.Dynamics.CRM.${t}`)
        .join(', ')}.`,
    )
  }
  const schemaName = checkPrefix(body.SchemaName, 'attribute', settings)
  const required = (body.RequiredLevel as { Value?: unknown } | undefined)?.Value
  const column: ColumnJson = {
    name: schemaName.toLowerCase(),
    type,
    schemaName,
    custom: true,
    required: typeof required === 'string' ? required : 'None',
  }
  if (type === 'String' || type === 'Memo') {
    const limit = type === 'String' ? 4000 : 1_048_576
    const maxLength = numberOr(body.MaxLength, type === 'String' ? 100 : 2000)
    if (!Number.isInteger(maxLength) || maxLength < 1 || maxLength > limit) {
      throw new DataverseFault(
        400,
        '0x80040203',
        `MaxLength ${maxLength} is out of range for ${odataType} (1–${limit}).`,
      )
    }
    column.maxLength = maxLength
  }
  const range = typeBounds[type]
  if (range) {
    column.minValue = numberOr(body.MinValue, range.minValue)
    column.maxValue = numberOr(body.MaxValue, range.maxValue)
    if (column.minValue > column.maxValue) {
      throw new DataverseFault(
        400,
        '0x80040203',
        `MinValue ${column.minValue} is greater than MaxValue ${column.maxValue}.`,
      )
    }
  }
  if (type === 'Decimal' || type === 'Money') column.precision = numberOr(body.Precision, 2)
  if (type === 'DateTime') {
    const format = body.Format ?? 'DateAndTime'
    if (format !== 'DateOnly' && format !== 'DateAndTime') {
      throw new DataverseFault(
        400,
        '0x80040203',
        `Format '${textOf(format)}' is not valid for a DateTime column; use DateOnly or DateAndTime.`,
      )
    }
    column.format = format
  }
  if (type === 'Picklist' || type === 'MultiSelectPicklist') {
    const global = boundOptionSet(body, settings.globalOptionSets ?? new Map<string, GlobalOptionSet>())
    if (global) {
      column.options = global.options
      column.globalOptionSet = global.name
    } else column.options = readOptions(body, settings)
  }
  if (type === 'Boolean') {
    const set = body.OptionSet as
      { TrueOption?: { Label?: unknown }; FalseOption?: { Label?: unknown } } | undefined
    column.options = [
      { value: 0, label: labelText(set?.FalseOption?.Label) ?? 'No' },
      { value: 1, label: labelText(set?.TrueOption?.Label) ?? 'Yes' },
    ]
  }
  return column
}

function readOptions(body: Record<string, unknown>, settings: SchemaSettings): ColumnJson['options'] {
  const set = body.OptionSet as { Options?: unknown } | undefined
  if (!set || !Array.isArray(set.Options)) {
    throw payloadFault('Attributes', "A choice column needs 'OptionSet' with 'Options' (webapi.md §6.2).")
  }
  const seen = new Set<number>()
  return set.Options.map((raw, i) => {
    const option = (raw ?? {}) as { Value?: unknown; Label?: unknown }
    const value = typeof option.Value === 'number' ? option.Value : settings.optionValuePrefix * 10_000 + i
    if (seen.has(value))
      throw new DataverseFault(400, '0x80040203', `The option value ${value} is used more than once.`)
    seen.add(value)
    return { value, label: labelText(option.Label) ?? String(value) }
  })
}

/** The lookup column a OneToManyRelationshipMetadata adds to the referencing table (webapi.md §6.3). */
export function lookupFromRelationship(
  body: Record<string, unknown>,
  catalog: Catalog,
  settings: SchemaSettings,
): { referencing: Table; referenced: Table; column: ColumnJson; schemaName: string } {
  const odataType = textOf(body['@odata.type'] ?? '').replace(/^#?Microsoft\.Dynamics\.CRM\./, '')
  if (odataType !== 'OneToManyRelationshipMetadata') {
    throw payloadFault(
      'RelationshipDefinitions',
      `The '@odata.type' '${String(body['@odata.type'])}' is not supported; the simulator creates 'Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata'.`,
    )
  }
  const schemaName = checkPrefix(body.SchemaName, 'relationship', settings)
  const referenced = catalog.byName(textOf(body.ReferencedEntity ?? ''))
  const referencing = catalog.byName(textOf(body.ReferencingEntity ?? ''))
  if (!referenced) throw entityNotFound(textOf(body.ReferencedEntity ?? ''))
  if (!referencing) throw entityNotFound(textOf(body.ReferencingEntity ?? ''))
  const lookup = (body.Lookup ?? {}) as Record<string, unknown>
  const lookupSchema = checkPrefix(lookup.SchemaName, 'attribute', settings)
  if (referencing.columnsByName.has(lookupSchema.toLowerCase()))
    throw attributeExists(referencing, lookupSchema)
  const nav =
    typeof body.ReferencingEntityNavigationPropertyName === 'string'
      ? body.ReferencingEntityNavigationPropertyName
      : lookupSchema // webapi.md §2.5: custom lookups bind by the SchemaName with its casing
  const required = (lookup.RequiredLevel as { Value?: unknown } | undefined)?.Value
  return {
    referencing,
    referenced,
    schemaName,
    column: {
      name: lookupSchema.toLowerCase(),
      type: 'Lookup',
      schemaName: lookupSchema,
      custom: true,
      required: typeof required === 'string' ? required : 'None',
      target: [referenced.logicalName],
      nav: { [referenced.logicalName]: nav },
    },
  }
}

/** A custom table from a POSTed EntityMetadata, with the system columns Dataverse adds (webapi.md §6.4). */
export function tableFromPayload(
  body: Record<string, unknown>,
  catalog: Catalog,
  settings: SchemaSettings,
): { logicalName: string; json: TableJson; schemaName: string } {
  const schemaName = checkPrefix(body.SchemaName, 'entity', settings)
  const logicalName = schemaName.toLowerCase()
  if (catalog.byName(logicalName)) {
    throw new DataverseFault(400, '0x80040203', `An entity with the name '${logicalName}' already exists.`)
  }
  const attributes = Array.isArray(body.Attributes) ? (body.Attributes as Record<string, unknown>[]) : []
  const primary = attributes.find((a) => a.IsPrimaryName === true)
  if (!primary) {
    throw new DataverseFault(
      400,
      '0x80040203',
      "A new table needs one StringAttributeMetadata with 'IsPrimaryName': true in 'Attributes'.",
    )
  }
  const primaryName = columnFromPayload(primary, settings)
  primaryName.primaryName = true
  const userOwned = body.OwnershipType !== 'OrganizationOwned'
  const system = (name: string, type: string, extra: Partial<ColumnJson> = {}): ColumnJson => ({
    name,
    type,
    ...extra,
  })
  const users = { target: ['systemuser'] }
  const columns: ColumnJson[] = [
    system(`${logicalName}id`, 'Uniqueidentifier', { primaryId: true, required: 'SystemRequired' }),
    primaryName,
    ...attributes.filter((a) => a !== primary).map((a) => columnFromPayload(a, settings)),
    system('createdon', 'DateTime', { readOnly: true }),
    system('modifiedon', 'DateTime', { readOnly: true }),
    system('createdby', 'Lookup', { readOnly: true, ...users }),
    system('modifiedby', 'Lookup', { readOnly: true, ...users }),
    system('createdonbehalfby', 'Lookup', { readOnly: true, ...users }),
    system('modifiedonbehalfby', 'Lookup', { readOnly: true, ...users }),
    system('overriddencreatedon', 'DateTime'),
    system('importsequencenumber', 'Integer'),
    system('versionnumber', 'BigInt', { readOnly: true }),
    system('statecode', 'State', {
      required: 'SystemRequired',
      options: [
        { value: 0, label: 'Active' },
        { value: 1, label: 'Inactive' },
      ],
    }),
    system('statuscode', 'Status', {
      options: [
        { value: 1, label: 'Active', state: 0 },
        { value: 2, label: 'Inactive', state: 1 },
      ],
    }),
  ]
  if (userOwned) {
    columns.push(
      system('ownerid', 'Owner', {
        required: 'SystemRequired',
        target: ['systemuser', 'team'],
        nav: { systemuser: 'ownerid', team: 'ownerid' },
      }),
      system('owninguser', 'Lookup', { readOnly: true, ...users }),
      system('owningteam', 'Lookup', { readOnly: true, target: ['team'] }),
      system('owningbusinessunit', 'Lookup', { readOnly: true, target: ['businessunit'] }),
    )
  } else {
    columns.push(system('organizationid', 'Lookup', { readOnly: true, target: ['organization'] }))
  }
  const entitySet = /(s|x|z|ch|sh)$/.test(logicalName)
    ? `${logicalName}es`
    : /[^aeiou]y$/.test(logicalName)
      ? `${logicalName.slice(0, -1)}ies`
      : `${logicalName}s`
  return {
    logicalName,
    schemaName,
    json: {
      entitySet,
      primaryId: `${logicalName}id`,
      primaryName: primaryName.name,
      ownershipType: userOwned ? 'UserOwned' : 'OrganizationOwned',
      columns,
    },
  }
}

export function entityNotFound(logicalName: string): DataverseFault {
  // [C] the message Dataverse gives for EntityDefinitions(LogicalName='nope')
  return new DataverseFault(404, '0x80040217', `Could not find entity with name '${logicalName}'.`)
}

export function attributeExists(table: Table, schemaName: string): DataverseFault {
  return new DataverseFault(
    400,
    '0x80047013',
    `An attribute with the name '${schemaName.toLowerCase()}' already exists on the '${table.logicalName}' entity.`,
  )
}

/** Key column types Dataverse allows (webapi.md §6.5) [D]. */
const keyTypes = new Set(['String', 'Integer', 'Decimal', 'DateTime', 'Lookup', 'Picklist'])

/** Reads a POSTed EntityKeyMetadata (webapi.md §6.5). */
export function keyFromPayload(
  body: Record<string, unknown>,
  table: Table,
  keys: KeyIndex,
  settings: SchemaSettings,
): AlternateKey {
  const schemaName = checkPrefix(body.SchemaName, 'key', settings)
  const attributes = body.KeyAttributes
  if (
    !Array.isArray(attributes) ||
    attributes.length === 0 ||
    attributes.some((a) => typeof a !== 'string')
  ) {
    throw payloadFault('Keys', "'KeyAttributes' must be a non-empty array of column logical names.")
  }
  const names = attributes as string[]
  for (const name of names) {
    const column = table.columnsByName.get(name)
    if (!column) {
      throw new DataverseFault(
        400,
        '0x80060890',
        `The specified key attribute '${name}' is not a column of '${table.logicalName}'.`,
      )
    }
    if (!keyTypes.has(column.type)) {
      throw new DataverseFault(
        400,
        '0x80060890',
        `The column '${name}' of type ${column.type} cannot be part of a key; allowed: ${[...keyTypes].join(', ')}.`,
      )
    }
  }
  const existing = keys.keysOf(table.logicalName)
  if (existing.length >= 10)
    throw new DataverseFault(400, '0x80060891', `A table can have at most 10 alternate keys.`)
  if (existing.some((k) => k.logicalName === schemaName.toLowerCase())) {
    // 0x80060893 EntityKeyNameExists [D]
    throw new DataverseFault(
      400,
      '0x80060893',
      `An entity key with the name '${schemaName}' already exists for '${table.logicalName}'.`,
    )
  }
  const sorted = [...names].sort().join(',')
  if (existing.some((k) => [...k.keyAttributes].sort().join(',') === sorted)) {
    // 0x80060894 EntityKeyWithSelectedAttributesExists [D]
    throw new DataverseFault(
      400,
      '0x80060894',
      `An entity key with the selected attributes (${names.join(', ')}) already exists for '${table.logicalName}'.`,
    )
  }
  return {
    metadataId: guidFrom(`key:${table.logicalName}.${schemaName.toLowerCase()}`),
    table: table.logicalName,
    schemaName,
    logicalName: schemaName.toLowerCase(),
    keyAttributes: names,
    readyAt: settings.clock() + settings.keyActivationSeconds * 1000,
    failed: false,
  }
}

/**
 * Resolves `name='v'[,…]` in a record URL to a row id: undefined when no row has those values;
 * 400 when the names are not an Active alternate key of the table (webapi.md §6.5).
 */
export function resolveAlternateKey(
  table: Table,
  keyText: string,
  keys: KeyIndex,
  now: number,
): { id: string | undefined; key: AlternateKey; values: Map<string, string | number> } {
  const pairs = parseKeySegment(keyText)
  const notValid = () =>
    new DataverseFault(
      400,
      '0x80060888',
      `The key in the request URI is not valid for resource 'Microsoft.Dynamics.CRM.${table.logicalName}'. Ensure that the names and number of key properties match the declared or alternate key properties for the resource 'Microsoft.Dynamics.CRM.${table.logicalName}'.`,
    )
  if (!pairs) throw notValid()
  const names = [...pairs.keys()].sort().join(',')
  const key = keys.keysOf(table.logicalName).find((k) => [...k.keyAttributes].sort().join(',') === names)
  if (!key) throw notValid()
  // A key value is typed by its column: quoted for text, bare for numbers and choices (OData key syntax).
  for (const name of key.keyAttributes) {
    const type = table.columnsByName.get(name)?.type ?? ''
    const value = pairs.get(name)
    const text = type === 'String' || type === 'Memo' || type === 'DateTime'
    if (text !== (typeof value === 'string') && type !== 'Lookup') throw notValid()
  }
  const status = keyStatus(key, now)
  if (status !== 'Active') {
    throw new DataverseFault(
      400,
      '0x80060890',
      `The entity key '${key.schemaName}' of '${table.logicalName}' is ${status}, not Active: wait until EntityKeyIndexStatus is Active before using it.`,
    )
  }
  const values = key.keyAttributes.map((name) => pairs.get(name))
  const row = { table: table.logicalName, id: '', values: Object.fromEntries(pairs), lookups: {}, version: 0 }
  const lookupValues = keyValuesOf(table, key, {
    ...row,
    lookups: Object.fromEntries(
      key.keyAttributes
        .filter((name) => table.columnsByName.get(name)?.type === 'Lookup')
        .map((name) => [name, { table: '', id: String(pairs.get(name)).toLowerCase() }]),
    ),
  })
  return { id: keys.find(key, lookupValues ?? values), key, values: pairs }
}
