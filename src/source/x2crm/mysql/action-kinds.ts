import { ASSOCIATION_MODELS } from '../normalize/link.ts'
import type { X2crmRecord } from '../types.ts'

/** `x2_actions.type` values X2CRM's code creates or filters on (api.md §1.9). `''`/null is a plain task. */
export const KNOWN_ACTION_TYPES: ReadonlySet<string> = new Set([
  '',
  'call',
  'time',
  'note',
  'event',
  'email',
  'emailFrom',
  'email_quote',
  'email_invoice',
  'emailOpened',
  'emailOpened_quote',
  'email_opened_invoice',
  'email_opened',
  'email_clicked',
  'email_unsubscribed',
  'email_staged',
  'campaignEmailOpened',
  'attachment',
  'workflow',
  'webactivity',
  'weblead',
  'quotes',
  'quotesDeleted',
  'products',
])

/** The class an `associationType` names, `null` for "no association" (`''`, `none`), `undefined` when unknown. */
export function associationClassOf(associationType: unknown): string | null | undefined {
  if (associationType === null || associationType === undefined) return null
  const key = textOf(associationType).trim().toLowerCase()
  if (key === '' || key === 'none') return null
  return ASSOCIATION_MODELS[key]
}

/**
 * What is unusual about an action's kind: a type or association type X2CRM's code does not create. The record is
 * passed through unchanged; these only tell the user which ones the map has no rule for.
 */
export function unknownActionKinds(action: X2crmRecord): string[] {
  const found: string[] = []
  const type = action.type === null || action.type === undefined ? '' : textOf(action.type)
  if (!KNOWN_ACTION_TYPES.has(type)) found.push(`type "${type}" is not an action type X2CRM creates`)
  if (associationClassOf(action.associationType) === undefined) {
    found.push(`associationType "${textOf(action.associationType)}" names no X2CRM module`)
  }
  return found
}

/** A column value as text: strings and numbers as they are, anything else as JSON. */
export function textOf(value: unknown): string {
  return typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'bigint'
      ? String(value)
      : JSON.stringify(value)
}
