import type { LinkValue } from './types.ts'

/**
 * `Fields::nameAndId`: split a link value at the last `_`; digits after it are the id, otherwise the whole value
 * is a bare name (a deleted target, or text that never matched). Bare ids (API input) count as ids.
 */
export function parseNameId(raw: unknown, entity: string | null): LinkValue | null {
  if (raw === null || raw === undefined || raw === '') return null
  if (typeof raw === 'number')
    return Number.isSafeInteger(raw) ? { kind: 'link', entity, id: raw, name: '' } : null
  if (typeof raw !== 'string') return null
  const at = raw.lastIndexOf('_')
  const tail = at < 0 ? '' : raw.slice(at + 1)
  if (/^\d+$/.test(tail) && Number.isSafeInteger(Number(tail))) {
    return { kind: 'link', entity, id: Number(tail), name: raw.slice(0, at) }
  }
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
