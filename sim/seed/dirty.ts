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
  /** Account `employees` below 0 (X2CRM has no minimum; Dataverse's numberofemployees has MinValue 0). */
  'negativeCount',
  /** Account `annualRevenue` with more decimals than Dataverse's revenue keeps (precision 2): "1250.555". */
  'excessDecimals',
  /** Account `name` of only invisible characters (zero-width space, word joiner): shows as nothing. */
  'invisibleName',
  /** Contact `backgroundInfo` whose text ends with a newline (and starts with spaces): it must arrive as it is. */
  'trailingNewline',
  /** Contact `company` as plain text (an import) that is exactly the name of an existing account, without `_ID`. */
  'plainTextKnownCompany',
  /** Contact `email` that an earlier contact has in another letter case: a likely duplicate (a finding). */
  'duplicateEmailCase',
  /** `lastUpdated` in the year 2100 (a clock gone wrong, an import): a finding, never a delta's watermark. */
  'futureTimestamp',
  /** Account assigned to an inactive X2CRM user (who needs an owner decision). */
  'inactiveOwner',
  /** Account assigned to an X2CRM group alone (`assignedTo` "3"): a group owner needs a decision. */
  'groupOwner',
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
  'trailingNewline',
  'plainTextKnownCompany',
  'duplicateEmailCase',
  'futureTimestamp',
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
  'negativeCount',
  'excessDecimals',
  'invisibleName',
  'futureTimestamp',
  'inactiveOwner',
  'groupOwner',
]

/**
 * Kinds of the rules of issue 14 (number bounds, invisible names, exact text, plain-text links). `generate` plants them
 * on a fixed schedule of their own, on records the older kinds left clean, so every older kind keeps its records.
 */
export const ruleDirtyKinds: readonly DirtyKind[] = [
  'negativeCount',
  'excessDecimals',
  'invisibleName',
  'trailingNewline',
  'plainTextKnownCompany',
]

/**
 * Kinds of issue 14's findings and owner decisions, planted with `ruleDirt` too, on a schedule of their own (every
 * 89th id) so the rule kinds above keep their records.
 */
export const findingDirtyKinds: readonly DirtyKind[] = [
  'duplicateEmailCase',
  'futureTimestamp',
  'inactiveOwner',
  'groupOwner',
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
