import { randomUUID } from 'node:crypto'
import type { SourceKey } from '../domain/source-key.ts'
import { InternalError, MigrationError } from '../errors.ts'
import { assertBatchBelongs, invalidBatchReason } from './batch-check.ts'
import { createMemoryFixStore } from './fix-store.ts'
import { createMemoryHashStore } from './hash-store.ts'
import { createMemoryIntentStore, type IntentStore } from './intent-store.ts'
import type {
  BeforeImage,
  Checkpoint,
  Ledger,
  LoadedRecord,
  PhaseCounts,
  RecordOutcome,
  RunId,
  RunInfo,
} from './ledger.ts'
import { ROW_STATUSES } from './ledger.ts'

interface StoredOutcome {
  /** Write order across the whole ledger, like SQLite's rowid. */
  seq: number
  outcome: RecordOutcome
}

interface StoredRun {
  info: RunInfo
  /** Keyed by phase and source key; Map order is write order because a replaced entry is deleted first. */
  outcomes: Map<string, StoredOutcome>
  checkpoints: Map<string, Checkpoint>
  /** Keyed by entity set and target id; the first image wins. */
  images: Map<string, BeforeImage>
}

/** A ledger that lives as long as the process: for tests and dry runs. Behaves like `createSqliteLedger`. */
export function createMemoryLedger(): Ledger {
  const runs: StoredRun[] = []
  /** Per source key, its created/updated outcomes of every run and phase, for `loaded()`. */
  const loadedIndex = new Map<SourceKey, Map<string, StoredOutcome & { runId: RunId }>>()
  let seq = 0
  const contentHashes = createMemoryHashStore()

  function stored(runId: RunId): StoredRun | undefined {
    return runs.find((r) => r.info.runId === runId)
  }

  function newestFirst(): StoredRun[] {
    // Same order as SQLite's `ORDER BY started_at DESC, rowid DESC`.
    return runs
      .map((run, index) => ({ run, index }))
      .sort((a, b) => compare(b.run.info.startedAt, a.run.info.startedAt) || b.index - a.index)
      .map(({ run }) => run)
  }

  return {
    async startRun(kind, params, at) {
      const info: RunInfo = {
        runId: randomUUID(),
        kind,
        status: 'running',
        startedAt: at.toISOString(),
        params,
      }
      runs.push({
        info: structuredClone(info),
        outcomes: new Map(),
        checkpoints: new Map(),
        images: new Map(),
      })
      return info
    },

    async unfinishedRun(kind) {
      const run = newestFirst().find((r) => r.info.kind === kind && r.info.status === 'running')
      return run && structuredClone(run.info)
    },

    async finishRun(runId, status, at, summary) {
      const run = stored(runId)
      if (run === undefined) throw new InternalError(`Cannot finish run ${runId}: the ledger has no such run`)
      run.info = {
        ...run.info,
        status,
        finishedAt: at.toISOString(),
        ...(summary !== undefined && { summary: structuredClone(summary) }),
      }
    },

    async run(runId) {
      const run = stored(runId)
      return run && structuredClone(run.info)
    },

    async runs() {
      return newestFirst().map((r) => structuredClone(r.info))
    },

    async recordBatch(runId, phase, outcomes, checkpoint, hashes) {
      assertBatchBelongs(runId, phase, outcomes)
      const run = stored(runId)
      const problem =
        run === undefined ? `the ledger has no run ${runId}` : invalidBatchReason(outcomes, checkpoint)
      if (run === undefined || problem !== undefined) {
        throw new MigrationError(
          `The in-memory ledger could not record a batch of ${outcomes.length} outcomes of ${phase} in run ${runId}; ` +
            `nothing of the batch was kept: ${problem}`,
        )
      }
      for (const o of outcomes) {
        const key = `${phase}\u0000${o.sourceKey}`
        const entry: StoredOutcome = { seq: ++seq, outcome: normalize(o) }
        run.outcomes.delete(key)
        run.outcomes.set(key, entry)
        let byRunPhase = loadedIndex.get(o.sourceKey)
        const indexKey = `${runId}\u0000${phase}`
        if (ROW_STATUSES.includes(o.status)) {
          if (byRunPhase === undefined)
            loadedIndex.set(o.sourceKey, (byRunPhase = new Map<string, StoredOutcome & { runId: RunId }>()))
          byRunPhase.set(indexKey, { ...entry, runId })
        } else {
          byRunPhase?.delete(indexKey)
        }
      }
      run.checkpoints.set(phase, { lastSourceId: checkpoint.lastSourceId })
      if (hashes !== undefined) await contentHashes.save(hashes.entity, hashes.hashes)
    },

    async checkpoint(runId, phase) {
      const found = stored(runId)?.checkpoints.get(phase)
      return found && { ...found }
    },

    async *outcomes(runId, phase) {
      const run = stored(runId)
      if (run === undefined) return
      // A snapshot, as SQLite's pages would see: writes during the iteration don't disturb it.
      for (const { outcome } of [...run.outcomes.values()]) {
        if (phase === undefined || outcome.phase === phase) yield structuredClone(outcome)
      }
    },

    async counts(runId) {
      const run = stored(runId)
      if (run === undefined) return []
      // Phases in the order of their oldest outcome, as SQLite's MIN(rowid).
      const byPhase = new Map<string, PhaseCounts>()
      for (const { outcome } of run.outcomes.values()) {
        let counts = byPhase.get(outcome.phase)
        if (counts === undefined) {
          counts = {
            phase: outcome.phase,
            created: 0,
            updated: 0,
            quarantined: 0,
            skipped: 0,
            deleted: 0,
            restored: 0,
          }
          byPhase.set(outcome.phase, counts)
        }
        counts[outcome.status] += 1
      }
      return [...byPhase.values()]
    },

    async loaded(sourceKeys) {
      const found = new Map<SourceKey, LoadedRecord>()
      for (const sourceKey of sourceKeys) {
        let newest: (StoredOutcome & { runId: RunId }) | undefined
        for (const entry of loadedIndex.get(sourceKey)?.values() ?? []) {
          if (newest === undefined || entry.seq > newest.seq) newest = entry
        }
        if (newest?.outcome.targetId !== undefined && newest.outcome.status !== 'deleted') {
          found.set(sourceKey, {
            sourceKey,
            targetId: newest.outcome.targetId,
            runId: newest.runId,
            phase: newest.outcome.phase,
          })
        }
      }
      return found
    },

    async sourcesOf(targetIds) {
      const wanted = new Set(targetIds)
      const found = new Map<string, Set<SourceKey>>()
      for (const run of runs) {
        for (const { outcome } of run.outcomes.values()) {
          const { targetId } = outcome
          if (targetId === undefined || !wanted.has(targetId) || !ROW_STATUSES.includes(outcome.status))
            continue
          found.set(targetId, (found.get(targetId) ?? new Set()).add(outcome.sourceKey))
        }
      }
      // Sorted by code unit, as SQLite's ORDER BY sorts text.
      return new Map([...found].map(([targetId, keys]) => [targetId, [...keys].sort(compare)]))
    },

    async recordBeforeImages(runId, images) {
      const run = stored(runId)
      if (run === undefined)
        throw new InternalError(`Cannot keep before-images for run ${runId}: the ledger has no such run`)
      for (const image of images) {
        const key = `${image.entitySet}(${image.targetId})`
        if (!run.images.has(key)) run.images.set(key, structuredClone(image))
      }
    },

    async *beforeImages(runId) {
      for (const image of stored(runId)?.images.values() ?? []) yield structuredClone(image)
    },

    contentHashes,

    fixes: createMemoryFixStore(),

    intents: ofKnownRuns(createMemoryIntentStore(), (runId) => stored(runId) !== undefined),

    async close() {},
  }
}

/** Refuses intents of a run the ledger does not have, as SQLite's foreign key does. */
function ofKnownRuns(store: IntentStore, known: (runId: RunId) => boolean): IntentStore {
  return {
    ...store,
    async record(runId, phase, rows) {
      if (!known(runId))
        throw new InternalError(`Cannot record write intents for run ${runId}: the ledger has no such run`)
      await store.record(runId, phase, rows)
    },
  }
}

/** Stored as SQLite stores it: absent rather than undefined, no empty warning list. */
function normalize(o: RecordOutcome): RecordOutcome {
  return {
    runId: o.runId,
    phase: o.phase,
    sourceKey: o.sourceKey,
    status: o.status,
    ...(o.targetId !== undefined && { targetId: o.targetId }),
    ...(o.reason !== undefined && { reason: o.reason }),
    ...(o.warnings !== undefined && o.warnings.length > 0 && { warnings: [...o.warnings] }),
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
