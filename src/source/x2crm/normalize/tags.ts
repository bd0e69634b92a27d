/**
 * The field a record's tags arrive in: `"#hot, #vip"` (sorted, X2CRM strips commas from tags), or null without any.
 * No X2CRM field starts with `_`. Being part of the record, the tags are in its content hash: `delta` sees a tag
 * added or removed although X2CRM does not move `lastUpdated` for it.
 */
export const TAGS_FIELD = '_tags'

/** The value of {@link TAGS_FIELD} for these tags. Pure. */
export function tagsValue(tags: readonly string[]): string | null {
  const unique = [...new Set(tags.map((t) => t.trim()).filter((t) => t !== ''))].sort()
  return unique.length === 0 ? null : unique.join(', ')
}
