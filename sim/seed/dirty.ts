/**
 * The catalogue of dirty data the generator plants, one named kind each, so tests and reports can count them.
 * Every kind is something a live X2CRM 7.1 really holds (see test/fixtures/x2crm/fixture/README.md).
 */
export const dirtyKinds = [
  /** `email` such as "not-an-email@@example" (the API refuses it; imports do not). */
  'invalidEmail',
  /** Contact `lastName` of 60–300 characters (Dataverse max 50), account `name` over 160 (Dataverse max). */
  'overlongString',
  /** `createDate` 0: epoch zero is stored, not NULL. */
  'zeroDate',
  /** A link to a record that does not exist: company "Ghost Corp_999999", or such a parent account. */
  'danglingLink',
  /** Contact `company` as free text without `_ID`, matching no account. */
  'plainTextCompany',
  /** An account whose `name` another account already has. */
  'duplicateAccountName',
  /** 4-byte characters stored as `????` by the utf8mb3 tables: "Zoë ???? Emoji". */
  'destroyedEmoji',
  /** HTML markup in a text field (`backgroundInfo`, `description`). */
  'htmlInText',
  /** Contact without `lastName` (Dataverse requires it). */
  'missingLastName',
  /** visibility 0 and assignedTo "Anyone": left out of every list and count, reachable only by id. */
  'hiddenPrivate',
] as const

export type DirtyKind = (typeof dirtyKinds)[number]

export const contactDirtyKinds: readonly DirtyKind[] = [
  'invalidEmail',
  'overlongString',
  'zeroDate',
  'danglingLink',
  'plainTextCompany',
  'destroyedEmoji',
  'htmlInText',
  'missingLastName',
  'hiddenPrivate',
]

export const accountDirtyKinds: readonly DirtyKind[] = [
  'duplicateAccountName',
  'overlongString',
  'zeroDate',
  'danglingLink',
  'invalidEmail',
  'destroyedEmoji',
  'htmlInText',
  'hiddenPrivate',
]

/** A generated record that carries dirt. */
export interface DirtyRecord {
  entity: 'Accounts' | 'Contacts'
  id: number
  kinds: DirtyKind[]
}

/** How many records carry each kind. */
export function countDirtyKinds(dirty: readonly DirtyRecord[]): Record<DirtyKind, number> {
  const counts = Object.fromEntries(dirtyKinds.map((kind) => [kind, 0])) as Record<DirtyKind, number>
  for (const record of dirty) for (const kind of record.kinds) counts[kind]++
  return counts
}
