import { builtInMapping } from './built-in-map.ts'
import { tagOptions } from './tag-fields.ts'
import type { Mapping } from './types.ts'

/** The multi-select column the demo's map fills with X2CRM's tags (`map propose`'s default name). */
export const DEMO_TAG_COLUMN = 'new_x2crmtags'

/**
 * The demo's map: the built-in map with tags as `map propose` proposes them, a multi-select choice column with one
 * option per tag seen (sorted, values from 100,000,000 up). The built-in map keeps `none` because every tag mode
 * needs a column only `schema apply` creates; the demo runs that step first, as a user would. Pure.
 */
export function demoMapping(tags: readonly string[]): Mapping {
  const base = builtInMapping()
  return {
    ...base,
    settings: {
      publisherPrefix: 'new_',
      sourceIdColumn: 'new_x2crmid',
      teams: { create: true },
      ...base.settings,
      tags: { mode: 'multiselect', column: DEMO_TAG_COLUMN, options: tagOptions([...tags].sort()) },
    },
  }
}
