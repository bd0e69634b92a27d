/** Number-or-string values as API v2 returns them (PHP < 8.1 sends every column as a string; api.md §1.4). */

export type Parsed<T> = { value: T } | { unparseable: true }

const DECIMAL = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/

export function parseNumber(raw: unknown): Parsed<number | null> {
  if (raw === null || raw === undefined || raw === '') return { value: null }
  if (typeof raw === 'number') return Number.isFinite(raw) ? { value: raw } : { unparseable: true }
  if (typeof raw === 'string' && DECIMAL.test(raw)) return { value: Number(raw) }
  return { unparseable: true }
}

export function parseInteger(raw: unknown): Parsed<number | null> {
  const parsed = parseNumber(raw)
  if ('unparseable' in parsed || parsed.value === null) return parsed
  return Number.isSafeInteger(parsed.value) ? parsed : { unparseable: true }
}

/** 0/1, "0"/"1", true/false; booleans stored by old imports as "Yes"/"No" too. */
export function parseBoolean(raw: unknown): Parsed<boolean | null> {
  if (raw === null || raw === undefined || raw === '') return { value: null }
  if (raw === true || raw === 1 || raw === '1' || raw === 'Yes') return { value: true }
  if (raw === false || raw === 0 || raw === '0' || raw === 'No') return { value: false }
  return { unparseable: true }
}

/** `dateTime`: unix seconds, a UTC instant; 0 is how X2CRM stores "empty". */
export function parseDateTime(raw: unknown): Parsed<string | null> {
  const parsed = parseInteger(raw)
  if ('unparseable' in parsed) return parsed
  if (parsed.value === null || parsed.value === 0) return { value: null }
  return { value: new Date(parsed.value * 1000).toISOString().replace('.000Z', 'Z') }
}

/**
 * `date`: unix seconds of the saving user's local midnight (api.md §2.1), read as a calendar date in `timeZone`:
 * 1735686000 saved in Europe/Berlin is 2025-01-01, though in UTC it is still 2024-12-31.
 */
export function parseDate(raw: unknown, timeZone = 'UTC'): Parsed<string | null> {
  const parsed = parseInteger(raw)
  if ('unparseable' in parsed) return parsed
  if (parsed.value === null || parsed.value === 0) return { value: null }
  return { value: calendarDate(parsed.value * 1000, timeZone) }
}

const formatters = new Map<string, Intl.DateTimeFormat>()

function calendarDate(ms: number, timeZone: string): string {
  let format = formatters.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    formatters.set(timeZone, format)
  }
  return format.format(ms)
}

/** Strings as strings, numbers as their decimal text, empty as null. */
export function parseString(raw: unknown): Parsed<string | null> {
  if (raw === null || raw === undefined || raw === '') return { value: null }
  if (typeof raw === 'string') return { value: raw }
  if (typeof raw === 'number' || typeof raw === 'boolean') return { value: String(raw) }
  return { unparseable: true }
}

/** utf8mb3 tables store each 4-byte character as `?` bytes; four in a row is the fingerprint (fixture oddity 8). */
export function hasDestroyedCharacters(text: string): boolean {
  return text.includes('????')
}
