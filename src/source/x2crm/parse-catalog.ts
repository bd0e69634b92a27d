import { z } from 'zod'
import type { X2crmDropdown, X2crmModel, X2crmRelationship } from './types.ts'

/** Ids, flags and counts arrive as numbers or numeric strings, depending on the PHP version (api.md §1.4). */
const Integer = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^-?\d+$/)
    .transform(Number),
])
const Label = z
  .union([z.string(), z.number().transform(String)])
  .nullish()
  .transform((value) => (value === undefined || value === '' ? null : value))

/** PHP encodes an empty options map as `[]`, and a list-like one as an array. */
const Options = z
  .union([
    z.record(z.string(), z.union([z.string(), z.number()])),
    z.array(z.union([z.string(), z.number()])),
  ])
  .nullish()
  .transform((value): Record<string, string> => {
    if (value === null || value === undefined) return {}
    const entries = Array.isArray(value)
      ? value.map((label, index) => [String(index), label] as const)
      : Object.entries(value)
    return Object.fromEntries(entries.map(([key, label]) => [key, String(label)]))
  })

const DropdownRow = z.object({
  id: Integer,
  name: z.string(),
  options: Options,
  multi: z.union([z.boolean(), Integer]).nullish(),
})

const ModelRow = z.object({
  modelName: z.string().min(1),
  title: z.string().nullish(),
  attributes: z.array(z.string()).nullish(),
})

const RelationshipRow = z.object({
  id: Integer,
  firstType: z.string(),
  firstId: Integer,
  firstLabel: Label,
  secondType: z.string(),
  secondId: Integer,
  secondLabel: Label,
})

type Parsed<T> = { rows: T[] } | { issues: string[] }

function parseRows<S extends z.ZodType, T>(schema: S, body: unknown, to: (row: z.infer<S>) => T): Parsed<T> {
  const parsed = z.array(schema).safeParse(body)
  if (!parsed.success) return { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) }
  return { rows: parsed.data.map(to) }
}

export function parseDropdowns(body: unknown): Parsed<X2crmDropdown> {
  return parseRows(DropdownRow, body, (row) => ({
    id: row.id,
    name: row.name,
    options: row.options,
    multi: row.multi === true || row.multi === 1,
  }))
}

export function parseModels(body: unknown): Parsed<X2crmModel> {
  return parseRows(ModelRow, body, (row) => ({
    modelName: row.modelName,
    title: row.title ?? row.modelName,
    attributes: row.attributes ?? [],
  }))
}

export function parseRelationships(body: unknown): Parsed<X2crmRelationship> {
  return parseRows(RelationshipRow, body, (row) => row)
}

/** `GET {Class}/{id}/tags` answers a JSON array of tag strings. */
export function parseTags(body: unknown): Parsed<string> {
  return parseRows(z.union([z.string(), z.number().transform(String)]), body, (tag) => tag)
}
