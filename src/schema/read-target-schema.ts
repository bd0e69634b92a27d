import type { TargetSchema } from '../mapping/schemas.ts'
import type { TableMetadata } from '../target/dataverse/table-metadata.ts'
import type { DataverseMetadata } from '../target/dataverse/metadata.ts'

/**
 * The environment's metadata of the named tables (absent ones left out). Navigation properties are not part of
 * EntityDefinitions' attributes: they are taken from `standard` (tables.json) where the column is the same.
 */
export async function readTargetSchema(
  metadata: DataverseMetadata,
  tables: Iterable<string>,
  standard: TargetSchema = {},
): Promise<Record<string, TableMetadata>> {
  const schema: Record<string, TableMetadata> = {}
  for (const name of new Set(tables)) {
    const table = await metadata.readTable(name)
    if (table === undefined) continue
    const known = standard[name]
    schema[name] = {
      ...table,
      columns: table.columns.map((column) => {
        const nav = known?.columns.find((c) => c.name === column.name)?.nav
        return nav === undefined || column.nav !== undefined ? column : { ...column, nav }
      }),
    }
  }
  return schema
}
