import type { X2crmDropdown, X2crmField, X2crmRecord } from '../types.ts'
import { parseAssignment } from './assignment.ts'
import { parseDropdownValue } from './dropdown.ts'
import { htmlToText, looksLikeHtml } from './html.ts'
import { parseLinkValue } from './link.ts'
import {
  hasDestroyedCharacters,
  parseBoolean,
  parseDecimal,
  parseInteger,
  scalarText,
  unixToDate,
  unixToIso,
  type Parsed,
} from './scalars.ts'
import type { Damage, DropdownValue, LinkValue, NormalizedRecord, NormalizedValue } from './types.ts'

export interface NormalizeContext {
  /** `GET {Class}/fields` of the record's class: the types decide how each value is read. */
  fields: readonly X2crmField[]
  /** `GET dropdowns`, by id. */
  dropdowns: ReadonlyMap<number, X2crmDropdown>
  /** Time zone `date` fields were saved in (the X2CRM users' zone). @default 'UTC' */
  timeZone?: string
}

/** A value that is there but does not read as its field's type has a warning and no value. */
type FieldNormalizer = (raw: unknown, field: X2crmField, context: NormalizeContext) => Parsed<NormalizedValue>

/** Strings as they are (not trimmed), numbers as their decimal text, empty as null. */
const asText = (raw: unknown): Parsed<string> => {
  const text = scalarText(raw)
  return text.value === '' ? { value: null } : text
}

/** One normalizer per X2CRM field type (api.md §2.1); unknown types read as text. */
const byType: Readonly<Record<string, FieldNormalizer>> = {
  varchar: asText,
  email: asText,
  url: asText,
  phone: asText,
  custom: asText,
  credentials: asText,
  text(raw) {
    const parsed = asText(raw)
    if (parsed.value === null) return parsed
    const isHtml = looksLikeHtml(parsed.value)
    return {
      value: {
        kind: 'text',
        value: parsed.value,
        isHtml,
        plain: isHtml ? htmlToText(parsed.value) : parsed.value,
      },
    }
  },
  int: parseInteger,
  INT: parseInteger,
  timerSum: parseInteger,
  rating: parseInteger,
  float: parseDecimal,
  percentage: parseDecimal,
  currency: parseDecimal,
  boolean: parseBoolean,
  date: (raw, _field, context) => unixToDate(raw, context.timeZone),
  dateTime: unixToIso,
  visibility(raw) {
    const parsed = parseInteger(raw)
    if (parsed.value === null) return parsed
    const names = ['private', 'public', 'groups'] as const
    const name = names[parsed.value]
    return name
      ? { value: name }
      : { value: null, warning: `${parsed.value} is not a visibility X2CRM knows` }
  },
  assignment: (raw) => ({ value: parseAssignment(raw) }),
  optionalAssignment: (raw) => ({ value: parseAssignment(raw) }),
  link(raw, field) {
    if (raw !== null && raw !== undefined && typeof raw !== 'string' && typeof raw !== 'number') {
      return { value: null, warning: 'not a link value' }
    }
    return { value: parseLinkValue(raw, field.linkType) }
  },
  dropdown(raw, field, context) {
    const id = Number(field.linkType)
    const dropdown = context.dropdowns.get(id)
    const parsed = parseDropdownValue(raw, dropdown)
    if ('unparseable' in parsed) return { value: null, warning: 'not a dropdown value' }
    if (dropdown?.multi) return { value: parsed.options }
    return { value: parsed.options[0] ?? null }
  },
}

/**
 * Reads a record the way its fields' types say, flagging what is damaged at the source: `????` where 4-byte
 * characters were destroyed, values that do not parse (kept raw), dropdown keys the dropdown lacks, link fields
 * holding a bare name.
 */
export function normalizeRecord(
  entity: string,
  record: X2crmRecord,
  context: NormalizeContext,
): NormalizedRecord {
  const fields = new Map(context.fields.map((field) => [field.fieldName, field]))
  const values: Record<string, NormalizedValue> = {}
  const damage: Damage[] = []
  for (const [name, raw] of Object.entries(record)) {
    if (typeof raw === 'string' && hasDestroyedCharacters(raw)) {
      damage.push({ kind: 'destroyedCharacters', field: name, raw })
    }
    const field = fields.get(name)
    if (!field) {
      values[name] = rawValue(raw)
      continue
    }
    const parsed = (byType[field.type] ?? asText)(raw, field, context)
    if (parsed.value === null && parsed.warning !== undefined) {
      damage.push({ kind: 'unparseable', field: name, raw })
      values[name] = rawValue(raw)
      continue
    }
    values[name] = parsed.value
    damage.push(...valueDamage(name, raw, parsed.value))
  }
  return { entity, id: Number(record.id), values, damage }
}

function valueDamage(field: string, raw: unknown, value: NormalizedValue): Damage[] {
  const items: readonly NormalizedValue[] = Array.isArray(value)
    ? (value as readonly DropdownValue[])
    : [value]
  for (const item of items) {
    if (isKind<DropdownValue>(item, 'option') && item.label === null)
      return [{ kind: 'unknownOption', field, raw }]
    if (isKind<LinkValue>(item, 'link') && item.id === null) return [{ kind: 'linkWithoutId', field, raw }]
  }
  return []
}

function isKind<T extends { kind: string }>(
  value: NormalizedValue,
  kind: T['kind'],
): value is T & NormalizedValue {
  return typeof value === 'object' && value !== null && 'kind' in value && value.kind === kind
}

/** Values the metadata cannot type stay as they came; objects (rare: a user's theme) as JSON text. */
function rawValue(raw: unknown): NormalizedValue {
  if (raw === null || raw === undefined) return null
  if (typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean') return raw
  return JSON.stringify(raw) ?? null
}

/** Dropdowns by id, as {@link NormalizeContext} takes them. */
export function dropdownsById(dropdowns: readonly X2crmDropdown[]): Map<number, X2crmDropdown> {
  return new Map(dropdowns.map((dropdown) => [dropdown.id, dropdown]))
}
