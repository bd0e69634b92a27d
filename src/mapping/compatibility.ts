import type { TransformName } from './types.ts'

/** Transforms for Actions only (activity tables): never suggested for other fields. */
export const ACTION_TRANSFORMS: ReadonlySet<string> = new Set([
  'regarding',
  'activityState',
  'actionSubject',
  'secondsToMinutes',
  // Sales (products, price lists, quotes): bind what the run prepared, never suggested for other fields.
  'priceList',
  'unit',
])

/** Dataverse column types each transform can fill. */
export const WRITES: Readonly<Record<TransformName, readonly string[]>> = {
  text: ['String', 'Memo'],
  email: ['String'],
  phone: ['String'],
  url: ['String'],
  integer: ['Integer', 'BigInt', 'Decimal', 'Double', 'Money'],
  decimal: ['Decimal', 'Money', 'Double'],
  boolean: ['Boolean'],
  unixToIso: ['DateTime'],
  unixToDate: ['DateTime'],
  choice: ['Picklist', 'State', 'Status'],
  multiChoice: ['MultiSelectPicklist'],
  link: ['Lookup', 'Customer'],
  owner: ['Owner'],
  regarding: ['Lookup'],
  activityState: ['State'],
  actionSubject: ['String'],
  secondsToMinutes: ['Integer'],
  priceList: ['Lookup'],
  unit: ['Lookup', 'Boolean'],
}

/** X2CRM field types each transform reads; `text` reads any scalar. */
export const READS: Readonly<Record<Exclude<TransformName, 'text'>, readonly string[]>> = {
  email: ['email', 'varchar'],
  phone: ['phone', 'varchar'],
  url: ['url', 'varchar'],
  integer: ['int', 'rating', 'varchar', 'percentage'],
  decimal: ['currency', 'float', 'percentage', 'int', 'varchar'],
  boolean: ['boolean'],
  unixToIso: ['dateTime', 'date'],
  unixToDate: ['date', 'dateTime'],
  choice: ['dropdown', 'varchar'],
  multiChoice: ['dropdown'],
  link: ['link'],
  owner: ['assignment', 'optionalAssignment'],
  regarding: ['int', 'varchar'],
  activityState: ['boolean', 'varchar', 'dropdown'],
  actionSubject: ['varchar', 'text'],
  secondsToMinutes: ['int'],
  priceList: ['varchar', 'dropdown'],
  unit: ['int', 'varchar', 'link'],
}

/** Whether a transform can read an X2CRM field of this type. */
export function reads(transform: TransformName, sourceType: string): boolean {
  if (transform === 'text') return !['link', 'assignment', 'optionalAssignment'].includes(sourceType)
  return READS[transform].includes(sourceType)
}

/** The Dataverse limits of a created column's length. */
export const MAX_LENGTH: Readonly<Record<string, number>> = { String: 4000, Memo: 1_048_576 }
