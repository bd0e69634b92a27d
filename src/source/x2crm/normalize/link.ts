import type { LinkValue } from './types.ts'

/**
 * `"Name_ID"` → `{ name, id }`, split at the last `_` as X2CRM's `Fields::nameAndId` does. Without an all-digit id
 * after it the whole value is a plain name: the link was broken or typed as free text. This is how a stored link
 * value reads; {@link parseLinkValue} also takes a bare id.
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

/**
 * A link field's value as a {@link LinkValue} of `entity`: a nameId read by {@link parseNameId}; a bare id (a number,
 * or all digits, as API input gives it) counts as an id. Null for empty and for what is neither text nor a whole
 * number.
 */
export function parseLinkValue(raw: unknown, entity: string | null): LinkValue | null {
  if (raw === null || raw === undefined || raw === '') return null
  if (typeof raw === 'number')
    return Number.isSafeInteger(raw) ? { kind: 'link', entity, id: raw, name: '' } : null
  if (typeof raw !== 'string') return null
  const { name, id } = parseNameId(raw)
  if (id !== undefined) return { kind: 'link', entity, id, name }
  if (/^\d+$/.test(raw)) return { kind: 'link', entity, id: Number(raw), name: '' }
  return { kind: 'link', entity, id: null, name: raw }
}

/** `X2Model::$associationModels`, case-insensitive: Actions' and Media's `associationType` → class name. */
export const ASSOCIATION_MODELS: Readonly<Record<string, string>> = {
  contacts: 'Contacts',
  accounts: 'Accounts',
  opportunities: 'Opportunity',
  quote: 'Quote',
  quotes: 'Quote',
  product: 'Product',
  products: 'Product',
  x2leads: 'X2Leads',
  services: 'Services',
  marketing: 'Campaign',
  campaign: 'Campaign',
  users: 'User',
  anoncontact: 'AnonContact',
  calendar: 'X2Calendar',
  media: 'Media',
  actions: 'Actions',
  bugreports: 'BugReports',
  social: 'Social',
  docs: 'Docs',
}

/**
 * The class an `associationType` names (`contacts`, `Contacts`, `opportunities` → `Opportunity`); `undefined` for
 * none (`''`, `none`), system assets (`theme`, `bg`, …) and unknown types. Custom modules use their class name.
 */
export function associationClass(
  associationType: unknown,
  knownClasses: ReadonlySet<string> = new Set(),
): string | undefined {
  if (typeof associationType !== 'string' || associationType === '') return undefined
  const mapped = ASSOCIATION_MODELS[associationType.toLowerCase()]
  if (mapped) return mapped
  for (const name of knownClasses) if (name.toLowerCase() === associationType.toLowerCase()) return name
  return undefined
}
