import { ConfigError } from '../errors.ts'
import type { DataverseMetadata } from '../target/dataverse/metadata.ts'
import type { SchemaOperation, SchemaPlan } from './plan-schema.ts'
import { type WaitForKeysOptions, type WaitForKeysResult, waitForKeys } from './wait-for-keys.ts'

export interface ApplySchemaResult {
  applied: SchemaOperation[]
  published: boolean
  /** The wait for the alternate keys' indexes, when the plan needs keys. */
  keys?: WaitForKeysResult
}

export interface ApplySchemaOptions {
  onOperation?: (operation: SchemaOperation, index: number, total: number) => void
  /** How to wait for the alternate keys' indexes (clock, sleep, timeout, progress). */
  keys?: WaitForKeysOptions
}

/**
 * Runs a schema plan in its order (tables, columns, options, keys), then publishes. A plan with conflicts is refused
 * before anything changes. Stopping half-way is safe: the next plan is made from the metadata as it is then, so
 * running `schema apply` again does only what is left. Last it waits until every alternate key the load needs
 * (`plan.keys`, new or found still Pending) has an Active index.
 */
export async function applySchema(
  plan: SchemaPlan,
  metadata: DataverseMetadata,
  options: ApplySchemaOptions = {},
): Promise<ApplySchemaResult> {
  if (plan.conflicts.length > 0) {
    throw new ConfigError(
      plan.conflicts.map((c) => `mapping.yaml: ${c}; change the map, then run \`x2d365 schema apply\` again`),
    )
  }
  const applied: SchemaOperation[] = []
  for (const [index, operation] of plan.operations.entries()) {
    options.onOperation?.(operation, index, plan.operations.length)
    await apply(operation, metadata)
    applied.push(operation)
  }
  if (applied.length > 0) await metadata.publishAll()
  const result: ApplySchemaResult = { applied, published: applied.length > 0 }
  if (plan.keys.length > 0) result.keys = await waitForKeys(plan.keys, metadata, options.keys)
  return result
}

async function apply(operation: SchemaOperation, metadata: DataverseMetadata): Promise<void> {
  switch (operation.type) {
    case 'createTable':
      return metadata.createTable({
        logicalName: operation.table,
        label: operation.label,
        primaryName: operation.primaryName,
      })
    case 'createColumn':
      return metadata.createColumn(operation.table, operation.column, operation.spec, operation.options ?? [])
    case 'createLookup':
      return metadata.createLookup(operation)
    case 'insertOption':
      return metadata.insertOption(operation.table, operation.column, operation.value, operation.label)
    case 'createKey':
      return metadata.createKey(operation.table, operation.key, operation.columns)
  }
}
