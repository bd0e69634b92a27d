import type { RecordHash } from '../domain/record-hash.ts'
import type { SourceKey } from '../domain/source-key.ts'
import type { FixStore } from './fix-store.ts'
import type { HashStore } from './hash-store.ts'
import type { IntentStore } from './intent-store.ts'

export type RunId = string

/**
 * `created`/`updated`/`quarantined`/`skipped` are a migration's outcomes; `deleted` (a row a rollback removed) and
 * `restored` (a row a rollback put back as its before-image said) are a rollback's.
 */
export type OutcomeStatus = 'created' | 'updated' | 'quarantined' | 'skipped' | 'deleted' | 'restored'

/** Statuses that say a row is in Dataverse (or, for `deleted`, no longer is): they need a targetId. */
export const ROW_STATUSES: readonly OutcomeStatus[] = ['created', 'updated', 'deleted', 'restored']

/** What happened to one source record in one phase of one run. */
export interface RecordOutcome {
  runId: RunId
  /** e.g. `Accounts`, `Contacts`, `Accounts.links` */
  phase: string
  sourceKey: SourceKey
  status: OutcomeStatus
  /** Set when the row is (or would be) in Dataverse. */
  targetId?: string
  /** Why it was quarantined or skipped, in words a person can act on. */
  reason?: string
  /** Things that were dropped or changed on the way (an unresolved link, an invalid e-mail), the row still loaded. */
  warnings?: readonly string[]
}

export type RunStatus = 'running' | 'succeeded' | 'failed'

export interface RunInfo {
  runId: RunId
  kind: string
  status: RunStatus
  startedAt: string
  finishedAt?: string
  /** Free-form JSON the run wants back when it resumes (options, mapping hash). */
  params: Readonly<Record<string, unknown>>
  /** What the run concluded (its reconciliation, timings), written when it finished. */
  summary?: Readonly<Record<string, unknown>>
}

/** Where a phase stands: everything up to and including `lastSourceId` has an outcome. */
export interface Checkpoint {
  lastSourceId: number
}

export interface PhaseCounts {
  phase: string
  created: number
  updated: number
  quarantined: number
  skipped: number
  deleted: number
  restored: number
}

/** The latest loaded state of a source record, across all runs. */
export interface LoadedRecord {
  sourceKey: SourceKey
  targetId: string
  runId: RunId
  /** The phase that wrote it: tells which table it went to when one class loads into two (a Lead/Contact split). */
  phase: string
}

/**
 * A Dataverse row as it was before a run first wrote to it: what rollback restores. Captured before the write, so a
 * crash between the two leaves an image equal to the row (harmless to restore).
 */
export interface BeforeImage {
  phase: string
  targetId: string
  entitySet: string
  /** Column values as the Web API reads them (lookups as `_x_value`). */
  values: Readonly<Record<string, unknown>>
}

/**
 * What runs did: their runs, each record's outcome, checkpoints, before-images. Outcomes of a batch and its
 * checkpoint are written in one transaction, so a killed run resumes exactly after the last batch it recorded.
 * Implementations: the ledgers of `createSqliteLedger(path)` for runs and `createMemoryLedger()` for tests; both pass
 * test/contract/run-ledger.test.ts.
 */
export interface RunLedger {
  startRun(kind: string, params: Readonly<Record<string, unknown>>, at: Date): Promise<RunInfo>
  /** The newest run of this kind that is still `running` (it was killed), if any. */
  unfinishedRun(kind: string): Promise<RunInfo | undefined>
  finishRun(
    runId: RunId,
    status: Exclude<RunStatus, 'running'>,
    at: Date,
    summary?: Readonly<Record<string, unknown>>,
  ): Promise<void>
  run(runId: RunId): Promise<RunInfo | undefined>
  /** The newest run first. */
  runs(): Promise<RunInfo[]>
  /**
   * One transaction: the batch's outcomes (replacing earlier ones of the same run, phase and key), the checkpoint and,
   * when given, the content hashes of the records it loaded (as `contentHashes.save`), so a kill never keeps an
   * outcome without its hash (the next delta would load the record again) or a hash without its outcome.
   */
  recordBatch(
    runId: RunId,
    phase: string,
    outcomes: readonly RecordOutcome[],
    checkpoint: Checkpoint,
    hashes?: { entity: string; hashes: readonly RecordHash[] },
  ): Promise<void>
  checkpoint(runId: RunId, phase: string): Promise<Checkpoint | undefined>
  outcomes(runId: RunId, phase?: string): AsyncIterable<RecordOutcome>
  counts(runId: RunId): Promise<PhaseCounts[]>
  /**
   * Where each of these source records sits in Dataverse, judged by its newest created, updated, restored or deleted
   * outcome across runs: a record whose newest such outcome is `deleted` (rolled back) is not loaded. A later run that
   * quarantined the same record does not unload it: the row from the earlier run is still there.
   */
  loaded(sourceKeys: readonly SourceKey[]): Promise<Map<SourceKey, LoadedRecord>>
  /**
   * The source records some run wrote to each of these Dataverse rows (a created, updated, restored or deleted
   * outcome naming the target id, in any run and phase), sorted. Dedupe uses it: a row the ledger knows is ours or
   * already matched, never a pre-existing record to match again. Ids no outcome names are absent.
   */
  sourcesOf(targetIds: readonly string[]): Promise<Map<string, SourceKey[]>>
  /** Keeps the first image per (run, entity set, target id): a later write of the same row must not replace it. */
  recordBeforeImages(runId: RunId, images: readonly BeforeImage[]): Promise<void>
  /** A run's before-images in the order they were taken. */
  beforeImages(runId: RunId): AsyncIterable<BeforeImage>
}

/**
 * The migration's memory, one file: the run ledger and, beside it, the two stores later runs read. A function that
 * needs only one of them takes that one (`RunLedger`, `HashStore`, `FixStore`, or a `Pick` of it).
 */
export interface Ledger extends RunLedger {
  /**
   * The content hash of each source record as it was when it was last loaded: delta compares against it to find
   * changes X2CRM did not mark with `lastUpdated` (tags, relationships, direct SQL).
   */
  readonly contentHashes: HashStore
  /** Values a person corrected for the migration (`x2d365 fix`). */
  readonly fixes: FixStore
  /** The rows each run may write, recorded before each write: what a killed run may have created or changed. */
  readonly intents: IntentStore
  close(): Promise<void>
}
