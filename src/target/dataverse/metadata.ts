import { HttpError } from '../../errors.ts'
import type { Fetch } from '../../http/fetch.ts'
import { readBody, redactErrorBody } from '../../http/response-body.ts'
import { type RetryInfo, sendWithRetry, sleep as realSleep } from '../../http/send-with-retry.ts'
import type { ChoiceOption, ColumnMetadata, NewColumn, TableMetadata } from './table-metadata.ts'
import { withRoleHint } from './refusal.ts'

export interface MetadataClientOptions {
  /** The environment's origin, e.g. `https://contoso.crm.dynamics.com`. */
  url: string
  fetch: Fetch
  getToken: (options?: { forceRefresh?: boolean }) => Promise<string>
  /** @default setTimeout */
  sleep?: (ms: number) => Promise<void>
  onRetry?: (info: RetryInfo) => void
  /** Unmanaged solution that receives what is created (`MSCRM.SolutionUniqueName`). */
  solution?: string
  /** Language of the labels written. @default 1033 */
  languageCode?: number
}

/** EntityKeyMetadata.EntityKeyIndexStatus: a new key is Pending, then InProgress, then Active (or Failed). */
export type KeyIndexStatus = 'Pending' | 'InProgress' | 'Active' | 'Failed'

/** The metadata calls `discover` and `schema apply` make (webapi.md §6). */
export interface DataverseMetadata {
  /** A table with its columns, choices and alternate keys; undefined when the environment has no such table. */
  readTable(logicalName: string): Promise<TableMetadata | undefined>
  createTable(table: { logicalName: string; label: string; primaryName: string }): Promise<void>
  createColumn(
    table: string,
    column: string,
    spec: NewColumn,
    options?: readonly ChoiceOption[],
  ): Promise<void>
  /** `InsertOptionValue`: one more option in a local choice column. */
  insertOption(table: string, column: string, value: number, label: string): Promise<void>
  createKey(table: string, key: string, columns: readonly string[]): Promise<void>
  /**
   * `EntityKeyIndexStatus` of an alternate key (its index builds in the background after the key is created);
   * undefined when the table has no key of that logical name.
   */
  keyStatus(table: string, key: string): Promise<KeyIndexStatus | undefined>
  /** A lookup column on `table` to `target`, through a one-to-many relationship named `relationship`. */
  createLookup(lookup: {
    table: string
    column: string
    target: string
    relationship: string
    label: string
  }): Promise<void>
  publishAll(): Promise<void>
}

/**
 * Dataverse's metadata Web API. Reads retry like any read; creates are sent once (a create that timed out may have
 * happened: `schema apply` re-reads the metadata, so running it again finishes the job without duplicates).
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-update-column-definitions-using-web-api
 */
export function createDataverseMetadataClient(options: MetadataClientOptions): DataverseMetadata {
  const base = `${options.url.replace(/\/+$/, '').replace(/\/api\/data\/v9\.2$/i, '')}/api/data/v9.2/`
  const languageCode = options.languageCode ?? 1033
  const label = (text: string) => ({
    '@odata.type': 'Microsoft.Dynamics.CRM.Label',
    LocalizedLabels: [
      { '@odata.type': 'Microsoft.Dynamics.CRM.LocalizedLabel', Label: text, LanguageCode: languageCode },
    ],
  })

  async function send(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    accept404 = false,
  ): Promise<Response> {
    const url = `${base}${path}`
    let token = await options.getToken()
    for (let refreshed = false; ; refreshed = true) {
      const response = await sendWithRetry(
        options.fetch,
        {
          method,
          url,
          headers: {
            Accept: 'application/json',
            'OData-MaxVersion': '4.0',
            'OData-Version': '4.0',
            Authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
            ...(method === 'POST' && options.solution !== undefined
              ? { 'MSCRM.SolutionUniqueName': options.solution }
              : {}),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          repeatable: method === 'GET',
        },
        {
          server: 'Dataverse',
          sleep: options.sleep ?? realSleep,
          ...(options.onRetry && { onRetry: options.onRetry }),
        },
      )
      if (response.ok || (accept404 && response.status === 404)) return response
      if (response.status === 401 && !refreshed) {
        await response.body?.cancel().catch(() => undefined)
        token = await options.getToken({ forceRefresh: true })
        continue
      }
      const errorBody = redactErrorBody(await readBody(response).catch(() => undefined), [token])
      const message = (errorBody as { error?: { message?: string } } | undefined)?.error?.message
      throw new HttpError({ method, url }, response.status, errorBody, withRoleHint(response.status, message))
    }
  }

  async function done(response: Response): Promise<void> {
    await response.body?.cancel().catch(() => undefined)
  }

  /**
   * Choice options per column. `OptionSet` is a navigation property of the choice attribute types, so it needs a
   * type-cast query with `$expand=OptionSet`; `$expand=Attributes` does not carry it.
   * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api
   */
  async function readChoiceOptions(logicalName: string): Promise<Map<string, ChoiceOption[]>> {
    const options = new Map<string, ChoiceOption[]>()
    for (const cast of CHOICE_CASTS) {
      const response = await send(
        'GET',
        `EntityDefinitions(LogicalName='${encodeURIComponent(logicalName)}')/Attributes/Microsoft.Dynamics.CRM.${cast}` +
          '?$select=LogicalName&$expand=OptionSet',
        undefined,
        true,
      )
      if (response.status === 404) {
        await done(response)
        continue
      }
      const body = (await response.json()) as { value?: AttributeDefinition[] }
      for (const attribute of body.value ?? []) {
        const choices = optionsOf(attribute)
        if (choices !== undefined) options.set(attribute.LogicalName, choices)
      }
    }
    return options
  }

  /** Bounds per number column, from the type-cast queries (a cast the environment does not know is skipped). */
  async function readNumberBounds(
    logicalName: string,
  ): Promise<Map<string, Pick<ColumnMetadata, 'minValue' | 'maxValue' | 'precision'>>> {
    const bounds = new Map<string, Pick<ColumnMetadata, 'minValue' | 'maxValue' | 'precision'>>()
    for (const { cast, select } of NUMBER_CASTS) {
      const response = await send(
        'GET',
        `EntityDefinitions(LogicalName='${encodeURIComponent(logicalName)}')/Attributes/Microsoft.Dynamics.CRM.${cast}` +
          `?$select=LogicalName,${select}`,
        undefined,
        true,
      )
      if (response.status === 404) {
        await done(response)
        continue
      }
      const body = (await response.json()) as { value?: AttributeDefinition[] }
      for (const attribute of body.value ?? []) bounds.set(attribute.LogicalName, numberBoundsOf(attribute))
    }
    return bounds
  }

  return {
    async readTable(logicalName) {
      const response = await send(
        'GET',
        `EntityDefinitions(LogicalName='${encodeURIComponent(logicalName)}')` +
          '?$select=LogicalName,EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute,OwnershipType,IsCustomEntity' +
          '&$expand=Attributes,Keys',
        undefined,
        true,
      )
      if (response.status === 404) {
        await done(response)
        return undefined
      }
      const table = tableFromDefinition((await response.json()) as EntityDefinition)
      const withOptions = withChoiceOptions(table, await readChoiceOptions(logicalName))
      return withNumberBounds(withOptions, await readNumberBounds(logicalName))
    },
    async createTable(table) {
      const body = {
        '@odata.type': 'Microsoft.Dynamics.CRM.EntityMetadata',
        SchemaName: table.logicalName,
        DisplayName: label(table.label),
        DisplayCollectionName: label(`${table.label}s`),
        OwnershipType: 'UserOwned',
        HasActivities: false,
        HasNotes: true,
        IsActivity: false,
        Attributes: [
          {
            '@odata.type': 'Microsoft.Dynamics.CRM.StringAttributeMetadata',
            SchemaName: table.primaryName,
            IsPrimaryName: true,
            RequiredLevel: { Value: 'None' },
            MaxLength: 100,
            FormatName: { Value: 'Text' },
            DisplayName: label('Name'),
          },
        ],
      }
      await done(await send('POST', 'EntityDefinitions', body))
    },
    async createColumn(table, column, spec, choiceOptions = []) {
      const body = {
        SchemaName: column,
        DisplayName: label(spec.label),
        RequiredLevel: { Value: 'None' },
        ...attributeBody(spec, choiceOptions, label),
      }
      await done(await send('POST', `EntityDefinitions(LogicalName='${table}')/Attributes`, body))
    },
    async insertOption(table, column, value, text) {
      const body = {
        EntityLogicalName: table,
        AttributeLogicalName: column,
        Value: value,
        Label: label(text),
        ...(options.solution === undefined ? {} : { SolutionUniqueName: options.solution }),
      }
      await done(await send('POST', 'InsertOptionValue', body))
    },
    async createKey(table, key, columns) {
      const body = { SchemaName: key, DisplayName: label(key), KeyAttributes: columns }
      await done(await send('POST', `EntityDefinitions(LogicalName='${table}')/Keys`, body))
    },
    async keyStatus(table, key) {
      const response = await send(
        'GET',
        `EntityDefinitions(LogicalName='${encodeURIComponent(table)}')/Keys(LogicalName='${encodeURIComponent(key)}')` +
          '?$select=EntityKeyIndexStatus',
        undefined,
        true,
      )
      if (response.status === 404) {
        await done(response)
        return undefined
      }
      return ((await response.json()) as { EntityKeyIndexStatus: KeyIndexStatus }).EntityKeyIndexStatus
    },
    async createLookup(lookup) {
      const target = await this.readTable(lookup.target)
      const body = {
        '@odata.type': 'Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata',
        SchemaName: lookup.relationship,
        ReferencedEntity: lookup.target,
        ReferencedAttribute: target?.primaryId ?? `${lookup.target}id`,
        ReferencingEntity: lookup.table,
        CascadeConfiguration: {
          Assign: 'NoCascade',
          Delete: 'RemoveLink',
          Merge: 'NoCascade',
          Reparent: 'NoCascade',
          Share: 'NoCascade',
          Unshare: 'NoCascade',
        },
        Lookup: {
          '@odata.type': 'Microsoft.Dynamics.CRM.LookupAttributeMetadata',
          SchemaName: lookup.column,
          DisplayName: label(lookup.label),
          RequiredLevel: { Value: 'None' },
        },
      }
      await done(await send('POST', 'RelationshipDefinitions', body))
    },
    async publishAll() {
      await done(await send('POST', 'PublishAllXml'))
    },
  }
}

interface Label {
  LocalizedLabels: { Label: string }[]
}

function attributeBody(
  spec: NewColumn,
  choiceOptions: readonly ChoiceOption[],
  label: (text: string) => unknown,
): Record<string, unknown> {
  const type = (name: string) => ({ '@odata.type': `Microsoft.Dynamics.CRM.${name}AttributeMetadata` })
  switch (spec.type) {
    case 'String':
      return { ...type('String'), MaxLength: spec.maxLength ?? 100, FormatName: { Value: 'Text' } }
    case 'Memo':
      return { ...type('Memo'), MaxLength: spec.maxLength ?? 2000, Format: 'TextArea' }
    case 'Integer':
      return { ...type('Integer'), Format: 'None', MinValue: -2147483648, MaxValue: 2147483647 }
    case 'Decimal':
      return { ...type('Decimal'), Precision: 2, MinValue: -100000000000, MaxValue: 100000000000 }
    case 'Money':
      return {
        ...type('Money'),
        Precision: 2,
        PrecisionSource: 2,
        MinValue: -922337203685477,
        MaxValue: 922337203685477,
      }
    case 'Boolean':
      return {
        ...type('Boolean'),
        OptionSet: {
          '@odata.type': 'Microsoft.Dynamics.CRM.BooleanOptionSetMetadata',
          TrueOption: { Value: 1, Label: label('Yes') },
          FalseOption: { Value: 0, Label: label('No') },
        },
      }
    case 'DateTime':
      return spec.dateOnly === true
        ? { ...type('DateTime'), Format: 'DateOnly', DateTimeBehavior: { Value: 'DateOnly' } }
        : { ...type('DateTime'), Format: 'DateAndTime', DateTimeBehavior: { Value: 'UserLocal' } }
    case 'Picklist':
    case 'MultiSelectPicklist':
      return {
        ...type(spec.type),
        OptionSet: {
          '@odata.type': 'Microsoft.Dynamics.CRM.OptionSetMetadata',
          IsGlobal: false,
          OptionSetType: 'Picklist',
          Options: choiceOptions.map((o) => ({ Value: o.value, Label: label(o.label) })),
        },
      }
  }
}

interface EntityDefinition {
  LogicalName: string
  EntitySetName: string
  PrimaryIdAttribute: string
  PrimaryNameAttribute: string | null
  OwnershipType?: string
  IsCustomEntity?: boolean
  Attributes?: AttributeDefinition[]
  Keys?: { SchemaName?: string; LogicalName?: string; KeyAttributes?: string[] }[]
}

interface AttributeDefinition {
  '@odata.type'?: string
  LogicalName: string
  AttributeType?: string
  MaxLength?: number
  MinValue?: number | null
  MaxValue?: number | null
  Precision?: number | null
  RequiredLevel?: { Value?: string }
  IsValidForCreate?: boolean
  IsValidForUpdate?: boolean
  IsPrimaryId?: boolean
  IsPrimaryName?: boolean
  Targets?: string[]
  OptionSet?: { Options?: { Value: number; Label?: Label; State?: number }[] }
}

/** EntityDefinitions JSON → the tables.json shape the mapping reads. Navigation properties are not in it. */
export function tableFromDefinition(definition: EntityDefinition): TableMetadata {
  const columns: ColumnMetadata[] = (definition.Attributes ?? []).map((a) => {
    const odataType = (a['@odata.type'] ?? '').replace(/^#?Microsoft\.Dynamics\.CRM\./, '')
    const type =
      odataType === 'MultiSelectPicklistAttributeMetadata'
        ? 'MultiSelectPicklist'
        : (a.AttributeType ?? 'Virtual')
    const column: ColumnMetadata = { name: a.LogicalName, type }
    if (a.MaxLength !== undefined) column.maxLength = a.MaxLength
    Object.assign(column, numberBoundsOf(a))
    if (a.RequiredLevel?.Value !== undefined) column.required = a.RequiredLevel.Value
    if (a.IsValidForCreate === false && a.IsValidForUpdate === false) column.readOnly = true
    if (a.IsPrimaryId === true) column.primaryId = true
    if (a.IsPrimaryName === true) column.primaryName = true
    if (a.Targets !== undefined && a.Targets.length > 0) column.target = a.Targets
    const options = type === 'Boolean' ? undefined : optionsOf(a)
    if (options !== undefined) column.options = options
    return column
  })
  const keys: Record<string, string[]> = {}
  for (const key of definition.Keys ?? []) {
    keys[key.LogicalName ?? key.SchemaName ?? ''] = key.KeyAttributes ?? []
  }
  return {
    entitySet: definition.EntitySetName,
    primaryId: definition.PrimaryIdAttribute,
    primaryName: definition.PrimaryNameAttribute ?? '',
    ...(definition.OwnershipType === undefined ? {} : { ownershipType: definition.OwnershipType }),
    columns,
    keys,
    custom: definition.IsCustomEntity === true,
  }
}

/** MinValue, MaxValue and Precision as a column's metadata gives them (absent or null ones left out). */
function numberBoundsOf(a: AttributeDefinition): Pick<ColumnMetadata, 'minValue' | 'maxValue' | 'precision'> {
  return {
    ...(typeof a.MinValue === 'number' && { minValue: a.MinValue }),
    ...(typeof a.MaxValue === 'number' && { maxValue: a.MaxValue }),
    ...(typeof a.Precision === 'number' && { precision: a.Precision }),
  }
}

/**
 * MinValue, MaxValue and Precision are properties of the number attribute types, not of AttributeMetadata: the query
 * that is sure to return them casts the collection to each type (as for OptionSet), and `$select`s them.
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api#retrieving-attributes
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/moneyattributemetadata (and
 * decimalattributemetadata, integerattributemetadata, doubleattributemetadata, bigintattributemetadata)
 */
const NUMBER_CASTS = [
  { cast: 'MoneyAttributeMetadata', select: 'MinValue,MaxValue,Precision' },
  { cast: 'DecimalAttributeMetadata', select: 'MinValue,MaxValue,Precision' },
  { cast: 'DoubleAttributeMetadata', select: 'MinValue,MaxValue,Precision' },
  { cast: 'IntegerAttributeMetadata', select: 'MinValue,MaxValue' },
  { cast: 'BigIntAttributeMetadata', select: 'MinValue,MaxValue' },
] as const

const CHOICE_CASTS = [
  'PicklistAttributeMetadata',
  'MultiSelectPicklistAttributeMetadata',
  'StateAttributeMetadata',
  'StatusAttributeMetadata',
] as const

function optionsOf(attribute: AttributeDefinition): ChoiceOption[] | undefined {
  return attribute.OptionSet?.Options?.map((o) => ({
    value: o.Value,
    label: o.Label?.LocalizedLabels[0]?.Label ?? String(o.Value),
    ...(o.State === undefined ? {} : { state: o.State }),
  }))
}

/** The table with each choice column's options as the type-cast queries returned them. */
function withChoiceOptions(
  table: TableMetadata,
  options: ReadonlyMap<string, ChoiceOption[]>,
): TableMetadata {
  if (options.size === 0) return table
  return {
    ...table,
    columns: table.columns.map((c) => {
      const choices = options.get(c.name)
      return choices === undefined ? c : { ...c, options: choices }
    }),
  }
}

/** The table with each number column's MinValue, MaxValue and Precision as the type-cast queries returned them. */
function withNumberBounds(
  table: TableMetadata,
  bounds: ReadonlyMap<string, Pick<ColumnMetadata, 'minValue' | 'maxValue' | 'precision'>>,
): TableMetadata {
  if (bounds.size === 0) return table
  return {
    ...table,
    columns: table.columns.map((c) => {
      const found = bounds.get(c.name)
      return found === undefined ? c : { ...c, ...found }
    }),
  }
}
