import { isDerivedClass } from '../domain/derived-classes.ts'
import { TAGS_FIELD } from '../source/x2crm/normalize/tags.ts'
import type { FieldMap, Mapping, TagsChoice } from './types.ts'

/**
 * The field that fills the tag column of `settings.tags` from the record's tags ({@link TAGS_FIELD}, `#a, #b`): the
 * text as it is, or each tag through the map's options into the multi-select column (a tag without an option is
 * dropped with a warning naming it). None for `none` and for the tag table, which has rows of its own. Pure.
 */
export function tagField(tags: TagsChoice): FieldMap | undefined {
  if (tags.mode === 'text') return { source: TAGS_FIELD, target: tags.column, transform: 'text' }
  if (tags.mode !== 'multiselect') return undefined
  const options = tags.options ?? {}
  return {
    source: TAGS_FIELD,
    target: tags.column,
    transform: 'multiChoice',
    choices: options,
    newOptions: Object.fromEntries(Object.entries(options).map(([tag, value]) => [String(value), tag])),
  }
}

/**
 * The classes whose records carry tags the map moves: every X2CRM class of a map whose tags are not `none`. Not the
 * classes x2d365 derives (a product's price, a quote's lines): X2CRM has no tags for them, and API v2 answers 500
 * for their tags. Pure.
 */
export function taggedClasses(mapping: Mapping): Set<string> {
  const tags = mapping.settings?.tags
  if (tags === undefined || tags.mode === 'none') return new Set()
  return new Set(mapping.entities.map((e) => e.entity).filter((entity) => !isDerivedClass(entity)))
}

/** The tables that get the tag column (or a lookup from the tag table): those of {@link taggedClasses}. Pure. */
export function taggedTables(mapping: Mapping): Set<string> {
  const classes = taggedClasses(mapping)
  return new Set(mapping.entities.filter((e) => classes.has(e.entity)).map((e) => e.table.logicalName))
}

/** The map with the tag field on every entity map of {@link taggedClasses} (once), as `settings.tags` says. Pure. */
export function withTagFields(mapping: Mapping): Mapping {
  const field = mapping.settings === undefined ? undefined : tagField(mapping.settings.tags)
  if (field === undefined) return mapping
  const classes = taggedClasses(mapping)
  return {
    ...mapping,
    entities: mapping.entities.map((map) =>
      !classes.has(map.entity) || map.fields.some((f) => f.source === TAGS_FIELD)
        ? map
        : { ...map, fields: [...map.fields, field] },
    ),
  }
}

/**
 * Tag options for a multi-select column: each tag (compared ignoring case) → a value from `base` up, in the order
 * given, keeping the values already assigned. Pure.
 * @default base 100_000_000 (the default publisher's option prefix 10000 × 10,000)
 */
export function tagOptions(
  tags: readonly string[],
  existing: Readonly<Record<string, number>> = {},
  base = 100_000_000,
): Record<string, number> {
  const options: Record<string, number> = { ...existing }
  const known = new Set(Object.keys(options).map((t) => t.toLowerCase()))
  let next = Math.max(base - 1, ...Object.values(options)) + 1
  for (const tag of tags) {
    const trimmed = tag.trim()
    if (trimmed === '' || known.has(trimmed.toLowerCase())) continue
    known.add(trimmed.toLowerCase())
    options[trimmed] = next++
  }
  return options
}
