import type { X2crmModel } from './types.ts'

/** The classes a migration reads, in load order of their parents first (the plan decides the real order). */
export const MIGRATED_CLASSES = [
  'Groups',
  'Accounts',
  'Contacts',
  'X2Leads',
  'Product',
  'Opportunity',
  'Quote',
  'Services',
  'Campaign',
  'X2List',
  'Docs',
  'Media',
  'Actions',
] as const

/** Built-in model classes that are not business records (reports, calendars, tracking), or are templates. */
const BUILT_IN_OTHER = new Set([
  'Reports',
  'Charts',
  'Calendar',
  'X2Calendar',
  'EmailInboxes',
  'Topics',
  'BugReports',
  'AnonContact',
  'Fingerprint',
  'Templates',
  'User',
  'Users',
  'Profile',
  'Social',
])

/**
 * What to extract: the standard classes, then every custom module `GET api2/models` lists (module-creator classes
 * have their own table and are served as their model class; api.md §2.1 "Custom modules").
 */
export function classesToExtract(models: readonly X2crmModel[]): string[] {
  const standard = new Set<string>(MIGRATED_CLASSES)
  const custom = models
    .map((model) => model.modelName)
    .filter((name) => !standard.has(name) && !BUILT_IN_OTHER.has(name))
  return [...MIGRATED_CLASSES, ...new Set(custom)]
}
