import { DEFAULT_OBJECTS } from '../mapping/default-objects.ts'
import type { SourceSchema } from '../mapping/schemas.ts'
import type { TableMetadata } from '../target/dataverse/table-metadata.ts'
import type { X2crmCatalog, X2crmField, X2crmSource, X2crmUser } from '../source/x2crm/types.ts'
import type { DataverseMetadata } from '../target/dataverse/metadata.ts'

/** Both schemas and the record counts, as `x2d365 discover` writes them to discovery.json. */
export interface Discovery {
  discoveredAt: string
  source: SourceSchema
  /** X2CRM class → records the API lists (can be fewer than the table holds: hidden private records). */
  counts: Record<string, number>
  /** X2CRM classes that could not be read, with why. */
  unreadable: Record<string, string>
  users: X2crmUser[]
  target: Record<string, TableMetadata>
}

export interface DiscoverDeps {
  source: Pick<X2crmSource, 'fields' | 'count' | 'users'> & Pick<X2crmCatalog, 'dropdowns'>
  /** Reads one table's metadata; navigation properties merged from tables.json by the caller. */
  readTable: DataverseMetadata['readTable']
  now: () => Date
}

/**
 * What discover reads besides the object map's classes and tables: quotes (`map propose` proposes them when X2CRM has
 * some), and the tables the sales maps load a product's price and a quote's lines into.
 */
const MORE_OBJECTS: readonly { entity: string; table: string }[] = [{ entity: 'Quote', table: 'quote' }]
const MORE_TABLES = ['lead', 'systemuser', 'productpricelevel', 'quotedetail']

export interface DiscoverOptions {
  /** X2CRM class → table. @default DEFAULT_OBJECTS and Quote */
  objects?: readonly { entity: string; table: string }[]
}

/**
 * Reads X2CRM's fields (custom ones included), dropdowns, users and record counts of every mapped class, and
 * Dataverse's metadata of every target table (columns, choices, keys; `lead` too, for the Contacts split). A class
 * X2CRM cannot serve is listed in `unreadable` with the reason; the rest goes on.
 */
export async function discover(deps: DiscoverDeps, options: DiscoverOptions = {}): Promise<Discovery> {
  const objects = options.objects ?? [...DEFAULT_OBJECTS, ...MORE_OBJECTS]
  const entities: Record<string, X2crmField[]> = {}
  const counts: Record<string, number> = {}
  const unreadable: Record<string, string> = {}
  for (const { entity } of objects) {
    try {
      entities[entity] = await deps.source.fields(entity)
      counts[entity] = await deps.source.count(entity)
    } catch (error) {
      unreadable[entity] = error instanceof Error ? error.message : String(error)
      delete entities[entity]
    }
  }
  const dropdowns = await deps.source.dropdowns()
  const users = await deps.source.users()
  const target: Record<string, TableMetadata> = {}
  for (const table of new Set([...objects.map((o) => o.table), ...MORE_TABLES])) {
    const metadata = await deps.readTable(table)
    if (metadata !== undefined) target[table] = metadata
  }
  return {
    discoveredAt: deps.now().toISOString(),
    source: { entities, dropdowns },
    counts,
    unreadable,
    users,
    target,
  }
}

/** The scope report: what is there to migrate, in lines a person reads. */
export function describeDiscovery(discovery: Discovery): string[] {
  const lines = ['X2CRM:']
  for (const [entity, fields] of Object.entries(discovery.source.entities)) {
    const custom = fields.filter((f) => f.custom).length
    lines.push(
      `  ${entity}: ${discovery.counts[entity] ?? 0} records, ${fields.length} fields (${custom} custom)`,
    )
  }
  for (const [entity, why] of Object.entries(discovery.unreadable))
    lines.push(`  ${entity}: not readable (${why})`)
  const inactive = discovery.users.filter((u) => u.status !== 1).length
  lines.push(
    `  ${discovery.source.dropdowns.length} dropdowns, ${discovery.users.length} users (${inactive} inactive)`,
  )
  lines.push('Dataverse:')
  for (const [table, metadata] of Object.entries(discovery.target)) {
    const custom = metadata.columns.filter((c) => c.name.includes('_') && !/^address\d_/.test(c.name)).length
    const keys = Object.keys(metadata.keys ?? {}).length
    lines.push(
      `  ${table}: ${metadata.columns.length} columns (${custom} with a prefix), ${keys} alternate keys`,
    )
  }
  return lines
}
