import { InternalError } from '../errors.ts'
import { sourceKeyOf } from '../domain/source-key.ts'
import { assigneesOf, isGroupId } from '../source/x2crm/normalize/assignment.ts'
import { parseNameId } from '../source/x2crm/normalize/link.ts'
import {
  hasDestroyedCharacters,
  noValue,
  scalarText,
  trimmedText,
  type Parsed,
} from '../source/x2crm/normalize/scalars.ts'
import type { FieldMap, LinkRef, TransformContext } from './types.ts'

/**
 * One transformed value. `value` null means "leave the column empty"; `warning` says, in words a person can act
 * on, what was dropped or doubted on the way (without the field name: the record transform prefixes it). X2CRM's
 * own values (numbers, flags, dates, link ids) are read by src/source/x2crm/normalize/, the one place that knows
 * them: `integer`, `decimal`, `boolean`, `unixToIso` and `unixToDate` are its parsers as they are.
 */
export type Transformed<T> = Parsed<T>

export const DESTROYED_WARNING = "contains characters X2CRM's database destroyed (????)"

/**
 * Text exactly as X2CRM holds it (a note of 61,440 characters ending in a newline arrives as 61,440 characters), or
 * trimmed at both ends when the map says `trim: true`. Empty or only white space → null either way. Flags the `????`
 * X2CRM left where emoji were (the text is kept, the emoji can't be recovered).
 */
export function cleanText(value: unknown, options: { trim?: boolean } = {}): Transformed<string> {
  const text = options.trim === true ? trimmedText(value) : exactText(value)
  if (text.value !== null && hasDestroyedCharacters(text.value))
    return { value: text.value, warning: DESTROYED_WARNING }
  return text
}

function exactText(value: unknown): Transformed<string> {
  const text = scalarText(value)
  if (text.value === null || text.value.trim() !== '') return text
  return { value: null }
}

const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/u

/**
 * A plausible address or null. X2CRM validates addresses typed in its UI, but imports and SQL bring in anything;
 * Dataverse would store a broken address and mail to it.
 */
export function cleanEmail(value: unknown): Transformed<string> {
  const text = trimmedText(value)
  if (text.value === null || EMAIL.test(text.value)) return text
  return { value: null, warning: `${JSON.stringify(text.value)} is not a valid e-mail address; left empty` }
}

/** Trimmed, otherwise kept as typed: X2CRM stores phone numbers as entered, and so does Dataverse. */
export function cleanPhone(value: unknown): Transformed<string> {
  return trimmedText(value)
}

/**
 * Trimmed and kept as typed. No `https://` is added where the scheme is missing (`acme.example.com`): Dynamics'
 * URL control opens such values fine, and an unchanged value keeps verify and delta comparisons exact.
 */
export function cleanUrl(value: unknown): Transformed<string> {
  const text = trimmedText(value)
  if (text.value !== null && /\s/.test(text.value)) {
    return {
      value: text.value,
      warning: `${JSON.stringify(text.value)} does not look like a web address; kept as typed`,
    }
  }
  return text
}

/**
 * An X2CRM assignment → the `@odata.bind` path of the Dataverse owner, e.g. `/systemusers(<id>)`. `Anyone` → the
 * default owner when there is one; empty, or `Anyone` without a default owner → null (the row gets the caller). Dataverse has one owner: of `"a, b"` the first user wins; numeric
 * entries are X2CRM group ids: a record assigned to groups alone goes where users.yaml decides for its group
 * (`bindFor`, a user or a team); else a group whose team `teamFor` knows owns the row when it comes first (or no user
 * does), as `/teams(<id>)`; other groups own nothing in Dataverse: a record assigned to them alone goes to
 * `groupsOwnerId` (the default owner covering groups) or else the caller, with a warning. `bindFor` (username or
 * group id → bind path) wins over `ownerFor` when it knows the owner.
 */
export function resolveOwner(
  value: unknown,
  ownerFor: TransformContext['ownerFor'],
  defaultOwnerId?: string,
  bindFor?: TransformContext['ownerBindFor'],
  teamFor?: TransformContext['teamFor'],
  groupsOwnerId?: string,
): Transformed<string> {
  const text = trimmedText(value)
  if (text.value === null) return text
  // X2CRM's "Anyone" (private records assigned to nobody among them) goes to the default owner, when there is one,
  // rather than to the application user that loads the row.
  if (text.value === 'Anyone' && defaultOwnerId !== undefined) {
    return {
      value: `/systemusers(${defaultOwnerId})`,
      warning: 'assigned to Anyone in X2CRM; the default owner takes it',
    }
  }
  const entries = assigneesOf(text.value)
  const groups = entries.filter(isGroupId)
  const [username, ...others] = entries.filter((entry) => !isGroupId(entry))
  const warnings: string[] = []
  const groupBind =
    username === undefined ? groups.map((g) => bindFor?.(g)).find((b) => b !== undefined) : undefined
  if (groupBind !== undefined) {
    // A record assigned to groups alone goes where users.yaml's decision for its (first decided) group says.
    return {
      value: groupBind,
      warning: `assigned to X2CRM group${groups.length > 1 ? 's' : ''} ${groups.join(', ')}; owned as users.yaml decides for the group`,
    }
  }
  const team = teamOwner(entries, ownerFor, teamFor)
  if (team !== undefined) return team
  const toGroupsOwner = username === undefined && groups.length > 0 && groupsOwnerId !== undefined
  if (groups.length > 0) {
    warnings.push(
      `assigned to X2CRM group${groups.length > 1 ? 's' : ''} ${groups.join(', ')}, which cannot own a Dataverse row; ${toGroupsOwner ? 'the default owner takes it' : 'dropped'}`,
    )
  }
  if (username !== undefined && others.length > 0) {
    warnings.push(
      `assigned to ${entries.join(', ')}; Dataverse keeps one owner, ${username}; ${others.join(', ')} dropped`,
    )
  }
  let bind: string | null = toGroupsOwner ? `/systemusers(${groupsOwnerId})` : null
  if (username !== undefined) {
    const systemUserId = ownerFor(username)
    const decided = bindFor?.(username)
    if (decided !== undefined) {
      bind = decided
    } else if (systemUserId === undefined) {
      warnings.push(`X2CRM user "${username}" has no Dataverse user; the row gets the default owner`)
    } else {
      bind = `/systemusers(${systemUserId})`
    }
  }
  return { value: bind, ...(warnings.length > 0 && { warning: warnings.join('; ') }) }
}

/**
 * The team owning a row assigned to an X2CRM group: the first entry when it is a group with a team, or the first group
 * with a team when no user entry has a Dataverse user. Undefined: the users decide, as before.
 */
function teamOwner(
  entries: readonly string[],
  ownerFor: TransformContext['ownerFor'],
  teamFor: TransformContext['teamFor'],
): Transformed<string> | undefined {
  if (teamFor === undefined) return undefined
  const [first] = entries
  const userOwns = entries.some((e) => !isGroupId(e) && ownerFor(e) !== undefined)
  const group =
    first !== undefined && isGroupId(first) && teamFor(first) !== undefined
      ? first
      : userOwns
        ? undefined
        : entries.find((e) => isGroupId(e) && teamFor(e) !== undefined)
  if (group === undefined) return undefined
  const others = entries.filter((e) => e !== group)
  return {
    value: `/teams(${teamFor(group) ?? ''})`,
    ...(others.length > 0 && {
      warning: `assigned to ${entries.join(', ')}; Dataverse keeps one owner, the team of X2CRM group ${group}; ${others.join(', ')} dropped`,
    }),
  }
}

/**
 * A link field's nameId → the lookup to set once its parent is in Dataverse. Plain text (no `_ID`) is linked by the
 * `linkByName` repair when exactly one record of the class has exactly that name (`ctx.idsNamed`), else links nothing;
 * a dangling id still gives a LinkRef, and the run leaves it unbound when the parent never loaded.
 */
export function resolveLink(
  value: unknown,
  field: FieldMap,
  ctx: TransformContext,
  linkByName = true,
): Transformed<LinkRef> {
  const { linkTo } = field
  if (linkTo === undefined)
    throw new InternalError(`Field ${field.source} is a link without linkTo in the mapping`)
  const text = trimmedText(value)
  if (text.value === null) return noValue(text)
  const parsed = parseNameId(text.value)
  let id = parsed.id
  let repaired: string | undefined
  if (id === undefined) {
    const plain = `${JSON.stringify(text.value)} is plain text, not a link to an X2CRM ${linkTo.entity} record`
    const named = linkByName ? ctx.idsNamed?.(linkTo.entity, text.value) : undefined
    if (named === undefined) return { value: null, warning: `${plain}; not linked` }
    const [only] = named
    if (named.length !== 1 || only === undefined) {
      const candidates =
        named.length === 0
          ? `no ${linkTo.entity} record has that name`
          : `${named.length} ${linkTo.entity} records have that name (${named.slice(0, 5).join(', ')}${named.length > 5 ? ', …' : ''})`
      return { value: null, warning: `repair linkByName: ${plain}; ${candidates}; not linked` }
    }
    id = only
    repaired = `repair linkByName: ${plain}; linked to ${linkTo.entity} ${only}, the one record of that name`
  }
  return {
    ...(repaired !== undefined && { warning: repaired }),
    value: {
      field: field.source,
      nav: field.target,
      entitySet: linkTo.table.entitySet,
      parentKey: sourceKeyOf(linkTo.entity, id),
      parentTargetId: ctx.targetIdFor(linkTo.entity, id),
      pass: field.pass ?? 1,
    },
  }
}

/**
 * A dropdown's stored value → its Dataverse choice value. Matching is exact first, then trimmed and
 * case-insensitive (X2CRM imports store values as typed). A value the map does not list is left empty with a warning.
 */
export function resolveChoice(
  value: unknown,
  choices: Readonly<Record<string, number>>,
  caseInsensitiveChoice = true,
): Transformed<number> {
  const text = trimmedText(value)
  if (text.value === null) return noValue(text)
  const found = lookupChoice(text.value, choices)
  if (found?.exact === true) return { value: found.value }
  if (found !== undefined) {
    const read = `${JSON.stringify(text.value)} read as option ${JSON.stringify(found.option)}`
    return caseInsensitiveChoice
      ? { value: found.value, warning: `repair caseInsensitiveChoice: ${read} (differs in letter case)` }
      : {
          value: null,
          warning: `${JSON.stringify(text.value)} equals option ${JSON.stringify(found.option)} only ignoring case, and caseInsensitiveChoice is off; left empty`,
        }
  }
  return {
    value: null,
    warning: `${JSON.stringify(text.value)} is not an option the map knows; left empty (add it under choices)`,
  }
}

/**
 * A multi-select dropdown (X2CRM stores a JSON array, imports a comma list) → Dataverse's `"1,2"`. Unknown
 * options are dropped with a warning; the known ones are kept.
 */
export function resolveMultiChoice(
  value: unknown,
  choices: Readonly<Record<string, number>>,
  caseInsensitiveChoice = true,
): Transformed<string> {
  const text = trimmedText(value)
  if (text.value === null) return noValue(text)
  let items: string[]
  try {
    const parsed: unknown = JSON.parse(text.value)
    items = Array.isArray(parsed) ? parsed.map((item) => String(item)) : [String(parsed)]
  } catch {
    items = text.value.split(',')
  }
  const values: number[] = []
  const unknown: string[] = []
  const repaired: string[] = []
  for (const item of items.map((i) => i.trim()).filter((i) => i !== '')) {
    const found = lookupChoice(item, choices)
    if (found === undefined || (!found.exact && !caseInsensitiveChoice)) {
      unknown.push(item)
      continue
    }
    if (!found.exact) repaired.push(`${JSON.stringify(item)} read as option ${JSON.stringify(found.option)}`)
    if (!values.includes(found.value)) values.push(found.value)
  }
  const result = values.length > 0 ? values.join(',') : null
  const warnings = [
    ...(repaired.length > 0
      ? [`repair caseInsensitiveChoice: ${repaired.join(', ')} (differs in letter case)`]
      : []),
    ...(unknown.length > 0
      ? [`${unknown.map((u) => JSON.stringify(u)).join(', ')} not options the map knows; dropped`]
      : []),
  ]
  return { value: result, ...(warnings.length > 0 && { warning: warnings.join('; ') }) }
}

/** The option `text` (trimmed) names: exactly, or (`exact` false) ignoring case. */
function lookupChoice(
  text: string,
  choices: Readonly<Record<string, number>>,
): { value: number; option: string; exact: boolean } | undefined {
  const exact = Object.entries(choices).find(([option]) => option === text || option.trim() === text)
  if (exact !== undefined) return { value: exact[1], option: exact[0], exact: true }
  const key = text.toLowerCase()
  for (const [option, value] of Object.entries(choices)) {
    if (option.trim().toLowerCase() === key) return { value, option, exact: false }
  }
  return undefined
}
