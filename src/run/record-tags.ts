import { taggedClasses, withTagFields } from '../mapping/tag-fields.ts'
import type { Mapping } from '../mapping/types.ts'
import type { RelatedReaders } from '../source/x2crm/related.ts'
import type { X2crmSource } from '../source/x2crm/types.ts'
import { withTags } from '../source/x2crm/with-tags.ts'

/**
 * What a run reads when the map moves tags (`settings.tags` a column) and the source can read them: the map with the
 * tag field on every entity, and the source with every record's tags in it. Migrate, delta and verify all read
 * through this, so a record's content hash (and delta) covers its tags, and verify compares the tag column.
 * Otherwise both as given.
 */
export function withRecordTags<
  D extends {
    source: Pick<X2crmSource, 'records'> & Partial<Pick<X2crmSource, 'record'>>
    related?: RelatedReaders
  },
>(mapping: Mapping, deps: D): { mapping: Mapping; deps: D } {
  const classes = taggedClasses(mapping)
  const reader = deps.related
  if (
    classes.size === 0 ||
    reader === undefined ||
    (reader.tags === undefined && reader.tagsOfClass === undefined)
  )
    return { mapping, deps }
  return {
    mapping: withTagFields(mapping),
    deps: { ...deps, source: withTags(deps.source, reader, classes) },
  }
}
