import type { X2crmRecord, X2crmSource } from '../source/x2crm/types.ts'

/**
 * The records of a class to close: every one, or those among `only`, read by id (none read when `only` has none of
 * this class). A source that does not honour `ids` (API v2) reads every record: the caller still keeps only `only`.
 */
export async function* recordsAmong(
  source: Pick<X2crmSource, 'records'>,
  entity: string,
  only: ReadonlySet<string> | undefined,
): AsyncGenerator<X2crmRecord> {
  if (only === undefined) {
    yield* source.records(entity)
    return
  }
  const prefix = `${entity}:`
  const ids = [...only].filter((k) => k.startsWith(prefix)).map((k) => Number(k.slice(prefix.length)))
  if (ids.length > 0) yield* source.records(entity, { ids })
}
