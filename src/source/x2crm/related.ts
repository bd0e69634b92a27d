import type { ChangeFinder } from './changes.ts'
import type { X2crmCatalog, X2crmRelationship } from './types.ts'
import type { TagReader } from './with-tags.ts'

/**
 * What belongs to records but is not in their JSON, read for the steps after the load: list members, tags and
 * relationships. The database reader has all three; API v2 has tags and relationships but not list members
 * (api.md §1.13: `x2_list_items` is database-only). A reader left out means the source cannot give it.
 */
export interface RelatedReaders extends TagReader {
  /** The record ids on a static list (`x2_list_items.contactId`; null for a member known only by its e-mail). */
  listMembers?(listId: number): AsyncIterable<{ recordId: number | null; emailAddress: string | null }>
  /** Every relationship, ascending by id. */
  relationships?(): AsyncIterable<X2crmRelationship>
  /** What changed, without reading records (the database only): a delta reads just that (`--changes changelog`). */
  changes?: ChangeFinder
}

/** What API v2 gives beside the records: relationships, and tags one record at a time; no list members (§1.13). */
export function apiRelated(catalog: Pick<X2crmCatalog, 'relationships' | 'tags'>): RelatedReaders {
  return {
    relationships: () => catalog.relationships(),
    tags: (entity, id) => catalog.tags(entity, id),
  }
}
