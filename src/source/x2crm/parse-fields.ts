import { z } from 'zod'
import type { X2crmField } from './types.ts'

/** X2CRM flags arrive as 0/1, "0"/"1" or (in POST echoes) booleans, depending on PHP version and write path. */
const Flag = z
  .union([z.literal(0), z.literal(1), z.literal('0'), z.literal('1'), z.boolean(), z.null()])
  .transform((value) => value === 1 || value === '1' || value === true)

const FieldRow = z.object({
  fieldName: z.string().min(1),
  attributeLabel: z.string().nullish(),
  type: z.string(),
  linkType: z.union([z.string(), z.number()]).nullish(),
  custom: Flag.optional(),
  required: Flag.optional(),
  readOnly: Flag.optional(),
})

/** Parses `GET api2/{Class}/fields`. Returns the problems (with paths) instead when the body is not a field list. */
export function parseFields(body: unknown): { fields: X2crmField[] } | { issues: string[] } {
  const parsed = z.array(FieldRow).safeParse(body)
  if (!parsed.success) return { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) }
  return {
    fields: parsed.data.map((row) => ({
      fieldName: row.fieldName,
      attributeLabel: row.attributeLabel ?? row.fieldName,
      type: row.type,
      linkType:
        row.linkType === undefined || row.linkType === null || row.linkType === ''
          ? null
          : String(row.linkType),
      custom: row.custom ?? false,
      required: row.required ?? false,
      readOnly: row.readOnly ?? false,
    })),
  }
}
