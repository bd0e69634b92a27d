import type { EntityMap } from '../mapping/types.ts'
import type { TransformResult } from '../mapping/types.ts'
import { lookupColumn } from './before-image.ts'

export interface FieldMismatch {
  /** The X2CRM field and the Dataverse column it maps to. */
  field: string
  column: string
  expected: unknown
  actual: unknown
}

/**
 * Compares what the map says a row should hold (the transform of the source record) with the row Dataverse returns.
 * Lookups are compared by the id they point at; dates as instants; numbers as numbers; empty means null. Links the
 * migration could not set (parent not migrated) are expected to be empty. Pure.
 */
export function compareRow(
  map: EntityMap,
  expected: Extract<TransformResult, { status: 'ok' }>,
  boundLinks: ReadonlyMap<string, string | null>,
  actual: Readonly<Record<string, unknown>>,
): FieldMismatch[] {
  const mismatches: FieldMismatch[] = []
  for (const field of map.fields) {
    if (field.transform === 'owner') continue // ownership can change legitimately after loading (assignments)
    if (field.transform === 'activityState') {
      // Activities are closed in the link pass: the state the action says, or open.
      const want = expected.later?.['statecode'] ?? 0
      const got = actual['statecode'] ?? null
      if (!sameValue(want, got))
        mismatches.push({ field: field.source, column: 'statecode', expected: want, actual: got })
      continue
    }
    if (field.transform === 'link' || field.transform === 'regarding') {
      const column = `_${lookupColumn(field)}_value`
      const want = boundLinks.get(field.source) ?? null
      const got = actual[column] ?? null
      if (!sameId(want, got)) mismatches.push({ field: field.source, column, expected: want, actual: got })
      continue
    }
    // Dataverse keeps a supplied overriddencreatedon as `createdon`, and overriddencreatedon becomes the load time.
    // https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/account (overriddencreatedon)
    const column = field.target === 'overriddencreatedon' ? 'createdon' : field.target
    const want = expected.values[field.target] ?? null
    if (column === 'createdon' && want === null) continue // nothing overridden: createdon is the load time
    // Dataverse honours overriddencreatedon only on create: a row that existed before (a dedupe match) keeps its own
    // createdon, and its overriddencreatedon stays empty.
    if (column === 'createdon' && (actual['overriddencreatedon'] ?? null) === null) continue
    const got = actual[column] ?? null
    if (!sameValue(want, got)) mismatches.push({ field: field.source, column, expected: want, actual: got })
  }
  return mismatches
}

function sameId(a: unknown, b: unknown): boolean {
  return (typeof a === 'string' ? a.toLowerCase() : a) === (typeof b === 'string' ? b.toLowerCase() : b)
}

function sameValue(want: unknown, got: unknown): boolean {
  if (want === null || want === '') return got === null || got === ''
  if (typeof want === 'number')
    return typeof got === 'number' ? Math.abs(want - got) < 1e-6 : Number(got) === want
  if (typeof want === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(want) && typeof got === 'string') {
    return Date.parse(want) === Date.parse(got)
  }
  return want === got
}
