import { columnOf, type TargetSchema } from '../mapping/schemas.ts'
import { taggedTables } from '../mapping/tag-fields.ts'
import type { Mapping } from '../mapping/types.ts'
import type { NewColumn, TableMetadata } from '../target/dataverse/table-metadata.ts'

/** One change `schema apply` makes to Dataverse. */
export type SchemaOperation =
  | { type: 'createTable'; table: string; entitySet: string; label: string; primaryName: string }
  | {
      type: 'createColumn'
      table: string
      column: string
      spec: NewColumn
      options?: { value: number; label: string }[]
    }
  | { type: 'insertOption'; table: string; column: string; value: number; label: string }
  | {
      type: 'createLookup'
      table: string
      column: string
      target: string
      relationship: string
      label: string
    }
  | { type: 'createKey'; table: string; key: string; columns: string[] }

export interface SchemaPlan {
  operations: SchemaOperation[]
  /** The map needs something that cannot be created as asked (a column that exists with another type). */
  conflicts: string[]
  warnings: string[]
  /**
   * The alternate key on the X2CRM id column of every table, created by this plan or already there: the load
   * upserts through them, so `schema apply` waits until their indexes are Active.
   */
  keys: SchemaKey[]
}

/** An alternate key by its table and logical name. */
export interface SchemaKey {
  table: string
  key: string
}

export interface PlanSchemaOptions {
  /** Dynamics 365 license of the environment, for its limits. @default 'enterprise' */
  license?: 'professional' | 'enterprise'
}

/** Dynamics 365 Sales Professional may use at most 15 custom tables (Microsoft's licensing guide). */
export const SALES_PROFESSIONAL_CUSTOM_TABLES = 15

/**
 * What the confirmed map needs that Dataverse lacks, as operations in the order to run them: custom tables, then
 * columns (the X2CRM id column on every table, the map's new columns, the tag column), then the tag table's lookups
 * to the tagged tables, then new options of existing choice columns, then an alternate key on the X2CRM id column of
 * every table. Everything already there is left
 * alone, so a second run plans nothing. Pure: `target` is the environment's current metadata.
 */
export function planSchema(
  mapping: Mapping,
  target: TargetSchema,
  options: PlanSchemaOptions = {},
): SchemaPlan {
  const tables: SchemaOperation[] = []
  const columns: SchemaOperation[] = []
  const choices: SchemaOperation[] = []
  const plannedOptions = new Map<string, string>()
  const keys: SchemaOperation[] = []
  const neededKeys: SchemaKey[] = []
  const lookups: SchemaOperation[] = []
  const conflicts: string[] = []
  const warnings: string[] = []
  const settings = mapping.settings
  const planned = new Set<string>()
  const addColumn = (
    table: string,
    metadata: TableMetadata | undefined,
    column: string,
    spec: NewColumn,
    newOptions?: Readonly<Record<string, string>>,
  ) => {
    const id = `${table}.${column}`
    if (planned.has(id)) return
    planned.add(id)
    const existing = columnOf(metadata, column)
    if (existing !== undefined) {
      if (existing.type !== spec.type)
        conflicts.push(`${id} exists as ${existing.type}; the map needs ${spec.type}`)
      else if (spec.maxLength !== undefined && (existing.maxLength ?? 0) < spec.maxLength) {
        warnings.push(
          `${id} holds ${existing.maxLength ?? 0} characters; the map asked for ${spec.maxLength}`,
        )
      }
      return
    }
    const operation: SchemaOperation = { type: 'createColumn', table, column, spec }
    if (newOptions !== undefined) {
      operation.options = Object.entries(newOptions).map(([value, label]) => ({
        value: Number(value),
        label,
      }))
    }
    columns.push(operation)
  }

  const seenTables = new Set<string>()
  const tagged = taggedTables(mapping)
  for (const map of mapping.entities) {
    const name = map.table.logicalName
    const metadata = target[name]
    if (!seenTables.has(name)) {
      seenTables.add(name)
      if (metadata === undefined) {
        if (map.createTable === undefined) {
          conflicts.push(`${name} does not exist in Dataverse and the map does not create it (createTable)`)
          continue
        }
        tables.push({ type: 'createTable', table: name, entitySet: map.table.entitySet, ...map.createTable })
      }
      if (settings !== undefined) {
        addColumn(name, metadata, settings.sourceIdColumn, {
          type: 'String',
          maxLength: 100,
          label: 'X2CRM id',
        })
        const existingKey = Object.entries(metadata?.keys ?? {}).find(
          ([, columns]) => columns.length === 1 && columns[0] === settings.sourceIdColumn,
        )?.[0]
        if (existingKey !== undefined) neededKeys.push({ table: name, key: existingKey })
        else {
          neededKeys.push({ table: name, key: `${settings.sourceIdColumn}_key` })
          keys.push({
            type: 'createKey',
            table: name,
            key: `${settings.sourceIdColumn}_key`,
            columns: [settings.sourceIdColumn],
          })
        }
        if (settings.tags.mode === 'multiselect' && tagged.has(name)) {
          addColumn(
            name,
            metadata,
            settings.tags.column,
            { type: 'MultiSelectPicklist', label: 'X2CRM tags' },
            tagOptionLabels(settings.tags.options),
          )
          // A tag added in X2CRM since the column was made: its option is added.
          const tagColumn = columnOf(metadata, settings.tags.column)
          for (const [value, label] of Object.entries(tagOptionLabels(settings.tags.options))) {
            if (tagColumn === undefined || tagColumn.options?.some((o) => o.value === Number(value))) continue
            choices.push({
              type: 'insertOption',
              table: name,
              column: settings.tags.column,
              value: Number(value),
              label,
            })
          }
        }
        if (settings.tags.mode === 'text' && tagged.has(name)) {
          addColumn(name, metadata, settings.tags.column, {
            type: 'Memo',
            maxLength: TAGS_TEXT_LENGTH,
            label: 'X2CRM tags',
          })
        }
      }
    }
    for (const field of map.fields) {
      if (field.create !== undefined) {
        addColumn(name, metadata, field.target, field.create, field.newOptions)
      }
      const existing = columnOf(metadata, field.target)
      for (const [value, label] of Object.entries(field.newOptions ?? {})) {
        if (existing === undefined || existing.options?.some((o) => o.value === Number(value))) continue
        // Two objects can load into one table (X2Leads and the Contacts split both into lead): add each option once.
        const key = `${name}.${field.target}=${value}`
        const planned = plannedOptions.get(key)
        if (planned === label) continue
        if (planned !== undefined) {
          conflicts.push(
            `${name}.${field.target}: two maps add choice ${value}, as "${planned}" and as "${label}"; give one of them another value`,
          )
          continue
        }
        plannedOptions.set(key, label)
        choices.push({ type: 'insertOption', table: name, column: field.target, value: Number(value), label })
      }
    }
  }
  if (settings?.tags.mode === 'table') {
    // One row per tag of a record: the tag as its name, a lookup to the record's table.
    const tagTable = settings.tags.table
    const metadata = target[tagTable]
    if (metadata === undefined) {
      tables.push({
        type: 'createTable',
        table: tagTable,
        entitySet: `${tagTable}s`,
        label: 'X2CRM tag',
        primaryName: `${settings.publisherPrefix}name`,
      })
    }
    for (const table of seenTables) {
      if (!tagged.has(table)) continue
      const column = `${settings.publisherPrefix}${table.replace(/^[a-z0-9]+_/, '')}id`
      if (columnOf(metadata, column) !== undefined) continue
      lookups.push({
        type: 'createLookup',
        table: tagTable,
        column,
        target: table,
        relationship: `${settings.publisherPrefix}${table}_${tagTable}`,
        label: `Tagged ${table}`,
      })
    }
  }

  const created = tables.length
  if (options.license === 'professional') {
    const existingCustom = Object.values(target).filter((t) => t.custom === true).length
    if (existingCustom + created > SALES_PROFESSIONAL_CUSTOM_TABLES) {
      warnings.push(
        `Sales Professional allows ${SALES_PROFESSIONAL_CUSTOM_TABLES} custom tables; the environment has ${existingCustom} ` +
          `and the map adds ${created}. Map to standard tables, or use Sales Enterprise.`,
      )
    }
  }
  return {
    operations: [...tables, ...columns, ...lookups, ...choices, ...keys],
    conflicts,
    warnings,
    keys: neededKeys,
  }
}

/** A text tag column holds every tag of a record, `#a, #b`. */
const TAGS_TEXT_LENGTH = 4000

/** The multi-select tag column's options: value → the tag as its label. */
function tagOptionLabels(options: Readonly<Record<string, number>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(options ?? {}).map(([tag, value]) => [String(value), tag]))
}

/** Every table the map touches, the tag table included: what `schema apply` reads before planning. */
export function tablesOf(mapping: Mapping): string[] {
  const tables = new Set(mapping.entities.map((e) => e.table.logicalName))
  if (mapping.settings?.tags.mode === 'table') tables.add(mapping.settings.tags.table)
  return [...tables]
}

/** The plan as lines a person reads (`--dry-run`). */
export function describePlan(plan: SchemaPlan): string[] {
  const created = plan.operations.filter((op) => op.type === 'createKey')
  if (plan.operations.length === 0)
    return ['Nothing to do: Dataverse has every table, column, choice and key the map needs.']
  const lines = plan.operations.map((op) => {
    switch (op.type) {
      case 'createTable':
        return `create table ${op.table} (${op.label}, primary name ${op.primaryName})`
      case 'createColumn':
        return (
          `create column ${op.table}.${op.column}: ${op.spec.type}` +
          (op.spec.maxLength === undefined ? '' : `(${op.spec.maxLength})`) +
          ` "${op.spec.label}"` +
          (op.options && op.options.length > 0 ? ` with ${op.options.length} options` : '')
        )
      case 'createLookup':
        return `create lookup ${op.table}.${op.column} → ${op.target}`
      case 'insertOption':
        return `add choice ${op.value} "${op.label}" to ${op.table}.${op.column}`
      case 'createKey':
        return `create alternate key ${op.table}.${op.key} on ${op.columns.join(', ')}`
    }
  })
  if (created.length > 0) {
    lines.push(
      created.length === 1
        ? 'wait until the alternate key is Active (Dataverse builds its index in the background; the load needs it)'
        : `wait until the ${created.length} alternate keys are Active ` +
            '(Dataverse builds their indexes in the background; the load needs them)',
    )
  }
  return lines
}
