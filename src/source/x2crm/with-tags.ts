import { TAGS_FIELD, tagsValue } from './normalize/tags.ts'
import type { ReadOptions, X2crmRecord, X2crmSource } from './types.ts'

export { TAGS_FIELD, tagsValue }

/** Tag requests in flight at once when tags are read record by record. */
const TAG_READS_AHEAD = 8

/** Where the tags come from: all of a class at once (the database), or one record at a time (API v2). */
export interface TagReader {
  tagsOfClass?(entity: string): Promise<ReadonlyMap<number, readonly string[]>>
  tags?(entity: string, id: number): Promise<readonly string[]>
}

/**
 * The source with each record of `classes` carrying its tags in {@link TAGS_FIELD}. A class's tags are read once per
 * pass over it when the reader can read a class at once, else record by record.
 */
export function withTags<S extends Pick<X2crmSource, 'records'> & Partial<Pick<X2crmSource, 'record'>>>(
  source: S,
  reader: TagReader,
  classes: ReadonlySet<string>,
): S {
  const tagged = async (
    entity: string,
    record: X2crmRecord,
    ofClass?: ReadonlyMap<number, readonly string[]>,
  ) => {
    const id = Number(record['id'])
    const tags = ofClass !== undefined ? (ofClass.get(id) ?? []) : ((await reader.tags?.(entity, id)) ?? [])
    return { ...record, [TAGS_FIELD]: tagsValue(tags) }
  }
  const byId = source.record?.bind(source)
  return {
    ...source,
    records(entity: string, options?: ReadOptions) {
      if (!classes.has(entity)) return source.records(entity, options)
      return (async function* () {
        const ofClass = await reader.tagsOfClass?.(entity)
        // Record by record (API v2), the next records' tags are read while this one is yielded: up to
        // TAG_READS_AHEAD requests in flight, the records still in their order.
        const ahead: Promise<X2crmRecord>[] = []
        for await (const record of source.records(entity, options)) {
          const next = tagged(entity, record, ofClass)
          // Handled here so a failure waiting its turn is not an unhandled rejection; awaited below, it throws.
          next.catch(() => undefined)
          ahead.push(next)
          if (ahead.length >= TAG_READS_AHEAD) yield await (ahead.shift() as Promise<X2crmRecord>)
        }
        while (ahead.length > 0) yield await (ahead.shift() as Promise<X2crmRecord>)
      })()
    },
    ...(byId !== undefined && {
      async record(entity: string, id: number) {
        const record = await byId(entity, id)
        if (record === undefined || !classes.has(entity)) return record
        return tagged(entity, record, await reader.tagsOfClass?.(entity))
      },
    }),
  }
}
