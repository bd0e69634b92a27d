import { MigrationError } from '../errors.ts'

/**
 * A correction a person made to an X2CRM value for the migration (`x2d365 fix`), without changing X2CRM: every run
 * reads the record with the fixed value instead (`withFixes`).
 */
export interface SourceFix {
  /** X2CRM class, e.g. `Contacts` */
  entity: string
  /** X2CRM record id */
  id: number
  /** X2CRM field name, e.g. `lastName` */
  field: string
  /** What runs read instead of X2CRM's value. */
  value: string
  /**
   * X2CRM's value when the fix was stored, as text (null: empty). When X2CRM holds something else later, the fix is
   * stale: someone changed the record since.
   */
  original: string | null
  /** ISO 8601 */
  fixedAt: string
  /** Who stored it (`x2d365 fix --by`, the OS user by default). */
  fixedBy: string
}

/**
 * Fixes are kept as a history: a newer fix of the same field of the same record takes over, the older stays.
 * Implementations: the ledgers' `fixes` and {@link createMemoryFixStore}; all pass test/contract/fix-store.test.ts.
 */
export interface FixStore {
  /** Adds them all in one transaction, or none. */
  add: (fixes: readonly SourceFix[]) => Promise<void>
  /** The newest fix of each field of each record, by class, id and field. */
  current: () => Promise<SourceFix[]>
}

/** A {@link FixStore} that lives as long as the process: the in-memory ledger's. Behaves like the SQLite one. */
export function createMemoryFixStore(): FixStore {
  /** Every fix stored, oldest first. */
  const fixes: SourceFix[] = []
  return {
    async add(added) {
      const problem = added.find((f) => !Number.isSafeInteger(f.id))
      if (problem !== undefined) {
        throw new MigrationError(
          `The in-memory ledger could not store ${added.length} fixes; none was kept: id ${problem.id} is not an integer`,
        )
      }
      fixes.push(...added.map((f) => ({ ...f })))
    },
    async current() {
      const newest = new Map<string, SourceFix>()
      for (const fix of fixes) newest.set(`${fix.entity}\u0000${fix.id}\u0000${fix.field}`, fix)
      return [...newest.values()]
        .sort((a, b) => compare(a.entity, b.entity) || a.id - b.id || compare(a.field, b.field))
        .map((f) => ({ ...f }))
    },
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
