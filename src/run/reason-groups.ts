import type { SourceKey } from '../domain/source-key.ts'

/** A record a reason was found on, with the value that caused it (shortened; hidden when it looks like a secret). */
export interface ReasonExample {
  sourceKey: SourceKey
  value?: string
}

/** Records of one phase that share a reason: same X2CRM field, same rule broken. */
export interface ReasonTallyGroup {
  phase: string
  /** The X2CRM field(s) the reason is about (`lastName`, `firstName, lastName`); empty when it names none. */
  field: string
  /** What is wrong, without what differs from record to record (`contact.lastname holds at most 50 characters`). */
  rule: string
  count: number
  examples: ReasonExample[]
}

/** Counts reasons by (phase, field, rule), keeping the first few examples of each. */
export interface ReasonTally {
  add: (phase: string, field: string, rule: string, example: ReasonExample) => void
  /** Largest group first; ties in the order they were first seen. */
  groups: () => ReasonTallyGroup[]
}

/** Examples kept per reason. */
export const EXAMPLES_PER_REASON = 3

/** Memory grows with the number of distinct reasons, never with the number of records. */
export function createReasonTally(examples = EXAMPLES_PER_REASON): ReasonTally {
  const groups = new Map<string, ReasonTallyGroup>()
  return {
    add(phase, field, rule, example) {
      const key = `${phase}\n${field}\n${rule}`
      let group = groups.get(key)
      if (group === undefined) {
        group = { phase, field, rule, count: 0, examples: [] }
        groups.set(key, group)
      }
      group.count++
      if (group.examples.length < examples) group.examples.push(example)
    },
    groups: () => [...groups.values()].sort((a, b) => b.count - a.count),
  }
}

/** Replaces what differs from record to record (GUIDs, X2CRM keys, quoted values, numbers) in a reason. Pure. */
export function reasonShape(reason: string): string {
  return reason
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
    .replace(/\b([A-Z][A-Za-z0-9]+):\d+\b/g, '$1:<id>')
    .replace(/"[^"]*"/g, '"…"')
}

const FIELD_PREFIX = /^([A-Za-z_][\w.]*(?:, [A-Za-z_][\w.]*)*): (.*)$/s

/**
 * A reason as the transform writes it (`email: "x@@y" is not a valid e-mail address; left empty`) → the X2CRM field
 * it names and the rule, with what is particular to one record replaced: quoted values, GUIDs and X2CRM keys
 * (`reasonShape`), and the record's own `value` where the message repeats it unquoted, each part of a comma list on
 * its own (`assigned to jdoe, asmith` → `assigned to …, …`). Pure.
 * @example
 * normalizeReason('assignedTo: assigned to X2CRM group 5, which cannot own a Dataverse row; dropped', '5')
 * // { field: 'assignedTo', rule: 'assigned to X2CRM group …, which cannot own a Dataverse row; dropped' }
 */
export function normalizeReason(reason: string, value?: unknown): { field: string; rule: string } {
  const match = FIELD_PREFIX.exec(reason.trim())
  const field = match?.[1] ?? ''
  const rest = match?.[2] ?? reason.trim()
  return { field, rule: withoutValue(reasonShape(rest), value) }
}

/**
 * Whole-word occurrences of the value's comma-separated parts → `…`. Parts shorter than 3 characters are left alone
 * (a value "a" must not eat the word "a") unless they are numbers (`group 5`).
 */
function withoutValue(text: string, value: unknown): string {
  if (typeof value !== 'string' && typeof value !== 'number') return text
  const parts = String(value)
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length >= 3 || /^-?\d+$/.test(part))
    .sort((a, b) => b.length - a.length)
  return parts.reduce(
    (shaped, part) =>
      shaped.replace(
        new RegExp(`(?<![\\w-])${part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w])`, 'g'),
        '…',
      ),
    text,
  )
}

const SECRET_FIELD = /pass(word)?|secret|token|api_?key|userkey|credential/i

/**
 * How an offending value is shown next to its record: JSON for non-strings, cut to `max` characters with the full
 * length said, `[hidden]` for fields whose name says they hold a secret. Undefined when there is no value. Pure.
 */
export function exampleValue(field: string, value: unknown, max = 60): string | undefined {
  if (value === undefined) return undefined
  if (SECRET_FIELD.test(field)) return '[hidden]'
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? typeof value)
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text
}

/** The record's values of the field(s) a reason names (`firstName, lastName` → both), for an example. */
export function valueOfFields(record: Readonly<Record<string, unknown>>, field: string): unknown {
  const names = field === '' ? [] : field.split(', ')
  if (names.length === 1 && names[0] !== undefined) return record[names[0]]
  if (names.length === 0) return undefined
  return Object.fromEntries(names.map((name) => [name, record[name] ?? null]))
}
