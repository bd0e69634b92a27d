import { InternalError } from '../errors.ts'
import { sourceKeyOf } from '../domain/source-key.ts'
import type { FieldMap, LinkRef, TransformContext } from './types.ts'

/**
 * One transformed value. `value` null means "leave the column empty"; `warning` says, in words a person can act
 * on, what was dropped or doubted on the way (without the field name: the record transform prefixes it).
 */
export interface Transformed<T> {
  value: T | null
  warning?: string
}

const EMPTY = { value: null } as const

/** X2CRM's 3-byte utf8 tables store each character outside the BMP (emoji) as `????`. */
const DESTROYED = /\?{4}/
export const DESTROYED_WARNING = "contains characters X2CRM's database destroyed (????)"

/** Dataverse DateTime stops at 9999-12-31T23:59:59Z. */
const MAX_UNIX_SECONDS = 253_402_300_799

/**
 * A scalar as text: strings as they are, numbers in their shortest form (X2CRM sends either). Objects and arrays
 * are not values a default X2CRM field holds.
 */
function scalarText(value: unknown): Transformed<string> {
  if (value === null || value === undefined) return EMPTY
  if (typeof value === 'string') return { value }
  if (typeof value === 'number' && Number.isFinite(value)) return { value: String(value) }
  if (typeof value === 'boolean') return { value: value ? '1' : '0' }
  return { value: null, warning: `unexpected value ${describe(value)}; left empty` }
}

/** Trimmed, empty → null. Digits arrive as numbers and become text. HTML is kept as is. */
function trimmed(value: unknown): Transformed<string> {
  const text = scalarText(value)
  if (text.value === null) return text
  const clean = text.value.trim()
  return clean === '' ? EMPTY : { value: clean }
}

/** No value, passing on the warning of the step that found none. */
function noValue<T>(from: Transformed<unknown>): Transformed<T> {
  return from.warning === undefined ? EMPTY : { value: null, warning: from.warning }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/**
 * `"Name_ID"` → `{ name, id }`, split at the last `_` as X2CRM's `Fields::nameAndId` does. Without an all-digit id
 * after it the whole value is a plain name: the link was broken or typed as free text.
 * @example parseNameId('Hooli_13') // { name: 'Hooli', id: 13 }
 * @example parseNameId('A_B_7') // { name: 'A_B', id: 7 }
 * @example parseNameId('Text Company') // { name: 'Text Company' }
 */
export function parseNameId(value: string | number): { name: string; id?: number } {
  const text = String(value)
  const cut = text.lastIndexOf('_')
  const tail = text.slice(cut + 1)
  if (cut < 0 || !/^\d+$/.test(tail) || !Number.isSafeInteger(Number(tail))) return { name: text }
  return { name: text.slice(0, cut), id: Number(tail) }
}

/** Trimmed text; flags the `????` X2CRM left where emoji were (the text is kept, the emoji can't be recovered). */
export function cleanText(value: unknown): Transformed<string> {
  const text = trimmed(value)
  if (text.value !== null && DESTROYED.test(text.value))
    return { value: text.value, warning: DESTROYED_WARNING }
  return text
}

const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/u

/**
 * A plausible address or null. X2CRM validates addresses typed in its UI, but imports and SQL bring in anything;
 * Dataverse would store a broken address and mail to it.
 */
export function cleanEmail(value: unknown): Transformed<string> {
  const text = trimmed(value)
  if (text.value === null || EMAIL.test(text.value)) return text
  return { value: null, warning: `${JSON.stringify(text.value)} is not a valid e-mail address; left empty` }
}

/** Trimmed, otherwise kept as typed: X2CRM stores phone numbers as entered, and so does Dataverse. */
export function cleanPhone(value: unknown): Transformed<string> {
  return trimmed(value)
}

/**
 * Trimmed and kept as typed. No `https://` is added where the scheme is missing (`acme.example.com`): Dynamics'
 * URL control opens such values fine, and an unchanged value keeps verify and delta comparisons exact.
 */
export function cleanUrl(value: unknown): Transformed<string> {
  const text = trimmed(value)
  if (text.value !== null && /\s/.test(text.value)) {
    return {
      value: text.value,
      warning: `${JSON.stringify(text.value)} does not look like a web address; kept as typed`,
    }
  }
  return text
}

/** A whole number from `12`, `"12"` or `"12.00"`; `"12.5"` is not one. */
export function parseInteger(value: unknown): Transformed<number> {
  const text = trimmed(value)
  if (text.value === null) return noValue(text)
  if (/^[+-]?\d+(\.0*)?$/.test(text.value)) {
    const number = Number(text.value)
    if (Number.isSafeInteger(number)) return { value: number }
  }
  return { value: null, warning: `${JSON.stringify(text.value)} is not a whole number; left empty` }
}

/**
 * A number from `19.99` or `"19.99"` (X2CRM sends decimal columns as strings). Values beyond 2^53 lose precision,
 * far above what a DECIMAL(18,2) amount holds in practice.
 */
export function parseDecimal(value: unknown): Transformed<number> {
  const text = trimmed(value)
  if (text.value === null) return noValue(text)
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text.value)) {
    const number = Number(text.value)
    if (Number.isFinite(number)) return { value: number }
  }
  return { value: null, warning: `${JSON.stringify(text.value)} is not a number; left empty` }
}

const TRUE = new Set(['1', 'true', 'yes', 'on'])
const FALSE = new Set(['0', 'false', 'no', 'off'])

/** `1`/`0`, `"1"`/`"0"`, `true`/`false`, `"Yes"`/`"No"` (Actions `complete`), any case. */
export function parseBoolean(value: unknown): Transformed<boolean> {
  if (typeof value === 'boolean') return { value }
  const text = trimmed(value)
  if (text.value === null) return noValue(text)
  const key = text.value.toLowerCase()
  if (TRUE.has(key)) return { value: true }
  if (FALSE.has(key)) return { value: false }
  return { value: null, warning: `${JSON.stringify(text.value)} is neither yes nor no; left empty` }
}

/** Unix seconds from a number or a digit string; 0 and empty are X2CRM's "no date". */
function unixSeconds(value: unknown): Transformed<number> {
  const text = trimmed(value)
  if (text.value === null) return noValue(text)
  if (!/^[+-]?\d+(\.\d+)?$/.test(text.value)) {
    return { value: null, warning: `${JSON.stringify(text.value)} is not a unix timestamp; left empty` }
  }
  const seconds = Math.trunc(Number(text.value))
  if (seconds === 0) return EMPTY
  if (seconds < 0)
    return { value: null, warning: `${text.value} is before 1970, not a date X2CRM writes; left empty` }
  if (seconds > MAX_UNIX_SECONDS) {
    return {
      value: null,
      warning: `${text.value} is after the year 9999 (milliseconds instead of seconds?); left empty`,
    }
  }
  return { value: seconds }
}

/**
 * Unix seconds (X2CRM `dateTime`) → ISO 8601 UTC, `2025-03-15T09:30:00Z`. 0, `"0"` and empty → null.
 */
export function unixToIso(value: unknown): Transformed<string> {
  const seconds = unixSeconds(value)
  if (seconds.value === null)
    return { value: null, ...(seconds.warning !== undefined && { warning: seconds.warning }) }
  return { value: new Date(seconds.value * 1000).toISOString().replace('.000Z', 'Z') }
}

/**
 * Unix seconds (X2CRM `date`) → `yyyy-MM-dd`. X2CRM stores a date as midnight in the saving user's time zone, so
 * pass that zone (IANA name) when it is known; in UTC, a date saved east of Greenwich reads as the day before.
 * @default timeZone 'UTC'
 */
export function unixToDate(value: unknown, timeZone = 'UTC'): Transformed<string> {
  const seconds = unixSeconds(value)
  if (seconds.value === null)
    return { value: null, ...(seconds.warning !== undefined && { warning: seconds.warning }) }
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(new Date(seconds.value * 1000))
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
  return { value: `${part('year')}-${part('month')}-${part('day')}` }
}

/**
 * An X2CRM assignment → the `@odata.bind` path of the Dataverse owner, e.g. `/systemusers(<id>)`. `Anyone` and
 * empty → null (the row gets the caller as owner). Dataverse has one owner: of `"a, b"` the first user wins; numeric
 * entries are X2CRM group ids, which own nothing in Dataverse.
 */
export function resolveOwner(value: unknown, ownerFor: TransformContext['ownerFor']): Transformed<string> {
  const text = trimmed(value)
  if (text.value === null) return text
  const entries = text.value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '' && entry !== 'Anyone')
  const groups = entries.filter((entry) => /^\d+$/.test(entry))
  const [username, ...others] = entries.filter((entry) => !/^\d+$/.test(entry))
  const warnings: string[] = []
  if (groups.length > 0) {
    warnings.push(
      `assigned to X2CRM group${groups.length > 1 ? 's' : ''} ${groups.join(', ')}, which cannot own a Dataverse row; dropped`,
    )
  }
  if (username !== undefined && others.length > 0) {
    warnings.push(
      `assigned to ${entries.join(', ')}; Dataverse keeps one owner, ${username}; ${others.join(', ')} dropped`,
    )
  }
  let bind: string | null = null
  if (username !== undefined) {
    const systemUserId = ownerFor(username)
    if (systemUserId === undefined) {
      warnings.push(`X2CRM user "${username}" has no Dataverse user; the row gets the default owner`)
    } else {
      bind = `/systemusers(${systemUserId})`
    }
  }
  return { value: bind, ...(warnings.length > 0 && { warning: warnings.join('; ') }) }
}

/**
 * A link field's nameId → the lookup to set once its parent is in Dataverse. Plain text (no `_ID`) links nothing;
 * a dangling id still gives a LinkRef, and the run leaves it unbound when the parent never loaded.
 */
export function resolveLink(value: unknown, field: FieldMap, ctx: TransformContext): Transformed<LinkRef> {
  const { linkTo } = field
  if (linkTo === undefined)
    throw new InternalError(`Field ${field.source} is a link without linkTo in the mapping`)
  const text = trimmed(value)
  if (text.value === null) return noValue(text)
  const { id } = parseNameId(text.value)
  if (id === undefined) {
    return {
      value: null,
      warning: `${JSON.stringify(text.value)} is plain text, not a link to an X2CRM ${linkTo.entity} record; not linked`,
    }
  }
  return {
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
): Transformed<number> {
  const text = trimmed(value)
  if (text.value === null) return noValue(text)
  const found = lookupChoice(text.value, choices)
  if (found !== undefined) return { value: found }
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
): Transformed<string> {
  const text = trimmed(value)
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
  for (const item of items.map((i) => i.trim()).filter((i) => i !== '')) {
    const found = lookupChoice(item, choices)
    if (found === undefined) unknown.push(item)
    else if (!values.includes(found)) values.push(found)
  }
  const result = values.length > 0 ? values.join(',') : null
  if (unknown.length === 0) return { value: result }
  return {
    value: result,
    warning: `${unknown.map((u) => JSON.stringify(u)).join(', ')} not options the map knows; dropped`,
  }
}

function lookupChoice(text: string, choices: Readonly<Record<string, number>>): number | undefined {
  if (Object.hasOwn(choices, text)) return choices[text]
  const key = text.trim().toLowerCase()
  for (const [option, value] of Object.entries(choices)) {
    if (option.trim().toLowerCase() === key) return value
  }
  return undefined
}
