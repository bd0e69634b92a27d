import { z } from 'zod'
import defaultsJson from './defaults.json' with { type: 'json' }

/**
 * Fresh-install X2CRM 7.1 defaults (field rows, dropdowns, a user profile template), vendored from
 * docs/x2crm/fields.json and dropdowns.json. They fill whatever a dataset does not supply.
 */

const compactFieldSchema = z.object({
  fieldName: z.string(),
  attributeLabel: z.string(),
  type: z.string(),
  linkType: z.string().optional(),
  required: z.literal(1).optional(),
  readOnly: z.literal(1).optional(),
  custom: z.literal(1).optional(),
  isVirtual: z.literal(1).optional(),
  uniqueConstraint: z.literal(1).optional(),
  searchable: z.literal(1).optional(),
  keyType: z.string().optional(),
})

const modelSchema = z.object({
  module: z.string(),
  /** Present for the module models that `GET api2/models` lists. */
  title: z.string().optional(),
  /** Table columns without an x2_fields row: attributes for filters and `_order`, never returned. */
  extraColumns: z.array(z.string()).optional(),
  fields: z.array(compactFieldSchema),
})

const defaultsSchema = z.object({
  models: z.record(z.string(), modelSchema),
  dropdowns: z.array(z.record(z.string(), z.unknown())),
  userTemplate: z.record(z.string(), z.unknown()),
})

export type DefaultModel = z.infer<typeof modelSchema>

const defaults = defaultsSchema.parse(defaultsJson)

export const defaultModels: Readonly<Record<string, DefaultModel>> = defaults.models

/** The API key of the `admin` user that `loadDump()` creates for the simple `{ Class: [records] }` shape. */
export const DEFAULT_ADMIN_KEY = 'admin-test-key-0000000000000000'

/** `GET api2/{Class}/fields` rows of a fresh install for `className`, or `[]` when it has none. */
export function defaultFieldRows(className: string, firstId = 1): Record<string, unknown>[] {
  const model = defaults.models[className]
  if (!model) return []
  return model.fields.map((field, index) => ({
    id: firstId + index,
    modelName: className,
    fieldName: field.fieldName,
    attributeLabel: field.attributeLabel,
    modified: 0,
    custom: field.custom ?? 0,
    type: field.type,
    required: field.required ?? 0,
    uniqueConstraint: field.uniqueConstraint ?? 0,
    safe: 1,
    readOnly: field.readOnly ?? 0,
    linkType: field.linkType ?? null,
    searchable: field.searchable ?? 0,
    relevance: '',
    isVirtual: field.isVirtual ?? 0,
    defaultValue: null,
    keyType: field.keyType ?? null,
    data: null,
    description: null,
  }))
}

export function defaultDropdowns(): Record<string, unknown>[] {
  return defaults.dropdowns.map((dropdown) => structuredClone(dropdown))
}

/** A full `/users` row (admin view: user plus profile, theme object included) with `values` applied. */
export function userRow(values: Record<string, unknown>): Record<string, unknown> {
  return { ...structuredClone(defaults.userTemplate), ...values }
}

/** Class names that `GET api2/models` lists, with their titles. */
export function moduleModelTitles(): Map<string, string> {
  const titles = new Map<string, string>()
  for (const [name, model] of Object.entries(defaults.models)) if (model.title) titles.set(name, model.title)
  return titles
}
