import type { TargetSchema } from '../mapping/schemas.ts'
import type { ColumnMetadata, NewColumn, TableMetadata } from '../target/dataverse/table-metadata.ts'
import type { SchemaPlan } from './plan-schema.ts'

/**
 * The metadata Dataverse will have once `schema apply` has run `plan` on `current`: the tables, columns and choice
 * options the map creates, added with the types, lengths and options the plan gives them. Lets `validate` check rows
 * against columns that do not exist yet (or, offline, against the standard tables plus what the map adds). Pure.
 */
export function schemaAfterPlan(current: TargetSchema, plan: SchemaPlan): Record<string, TableMetadata> {
  const schema: Record<string, TableMetadata> = { ...current }
  const addColumn = (table: string, column: ColumnMetadata) => {
    const metadata = schema[table]
    if (metadata === undefined || metadata.columns.some((c) => c.name === column.name)) return
    schema[table] = { ...metadata, columns: [...metadata.columns, column] }
  }
  for (const operation of plan.operations) {
    switch (operation.type) {
      case 'createTable':
        schema[operation.table] ??= {
          entitySet: operation.entitySet,
          primaryId: `${operation.table}id`,
          primaryName: operation.primaryName,
          columns: [
            { name: `${operation.table}id`, type: 'Uniqueidentifier', primaryId: true },
            // What the metadata client creates for a new table's primary name (metadata.ts createTable).
            { name: operation.primaryName, type: 'String', maxLength: 100, primaryName: true },
          ],
          custom: true,
        }
        break
      case 'createColumn':
        addColumn(operation.table, {
          name: operation.column,
          type: operation.spec.type,
          ...(maxLengthOf(operation.spec) !== undefined && { maxLength: maxLengthOf(operation.spec) }),
          ...(operation.options !== undefined && { options: operation.options }),
        })
        break
      case 'createLookup':
        addColumn(operation.table, { name: operation.column, type: 'Lookup', target: [operation.target] })
        break
      case 'insertOption': {
        const metadata = schema[operation.table]
        if (metadata === undefined) break
        schema[operation.table] = {
          ...metadata,
          columns: metadata.columns.map((c) =>
            c.name === operation.column
              ? { ...c, options: [...(c.options ?? []), { value: operation.value, label: operation.label }] }
              : c,
          ),
        }
        break
      }
      case 'createKey':
        break
    }
  }
  return schema
}

/** The MaxLength the metadata client gives a new text column when the map names none (metadata.ts attributeBody). */
function maxLengthOf(spec: NewColumn): number | undefined {
  if (spec.type === 'String') return spec.maxLength ?? 100
  if (spec.type === 'Memo') return spec.maxLength ?? 2000
  return undefined
}
