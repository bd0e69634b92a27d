/**
 * X2CRM's scalar values as API v2 and the database hand them over: numbers as numbers or strings (PHP < 8.1 sends
 * every column as a string; api.md §1.4), flags in several spellings, dates as unix seconds. This is the one reading
 * of them: the mapping's transforms and `normalizeRecord` both call it.
 */

/**
 * A value read from X2CRM. `value` null: there is none, or it could not be read and `warning` says why; a `warning`
 * beside a value says what is doubtful about it. Warnings are in words a person can act on, without the field name
 * (the caller prefixes it).
 */
export interface Parsed<T> {
  value: T | null
  warning?: string
}

const EMPTY = { value: null } as const

/** Dataverse DateTime stops at 9999-12-31T23:59:59Z. */
const MAX_UNIX_SECONDS = 253_402_300_799

/**
 * A scalar as text: strings as they are, numbers in their shortest form (X2CRM sends either), flags as `1`/`0`.
 * Objects and arrays are not values a default X2CRM field holds.
 */
export function scalarText(value: unknown): Parsed<string> {
  if (value === null || value === undefined) return EMPTY
  if (typeof value === 'string') return { value }
  if (typeof value === 'number' && Number.isFinite(value)) return { value: String(value) }
  if (typeof value === 'boolean') return { value: value ? '1' : '0' }
  return { value: null, warning: `unexpected value ${describe(value)}; left empty` }
}

/** Trimmed, empty → null. Digits arrive as numbers and become text. HTML is kept as is. */
export function trimmedText(value: unknown): Parsed<string> {
  const text = scalarText(value)
  if (text.value === null) return text
  const clean = text.value.trim()
  return clean === '' ? EMPTY : { value: clean }
}

/** No value, passing on the warning of the step that found none. */
export function noValue<T>(from: Parsed<unknown>): Parsed<T> {
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
 * X2CRM's 3-byte utf8 tables store each character outside the BMP (emoji) as `?` bytes; four in a row is the
 * fingerprint. The original is lost at the source.
 */
export function hasDestroyedCharacters(text: string): boolean {
  return text.includes('????')
}

/** A whole number from `12`, `"12"` or `"12.00"`; `"12.5"` is not one. */
export function parseInteger(value: unknown): Parsed<number> {
  const text = trimmedText(value)
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
export function parseDecimal(value: unknown): Parsed<number> {
  const text = trimmedText(value)
  if (text.value === null) return noValue(text)
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text.value)) {
    const number = Number(text.value)
    if (Number.isFinite(number)) return { value: number }
  }
  return { value: null, warning: `${JSON.stringify(text.value)} is not a number; left empty` }
}

const TRUE = new Set(['1', 'true', 'yes', 'on'])
const FALSE = new Set(['0', 'false', 'no', 'off'])

/** `1`/`0`, `"1"`/`"0"`, `true`/`false`, `"Yes"`/`"No"` (Actions `complete`, old imports), any case. */
export function parseBoolean(value: unknown): Parsed<boolean> {
  if (typeof value === 'boolean') return { value }
  const text = trimmedText(value)
  if (text.value === null) return noValue(text)
  const key = text.value.toLowerCase()
  if (TRUE.has(key)) return { value: true }
  if (FALSE.has(key)) return { value: false }
  return { value: null, warning: `${JSON.stringify(text.value)} is neither yes nor no; left empty` }
}

/** Unix seconds from a number or a digit string; 0 and empty are X2CRM's "no date". */
function unixSeconds(value: unknown): Parsed<number> {
  const text = trimmedText(value)
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
export function unixToIso(value: unknown): Parsed<string> {
  const seconds = unixSeconds(value)
  if (seconds.value === null) return noValue(seconds)
  return { value: new Date(seconds.value * 1000).toISOString().replace('.000Z', 'Z') }
}

/**
 * Unix seconds (X2CRM `date`) → `yyyy-MM-dd`. X2CRM stores a date as midnight in the saving user's time zone, so
 * pass that zone (IANA name) when it is known; in UTC, a date saved east of Greenwich reads as the day before:
 * 1735686000 saved in Europe/Berlin is 2025-01-01, though in UTC it is still 2024-12-31.
 * @default timeZone 'UTC'
 */
export function unixToDate(value: unknown, timeZone = 'UTC'): Parsed<string> {
  const seconds = unixSeconds(value)
  if (seconds.value === null) return noValue(seconds)
  const parts = calendarFormat(timeZone).formatToParts(new Date(seconds.value * 1000))
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
  return { value: `${part('year')}-${part('month')}-${part('day')}` }
}

const formats = new Map<string, Intl.DateTimeFormat>()

/** One formatter per time zone: making one costs more than formatting a date with it. */
function calendarFormat(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    formats.set(timeZone, format)
  }
  return format
}
