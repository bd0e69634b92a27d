import { parse } from 'yaml'
import { z } from 'zod'
import type { OwnerCover, OwnerDecisions } from '../mapping/reconcile-users.ts'

/** What a default owner can cover (the mapping's OWNER_COVERS; config takes only types from mapping). */
const OWNER_COVERS = [
  'anyone',
  'inactive',
  'unmatched',
  'deleted',
  'groups',
] as const satisfies readonly OwnerCover[]

const Email = z.string().email()
/** Who takes an owner's records: an e-mail (a Dataverse user), `{ user: <e-mail> }`, `{ team: <name> }` or `default`. */
const WrittenChoice = z.union([
  z.literal('default'),
  Email,
  z.strictObject({ user: Email }),
  z.strictObject({ team: z.string().trim().min(1) }),
])
const CHOICE_HELP = 'write an e-mail, default, { user: <e-mail> } or { team: <Dataverse team name> }'

/**
 * users.yaml as a person writes it (see `x2d365 users --help`). `defaultOwner` as an e-mail is the older form: it
 * covers every owner without a decision of its own; `{ email, covers }` takes only what `covers` lists.
 */
const WrittenOwnerDecisionsSchema = z.strictObject({
  byHand: z.record(z.string(), WrittenChoice).optional(),
  groups: z.record(z.string().regex(/^\d+$/, 'an X2CRM group id'), WrittenChoice).optional(),
  defaultOwner: z
    .union([Email, z.strictObject({ email: Email, covers: z.array(z.enum(OWNER_COVERS)) })])
    .optional(),
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
  if (!parsed.success) {
    return {
      errors: parsed.error.issues.map((i) => {
        const path = i.path.join('.')
        if (i.code !== 'invalid_union') return `${path}: ${i.message}`
        return path === 'defaultOwner'
          ? `${path}: write an e-mail, or { email: <e-mail>, covers: [${OWNER_COVERS.join(', ')}] } listing what it takes`
          : `${path}: ${CHOICE_HELP}`
      }),
    }
  }
  const { defaultOwner, ...rest } = parsed.data
  const value: OwnerDecisions = {
    ...rest,
    ...(typeof defaultOwner === 'string' && { defaultOwner }),
    ...(typeof defaultOwner === 'object' && {
      defaultOwner: defaultOwner.email,
      covers: defaultOwner.covers,
    }),
  }
  return { value, errors: [] }
}
