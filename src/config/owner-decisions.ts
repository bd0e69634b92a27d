import { parse } from 'yaml'
import { z } from 'zod'
import type { OwnerDecisions } from '../mapping/reconcile-users.ts'

/** users.yaml as a person writes it (see `x2d365 users --help`). */
const WrittenOwnerDecisionsSchema = z.strictObject({
  byHand: z.record(z.string(), z.string().email()).optional(),
  defaultOwner: z.string().email().optional(),
  inactive: z.enum(['match', 'default']).optional(),
  /** An X2CRM username or group → the name of the Dataverse team that takes over (written by `map review`). */
  teams: z.record(z.string(), z.string().min(1)).optional(),
})

export interface ParsedOwnerDecisions {
  value?: OwnerDecisions
  errors: string[]
}

/**
 * users.yaml text → the owner decisions. Never throws: every problem comes back with its path in the file
 * (`byHand.jdoe: Invalid email address`). An empty file decides nothing. Pure.
 */
export function parseOwnerDecisions(text: string): ParsedOwnerDecisions {
  let data: unknown
  try {
    data = parse(text) ?? {}
  } catch (error) {
    return {
      errors: [`the YAML does not parse (${error instanceof Error ? error.message.split('\n')[0] : ''})`],
    }
  }
  const parsed = WrittenOwnerDecisionsSchema.safeParse(data)
  if (!parsed.success) return { errors: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) }
  return { value: parsed.data, errors: [] }
}
