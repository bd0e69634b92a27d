import { guidFrom } from '../guid.ts'
import type { ColumnJson, Table } from '../tables.ts'
import { keyStatus, type AlternateKey } from './keys.ts'
import { numberBounds } from './numbers.ts'

/** A Label as the metadata API writes it (webapi.md §6.2). */
export function label(text: string) {
  const localized = {
    '@odata.type': '#Microsoft.Dynamics.CRM.LocalizedLabel',
    Label: text,
    LanguageCode: 1033,
    IsManaged: false,
  }
  return { LocalizedLabels: [localized], UserLocalizedLabel: localized }
}

/** The first `LocalizedLabels[].Label` of a written Label, if any. */
export function labelText(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const labels = (value as { LocalizedLabels?: unknown }).LocalizedLabels
  if (!Array.isArray(labels)) return undefined
  const first = labels[0] as { Label?: unknown } | undefined
  return typeof first?.Label === 'string' ? first.Label : undefined
}

/** AttributeMetadata derived type per attribute type (webapi.md §6.2 table). */
export const metadataTypes: Record<string, string> = {
  String: 'StringAttributeMetadata',
  Memo: 'MemoAttributeMetadata',
  Integer: 'IntegerAttributeMetadata',
  BigInt: 'BigIntAttributeMetadata',
  Decimal: 'DecimalAttributeMetadata',
  Double: 'DoubleAttributeMetadata',
  Money: 'MoneyAttributeMetadata',
  DateTime: 'DateTimeAttributeMetadata',
  Boolean: 'BooleanAttributeMetadata',
  Picklist: 'PicklistAttributeMetadata',
  State: 'StateAttributeMetadata',
  Status: 'StatusAttributeMetadata',
  MultiSelectPicklist: 'MultiSelectPicklistAttributeMetadata',
  Lookup: 'LookupAttributeMetadata',
  Customer: 'LookupAttributeMetadata',
  Owner: 'LookupAttributeMetadata',
  Uniqueidentifier: 'UniqueIdentifierAttributeMetadata',
  EntityName: 'EntityNameAttributeMetadata',
}

export function attributeId(table: string, column: string): string {
  return guidFrom(`attribute:${table}.${column}`)
}

export function entityId(table: string): string {
  return guidFrom(`entity:${table}`)
}

/** AttributeMetadata for a column: the common properties and the type-specific ones. */
export function attributeDefinition(table: Table, column: ColumnJson): Record<string, unknown> {
  const metadataType = metadataTypes[column.type] ?? 'AttributeMetadata'
  const attributeType = column.type === 'MultiSelectPicklist' ? 'Virtual' : column.type
  const definition: Record<string, unknown> = {
    '@odata.type': `#Microsoft.Dynamics.CRM.${metadataType}`,
    MetadataId: attributeId(table.logicalName, column.name),
    LogicalName: column.name,
    SchemaName: column.schemaName ?? column.name,
    EntityLogicalName: table.logicalName,
    AttributeType: attributeType,
    AttributeTypeName: {
      Value: `${column.type === 'MultiSelectPicklist' ? 'MultiSelectPicklist' : column.type}Type`,
    },
    RequiredLevel: {
      Value: column.required ?? 'None',
      CanBeChanged: column.required !== 'SystemRequired',
      ManagedPropertyLogicalName: 'canmodifyrequirementlevelsettings',
    },
    IsCustomAttribute: column.custom === true,
    IsPrimaryId: column.name === table.primaryId,
    IsPrimaryName: column.name === table.primaryName,
    IsValidForCreate: column.readOnly !== true,
    IsValidForUpdate: column.readOnly !== true && !/create-only/i.test(column.note ?? ''),
    IsValidForRead: true,
  }
  if (column.maxLength !== undefined) definition.MaxLength = column.maxLength
  const bounds = numberBounds(table.logicalName, column)
  if (bounds) {
    definition.MinValue = bounds.minValue
    definition.MaxValue = bounds.maxValue
    if (bounds.precision !== undefined) definition.Precision = bounds.precision
  }
  if (column.format !== undefined) definition.Format = column.format
  if (column.target) definition.Targets = column.target
  if (column.options && column.type !== 'Boolean') {
    definition.OptionSet = {
      IsGlobal: column.globalOptionSet !== undefined,
      ...(column.globalOptionSet === undefined ? {} : { Name: column.globalOptionSet }),
      OptionSetType: column.type === 'MultiSelectPicklist' ? 'Picklist' : column.type,
      Options: column.options.map((o) => ({
        Value: o.value,
        Label: label(o.label),
        ...(o.state === undefined ? {} : { State: o.state }),
      })),
    }
  }
  return definition
}

/** EntityMetadata for a table (webapi.md §6.1). */
export function entityDefinition(table: Table): Record<string, unknown> {
  const ownership: Record<string, string> = {
    UserOwned: 'UserOwned',
    OrganizationOwned: 'OrganizationOwned',
    BusinessOwned: 'BusinessOwned',
    None: 'None',
  }
  return {
    MetadataId: entityId(table.logicalName),
    LogicalName: table.logicalName,
    SchemaName: table.schemaName ?? table.logicalName,
    EntitySetName: table.entitySet,
    LogicalCollectionName: table.entitySet,
    PrimaryIdAttribute: table.primaryId,
    PrimaryNameAttribute: table.primaryName,
    OwnershipType: ownership[table.ownershipType] ?? table.ownershipType,
    IsCustomEntity: table.custom === true,
    IsActivity: table.columnsByName.has('activityid'),
    IsOptimisticConcurrencyEnabled: true,
    DisplayName: label(table.logicalName),
  }
}

export function keyDefinition(key: AlternateKey, now: number): Record<string, unknown> {
  return {
    MetadataId: key.metadataId,
    LogicalName: key.logicalName,
    SchemaName: key.schemaName,
    EntityLogicalName: key.table,
    KeyAttributes: key.keyAttributes,
    EntityKeyIndexStatus: keyStatus(key, now),
    IsCustomizable: { Value: true, CanBeChanged: true, ManagedPropertyLogicalName: 'iscustomizable' },
    DisplayName: label(key.schemaName),
  }
}

/** `$select` on a metadata object: only those properties (plus `@odata.type` and MetadataId). */
export function selectProperties(
  value: Record<string, unknown>,
  select: readonly string[] | undefined,
): Record<string, unknown> {
  if (!select) return value
  const keep = new Set([...select, 'MetadataId', '@odata.type'])
  return Object.fromEntries(Object.entries(value).filter(([name]) => keep.has(name)))
}
