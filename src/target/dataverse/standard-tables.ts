import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { InternalError } from '../../errors.ts'
import type { TableMetadata } from './table-metadata.ts'

type TargetSchema = Readonly<Record<string, TableMetadata>>

/**
 * tables.json, the standard tables the Dataverse simulator also serves. Found relative to this module, so the same
 * path holds in the sources and in the build (which copies it to dist/sim/dataverse/).
 */
const TABLES_JSON = new URL('../../../sim/dataverse/tables.json', import.meta.url)

/**
 * The standard Dataverse tables with their columns and navigation properties (EntityDefinitions' attributes do not
 * carry those): what `discover`, `schema apply` and `validate` merge with the environment's metadata, and what
 * `validate --offline` checks against. A missing or unreadable file is our bug (it ships with x2d365).
 */
export function standardTables(file: URL = TABLES_JSON): TargetSchema {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new InternalError(
      `the standard Dataverse tables cannot be read from ${fileURLToPath(file)} (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    )
  }
  try {
    return JSON.parse(text) as TargetSchema
  } catch (error) {
    throw new InternalError(
      `the standard Dataverse tables in ${fileURLToPath(file)} are not JSON (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    )
  }
}
