import { fieldsOfClass } from './derived-fields.ts'
import { ACTION_TRANSFORMS, MAX_LENGTH, reads, WRITES } from './compatibility.ts'
import type { TableMetadata } from '../target/dataverse/table-metadata.ts'
import { columnOf, navOf, type SourceSchema, type TargetSchema } from './schemas.ts'
import type { EntityMap, FieldMap, Mapping } from './types.ts'

export interface MappingProblems {
  errors: string[]
  warnings: string[]
}

/** Required columns a create leaves to the platform: the caller becomes owner, rows start active. */
const DEFAULTED = new Set(['ownerid', 'statecode', 'statuscode'])

/**
 * Required columns the platform fills when a create leaves them out, which the org's metadata does not say (discovery
 * reads EntityDefinitions, not tables.json's notes): a quote's number comes from the org's auto-numbering, a quote
 * line's product type and configuration status from their defaults (1 Product, 2 Not Configured), a price list item's
 * product number from its product (the built-in sales map loads all of them so; sim/dataverse/tables.json notes).
 */
const PLATFORM_FILLED: Readonly<Record<string, readonly string[]>> = {
  quote: ['quotenumber'],
  quotedetail: ['producttypecode', 'propertyconfigurationstatus'],
  productpricelevel: ['productnumber'],
}

/**
 * Checks a parsed map against both schemas and reports every problem at once, each with its path in mapping.yaml:
 * X2CRM classes and fields that do not exist (removed since the last discover), Dataverse tables, columns and
 * navigation properties that do not exist, transforms that cannot read the field or fill the column, read-only and
 * duplicate targets, choice values the column lacks, lengths, required columns left empty, lookups to tables other
 * than the one `linkTo` loads into; and it warns about X2CRM fields the map does not mention (added since it was
 * proposed). Pure.
 */
export function validateMapping(
  mapping: Mapping,
  source: SourceSchema,
  target: TargetSchema,
): MappingProblems {
  const errors: string[] = []
  const warnings: string[] = []
  const created = createdTables(mapping)
  for (const map of mapping.entities) {
    const base = pathOf(map)
    const fields = fieldsOfClass(source.entities, map.entity)
    if (fields === undefined) {
      errors.push(
        `entities.${map.entity}: X2CRM has no class ${map.entity} (known: ${Object.keys(source.entities).join(', ')}); ` +
          'fix the name or run `x2d365 discover` again',
      )
    }
    const table = target[map.table.logicalName] ?? created.get(map.table.logicalName)
    if (table === undefined) {
      errors.push(
        `${base}.table: Dataverse has no table ${map.table.logicalName}; fix the name, or add \`createTable:\` so that ` +
          '`x2d365 schema apply` creates it',
      )
    }
    const seen = new Map<string, string>()
    for (const field of map.fields) {
      const path = `${base}.fields.${field.source}`
      const key =
        field.transform === 'link' ? (navOf(table, field.target)?.column.name ?? field.target) : field.target
      const other = seen.get(key)
      if (other !== undefined) {
        errors.push(
          `${path}.target: ${map.table.logicalName}.${key} is already filled from ${other}; map one of them elsewhere or skip it`,
        )
      }
      seen.set(key, field.source)
      const sourceField = fields?.find((f) => f.fieldName === field.source)
      if (fields !== undefined && sourceField === undefined) {
        errors.push(
          `${path}: X2CRM ${map.entity} has no field "${field.source}" (removed or renamed since the last discover?); ` +
            'delete the line or run `x2d365 map propose` again',
        )
      }
      if (sourceField !== undefined && !reads(field.transform, sourceField.type)) {
        errors.push(
          `${path}.transform: ${field.transform} cannot read an X2CRM ${sourceField.type} field; use ` +
            `${suggestTransform(sourceField.type)}`,
        )
      }
      if (table !== undefined) checkTarget(map, field, table, path, source, errors, warnings)
    }
    if (fields !== undefined && map.skipped !== undefined) {
      const mentioned = new Set([...map.skipped, ...map.fields.map((f) => f.source)])
      const unmentioned = fields.filter((f) => !mentioned.has(f.fieldName)).map((f) => f.fieldName)
      if (unmentioned.length > 0) {
        warnings.push(
          `${base}.fields: X2CRM ${map.entity} has field${unmentioned.length > 1 ? 's' : ''} ${unmentioned.join(', ')} ` +
            'the map does not mention (added since it was proposed?); their values will not move. Map each, or ' +
            'write `<field>: { skip: true }`',
        )
      }
    }
    for (const condition of map.where?.conditions ?? []) {
      if (condition.type === 'tag') continue
      if (fields !== undefined && !fields.some((f) => f.fieldName === condition.field)) {
        errors.push(
          `entities.${map.entity}.split.when: X2CRM ${map.entity} has no field "${condition.field}"`,
        )
      }
    }
    if (table !== undefined) checkRequired(map, table, base, errors, warnings)
    checkDedupe(map, table, base, errors)
  }
  return { errors: [...new Set(errors)], warnings: [...new Set(warnings)] }
}

/** `entities.Contacts` or, for the records the split sends elsewhere, `entities.Contacts.split`. */
export function pathOf(map: EntityMap): string {
  return map.where !== undefined && map.where.negate !== true
    ? `entities.${map.entity}.split`
    : `entities.${map.entity}`
}

function createdTables(mapping: Mapping): Map<string, TableMetadata> {
  const tables = new Map<string, TableMetadata>()
  for (const map of mapping.entities) {
    if (map.createTable === undefined) continue
    tables.set(map.table.logicalName, {
      entitySet: map.table.entitySet,
      primaryId: map.table.primaryId,
      primaryName: map.createTable.primaryName,
      columns: [
        { name: map.table.primaryId, type: 'Uniqueidentifier', primaryId: true },
        { name: map.createTable.primaryName, type: 'String', maxLength: 100, primaryName: true },
        {
          name: 'ownerid',
          type: 'Owner',
          target: ['systemuser', 'team'],
          nav: { systemuser: 'ownerid', team: 'ownerid' },
        },
        { name: 'overriddencreatedon', type: 'DateTime' },
      ],
      custom: true,
    })
  }
  return tables
}

function checkTarget(
  map: EntityMap,
  field: FieldMap,
  table: TableMetadata,
  path: string,
  source: SourceSchema,
  errors: string[],
  warnings: string[],
): void {
  const tableName = map.table.logicalName
  if (field.transform === 'link') {
    const nav = navOf(table, field.target)
    if (nav === undefined) {
      const wanted = field.linkTo?.table.logicalName
      const options = table.columns.flatMap((c) =>
        wanted !== undefined && c.nav?.[wanted] !== undefined ? [c.nav[wanted]] : [],
      )
      errors.push(
        `${path}.target: ${tableName} has no navigation property "${field.target}"` +
          (options.length > 0
            ? `; to ${wanted ?? '?'} use one of: ${options.join(', ')}`
            : `; ${tableName} has no lookup to ${wanted ?? '?'}`),
      )
      return
    }
    if (field.linkTo !== undefined && nav.target !== field.linkTo.table.logicalName) {
      errors.push(
        `${path}.target: ${field.target} points at ${nav.target}, but ${field.linkTo.entity} loads into ` +
          `${field.linkTo.table.logicalName}; the lookup could not resolve`,
      )
    }
    if (nav.column.readOnly === true)
      errors.push(`${path}.target: ${tableName}.${nav.column.name} is read-only`)
    return
  }
  const column = columnOf(table, field.target)
  if (field.create !== undefined) {
    if (column !== undefined && column.type !== field.create.type) {
      errors.push(
        `${path}.create: ${tableName}.${field.target} already exists as ${column.type}, not ${field.create.type}; ` +
          'use the existing column (delete `create:`) or choose another name',
      )
    }
    const max = MAX_LENGTH[field.create.type]
    if (max !== undefined && (field.create.maxLength ?? 0) > max) {
      errors.push(`${path}.create.maxLength: a ${field.create.type} column holds at most ${max} characters`)
    }
    if (!WRITES[field.transform].includes(field.create.type)) {
      errors.push(`${path}.create.type: ${field.transform} cannot fill a ${field.create.type} column`)
    }
  } else if (column === undefined) {
    errors.push(
      `${path}.target: ${tableName} has no column "${field.target}"; fix the name, or add ` +
        '`create: { type, label }` so that `x2d365 schema apply` creates it',
    )
    return
  }
  const type = column?.type ?? field.create?.type ?? ''
  if (column !== undefined && !WRITES[field.transform].includes(type)) {
    errors.push(
      `${path}.transform: ${field.transform} cannot fill ${tableName}.${field.target}, ${/^[AEIOU]/.test(type) ? 'an' : 'a'} ${type} column ` +
        `(it takes ${transformsFor(type)})`,
    )
  }
  if (column?.readOnly === true || column?.primaryId === true) {
    errors.push(
      `${path}.target: ${tableName}.${field.target} is set by Dataverse and cannot be written; map the field elsewhere`,
    )
  }
  const sourceField = fieldsOfClass(source.entities, map.entity)?.find((f) => f.fieldName === field.source)
  const maxLength = column?.maxLength ?? field.create?.maxLength
  if (sourceField?.type === 'text' && type === 'String' && maxLength !== undefined && maxLength < 4000) {
    warnings.push(
      `${path}.target: X2CRM ${field.source} is long text; ${tableName}.${field.target} holds ${maxLength} characters, ` +
        'longer values will be quarantined (a Memo column takes them)',
    )
  }
  if (field.transform === 'choice' || field.transform === 'multiChoice') {
    checkChoices(
      field,
      column?.options ?? [],
      sourceField?.linkType ?? null,
      source,
      `${path}`,
      `${tableName}.${field.target}`,
      errors,
      warnings,
    )
  }
}

function checkChoices(
  field: FieldMap,
  options: readonly { value: number; label: string }[],
  dropdownId: string | null,
  source: SourceSchema,
  path: string,
  column: string,
  errors: string[],
  warnings: string[],
): void {
  const known = new Set(options.map((o) => o.value))
  for (const [value, label] of Object.entries(field.newOptions ?? {})) {
    const existing = options.find((o) => o.value === Number(value))
    // An option with this value and label is the one `schema apply` created from this very line: the map's own.
    if (
      existing !== undefined &&
      existing.label.trim().toLowerCase() !== String(label).trim().toLowerCase()
    ) {
      errors.push(
        `${path}.newOptions.${value}: ${column} already has the choice value ${value} (${existing.label}); pick another value`,
      )
    }
    known.add(Number(value))
  }
  for (const [option, value] of Object.entries(field.choices ?? {})) {
    if (!known.has(value)) {
      errors.push(
        `${path}.choices.${option}: ${column} has no choice value ${value}` +
          (options.length > 0 ? ` (it has ${options.map((o) => `${o.value} ${o.label}`).join(', ')})` : '') +
          '; use one of them or add it under newOptions',
      )
    }
  }
  const dropdown = source.dropdowns.find((d) => String(d.id) === dropdownId)
  const missing = Object.keys(dropdown?.options ?? {}).filter(
    (option) => field.choices?.[option] === undefined,
  )
  if (missing.length > 0) {
    warnings.push(
      `${path}.choices: X2CRM option${missing.length > 1 ? 's' : ''} ${missing.map((m) => JSON.stringify(m)).join(', ')} ` +
        `${missing.length > 1 ? 'have' : 'has'} no choice value; records with ${missing.length > 1 ? 'them' : 'it'} load the column empty`,
    )
  }
}

function checkRequired(
  map: EntityMap,
  table: TableMetadata,
  base: string,
  errors: string[],
  warnings: string[],
): void {
  const filled = new Set<string>(Object.keys(map.defaults ?? {}))
  for (const field of map.fields) {
    filled.add(
      field.transform === 'link' ? (navOf(table, field.target)?.column.name ?? field.target) : field.target,
    )
  }
  for (const column of table.columns) {
    if (
      column.readOnly === true ||
      column.primaryId === true ||
      DEFAULTED.has(column.name) ||
      filled.has(column.name) ||
      PLATFORM_FILLED[map.table.logicalName]?.includes(column.name) === true
    )
      continue
    if (
      column.required === 'SystemRequired' &&
      !/default|filled by the platform|auto/i.test(column.note ?? '')
    ) {
      errors.push(
        `${base}: ${map.table.logicalName}.${column.name} is required by Dataverse and nothing fills it; map a field ` +
          `to it or set it under defaults`,
      )
    } else if (column.required === 'ApplicationRequired') {
      warnings.push(
        `${base}: ${map.table.logicalName}.${column.name} is required on Dynamics 365 forms and nothing fills it`,
      )
    }
  }
}

/** Transforms whose values dedupe can compare (as text, the way Dataverse compares `eq` on strings). */
const DEDUPE_TRANSFORMS: ReadonlySet<string> = new Set(['text', 'email', 'phone', 'url'])

/** Each dedupe column exists (or the map creates it) and is filled with text by a field of the map. */
function checkDedupe(map: EntityMap, table: TableMetadata | undefined, base: string, errors: string[]): void {
  const path = `${base}.dedupe.columns`
  for (const column of map.dedupe?.columns ?? []) {
    const field = map.fields.find(
      (f) => f.target === column && f.transform !== 'link' && f.transform !== 'owner',
    )
    if (table !== undefined && columnOf(table, column) === undefined && field?.create === undefined) {
      errors.push(
        `${path}: ${map.table.logicalName} has no column "${column}"; records can only be matched by columns ` +
          'the existing rows have',
      )
    } else if (field === undefined) {
      errors.push(`${path}: no field of this map fills ${column}; map a field to it or take it out of dedupe`)
    } else if (!DEDUPE_TRANSFORMS.has(field.transform)) {
      errors.push(
        `${path}: ${column} is filled by ${field.transform}; dedupe compares text, so choose columns filled by ` +
          'text, email, phone or url',
      )
    }
  }
}

function transformsFor(type: string): string {
  const names = Object.entries(WRITES)
    .filter(([name, types]) => types.includes(type) && !ACTION_TRANSFORMS.has(name))
    .map(([name]) => name)
  return names.length > 0 ? names.join(' or ') : 'no transform x2d365 has'
}

function suggestTransform(sourceType: string): string {
  const names = (
    [
      'email',
      'phone',
      'url',
      'integer',
      'decimal',
      'boolean',
      'unixToIso',
      'choice',
      'link',
      'owner',
    ] as const
  ).filter((name) => reads(name, sourceType))
  return [...names, 'text'].join(' or ')
}
