import type { SourceKey } from '../domain/source-key.ts'

/**
 * A row a run meant to write, recorded before the request left: a run killed between the send and the recording of
 * its outcome still says which rows it may have created or changed.
 */
export interface WriteIntent {
  runId: string
  /** The phase that first meant to write the row. */
  phase: string
  entitySet: string
  targetId: string
  /**
   * Whether the row was in Dataverse when the run first meant to write it (its before-image is kept then). A row that
   * was not is one the run created, or may have: never a pre-existing row, also when a resumed attempt finds it.
   */
  existed: boolean
  /**
   * The source record the row is written for (schema 9; absent in older ledgers). A record dedupe matched to a row
   * that was there is written under that row's id, not its own: a resumed run finds the match again by this key.
   */
  sourceKey?: SourceKey
}

/** An intent as a caller states it: the run and phase are given once per call. */
export type IntentRow = Pick<WriteIntent, 'targetId' | 'entitySet' | 'existed' | 'sourceKey'>

/**
 * Which rows each run may have written, recorded before each write. Implementations: the ledgers' `intents` and
 * {@link createMemoryIntentStore}; all pass test/contract/intent-store.test.ts.
 */
export interface IntentStore {
  /**
   * One transaction, written before the request that may touch these rows is sent. Keeps the first intent per (run,
   * entity set, target id): a later attempt that finds the row (it wrote it itself) does not turn it into a
   * pre-existing one.
   */
  record(runId: string, phase: string, rows: readonly IntentRow[]): Promise<void>
  /** A run's intents in the order they were first recorded. */
  all(runId: string): AsyncIterable<WriteIntent>
  /** The intents a run recorded already for some rows of one entity set, by target id. */
  find(runId: string, entitySet: string, targetIds: readonly string[]): Promise<Map<string, WriteIntent>>
  /** The first intent a run recorded for each of some source records in one entity set, by source key. */
  findBySource(
    runId: string,
    entitySet: string,
    sourceKeys: readonly SourceKey[],
  ): Promise<Map<SourceKey, WriteIntent>>
}

/** An {@link IntentStore} in memory: the in-memory ledger's, and for tests. */
export function createMemoryIntentStore(): IntentStore {
  /** Keyed by run, then `entitySet(targetId)`; Map order is first-record order. */
  const byRun = new Map<string, Map<string, WriteIntent>>()
  const key = (entitySet: string, targetId: string) => `${entitySet}(${targetId})`
  return {
    async record(runId, phase, rows) {
      let intents = byRun.get(runId)
      if (intents === undefined) byRun.set(runId, (intents = new Map<string, WriteIntent>()))
      for (const { targetId, entitySet, existed, sourceKey } of rows) {
        const k = key(entitySet, targetId)
        if (!intents.has(k))
          intents.set(k, {
            runId,
            phase,
            entitySet,
            targetId,
            existed,
            ...(sourceKey !== undefined && { sourceKey }),
          })
      }
    },
    async *all(runId) {
      for (const intent of [...(byRun.get(runId)?.values() ?? [])]) yield { ...intent }
    },
    async find(runId, entitySet, targetIds) {
      const intents = byRun.get(runId)
      const found = new Map<string, WriteIntent>()
      for (const targetId of targetIds) {
        const intent = intents?.get(key(entitySet, targetId))
        if (intent !== undefined) found.set(targetId, { ...intent })
      }
      return found
    },
    async findBySource(runId, entitySet, sourceKeys) {
      const wanted = new Set(sourceKeys)
      const found = new Map<SourceKey, WriteIntent>()
      for (const intent of byRun.get(runId)?.values() ?? []) {
        const { sourceKey } = intent
        if (intent.entitySet !== entitySet || sourceKey === undefined || !wanted.has(sourceKey)) continue
        if (!found.has(sourceKey)) found.set(sourceKey, { ...intent })
      }
      return found
    },
  }
}
