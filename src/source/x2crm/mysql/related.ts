import type { RelatedReaders } from '../related.ts'
import type { MysqlSource } from './source.ts'

/** What the database gives beside the records: static list members, relationships, and every tag of a class at once. */
export function databaseRelated(
  source: Pick<MysqlSource, 'listItems' | 'relationships' | 'tagsOfClass'> &
    Partial<Pick<MysqlSource, 'changes'>>,
): RelatedReaders {
  return {
    async *listMembers(listId) {
      for await (const item of source.listItems(listId))
        yield { recordId: item.contactId, emailAddress: item.emailAddress }
    },
    relationships: () => source.relationships(),
    tagsOfClass: (entity) => source.tagsOfClass(entity),
    ...(source.changes !== undefined && { changes: source.changes }),
  }
}
