/**
 * A record's content hash, as the delta computes it from X2CRM and the ledger keeps it between runs (see
 * `contentHash` in src/source/x2crm/delta.ts and `HashStore` in src/ledger/hash-store.ts).
 */
export interface RecordHash {
  id: number
  hash: string
}
