import type { RecordHash } from '../domain/record-hash.ts'

/**
 * Where the previous run's content hashes live, per X2CRM class. Implementations: the ledgers' `contentHashes` and
 * {@link createMemoryHashStore}; all pass test/contract/hash-store.test.ts.
 */
export interface HashStore {
  /** The hashes kept for `entity`, ascending by id. */
  hashes(entity: string): AsyncIterable<RecordHash>
  /** Inserts or replaces. */
  save(entity: string, hashes: readonly RecordHash[]): Promise<void>
  remove(entity: string, ids: readonly number[]): Promise<void>
}

/** A {@link HashStore} in memory: the in-memory ledger's, and for tests. */
export function createMemoryHashStore(): HashStore {
  const byEntity = new Map<string, Map<number, string>>()
  const table = (entity: string) => {
    let hashes = byEntity.get(entity)
    if (!hashes) byEntity.set(entity, (hashes = new Map<number, string>()))
    return hashes
  }
  return {
    async *hashes(entity) {
      const sorted = [...table(entity)].sort(([a], [b]) => a - b)
      for (const [id, hash] of sorted) yield { id, hash }
    },
    async save(entity, hashes) {
      for (const { id, hash } of hashes) table(entity).set(id, hash)
    },
    async remove(entity, ids) {
      for (const id of ids) table(entity).delete(id)
    },
  }
}
