/**
 * A record normalized by X2CRM field type (api.md §2.1): values typed, links parsed, dropdown keys resolved to
 * labels, damage flagged. What the mapping reads instead of raw API values.
 */
export interface NormalizedRecord {
  entity: string
  id: number
  /** By field name. Fields the metadata does not know, and values that do not parse, keep their raw value. */
  values: Readonly<Record<string, NormalizedValue>>
  damage: readonly Damage[]
}

export type NormalizedValue =
  | string
  | number
  | boolean
  | null
  | LinkValue
  | AssignmentValue
  | DropdownValue
  | readonly DropdownValue[]
  | TextValue

/** `type: link`: `"Acme Inc_7"` → `{ entity: 'Accounts', id: 7, name: 'Acme Inc' }`; id null for a bare name. */
export interface LinkValue {
  kind: 'link'
  entity: string | null
  id: number | null
  name: string
}

/** `type: assignment`: usernames and numeric group ids; `Anyone` or empty is nobody (both arrays empty). */
export interface AssignmentValue {
  kind: 'assignment'
  usernames: readonly string[]
  groupIds: readonly number[]
}

/** `type: dropdown`: the stored key and its label (null when the dropdown does not list the key). */
export interface DropdownValue {
  kind: 'option'
  key: string
  label: string | null
}

/** `type: text`: may hold HTML (purified by X2CRM); `plain` is the text without markup. */
export interface TextValue {
  kind: 'text'
  value: string
  isHtml: boolean
  plain: string
}

export type DamageKind =
  /** 4-byte characters (emoji) the utf8mb3 tables stored as `????`: the original is lost at the source. */
  | 'destroyedCharacters'
  /** A number, date or flag that does not parse. The raw value is kept. */
  | 'unparseable'
  /** A dropdown key the dropdown does not list. */
  | 'unknownOption'
  /** A link field holding a bare name, no `_ID`: the target was deleted, or the text never matched a record. */
  | 'linkWithoutId'

export interface Damage {
  kind: DamageKind
  field: string
  /** The value as the API returned it. */
  raw: unknown
}
