import { z } from 'zod'
import type { X2crmUser } from './types.ts'

const Integer = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^-?\d+$/)
    .transform(Number),
])
const Text = z
  .union([z.string(), z.number().transform(String)])
  .nullish()
  .transform((value) => (value === undefined || value === null || value === '' ? null : value))

const UserRow = z.object({
  id: Integer,
  username: z.string().min(1),
  emailAddress: Text,
  firstName: Text,
  lastName: Text,
  // Only administrators see other users' status (x2crm/api.md §1.10).
  status: Integer.optional(),
})

/** Parses rows of `GET api2/users`. Returns the problems (with paths) instead when they are not users. */
export function parseUsers(body: unknown): { users: X2crmUser[] } | { issues: string[] } {
  const parsed = z.array(UserRow).safeParse(body)
  if (!parsed.success) return { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) }
  const users: X2crmUser[] = []
  const issues: string[] = []
  parsed.data.forEach((row, index) => {
    if (row.status === undefined)
      issues.push(`${index}.status: missing (the API user must be an administrator)`)
    else users.push({ ...row, status: row.status })
  })
  return issues.length > 0 ? { issues } : { users }
}
