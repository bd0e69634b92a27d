import type { X2crmDropdown } from '../types.ts'
import type { DropdownValue } from './types.ts'

export type ParsedOptions = { options: DropdownValue[]; unknown: string[] } | { unparseable: true }

/**
 * A dropdown value: one stored key, or for a multi-select dropdown a JSON array string such as `["A","B"]`
 * (`Fields::parseValue`). Keys map to labels through the dropdown; keys it does not list keep a null label.
 */
export function parseDropdownValue(raw: unknown, dropdown: X2crmDropdown | undefined): ParsedOptions {
  if (raw === null || raw === undefined || raw === '') return { options: [], unknown: [] }
  let keys: string[]
  if (typeof raw === 'string' && raw.trimStart().startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(raw)
      if (!Array.isArray(parsed)) return { unparseable: true }
      keys = parsed.filter((key) => key !== null && key !== '').map(String)
    } catch {
      return { unparseable: true }
    }
  } else if (typeof raw === 'string' || typeof raw === 'number') {
    keys = [String(raw)]
  } else if (Array.isArray(raw)) {
    keys = raw.map(String)
  } else {
    return { unparseable: true }
  }
  const unknown: string[] = []
  const options = keys.map((key) => {
    const label = dropdown?.options[key]
    if (label === undefined) unknown.push(key)
    return { kind: 'option' as const, key, label: label ?? null }
  })
  return { options, unknown }
}
