/** `Contacts:1121`: X2CRM class and id. Never a Dataverse id. */
export type SourceKey = string
export type RunId = string

export function sourceKeyOf(entity: string, id: number | string): SourceKey {
  return `${entity}:${id}`
}

export type OutcomeStatus = 'created' | 'updated' | 'quarantined' | 'skipped'

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
}

/** The latest loaded state of a source record, across all runs. */
export interface LoadedRecord {
  sourceKey: SourceKey
  targetId: string
  runId: RunId
}

/**
 * The migration's memory. Outcomes of a batch and its checkpoint are written in one transaction, so a killed run
 * resumes exactly after the last batch it recorded. Implementations: `createSqliteLedger(path)` for runs,
 * `createMemoryLedger()` for tests; both pass test/contract/ledger.test.ts.
 */
export interface Ledger {
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
  /** One transaction: the batch's outcomes (replacing earlier ones of the same run, phase and key) and the checkpoint. */
  recordBatch(
    runId: RunId,
    phase: string,
    outcomes: readonly RecordOutcome[],
    checkpoint: Checkpoint,
  ): Promise<void>
  checkpoint(runId: RunId, phase: string): Promise<Checkpoint | undefined>
  outcomes(runId: RunId, phase?: string): AsyncIterable<RecordOutcome>
  counts(runId: RunId): Promise<PhaseCounts[]>
  /**
   * Where each of these source records sits in Dataverse, for those some run created or updated. A later run that
   * quarantined the same record does not unload it: the row from the earlier run is still there.
   */
  loaded(sourceKeys: readonly SourceKey[]): Promise<Map<SourceKey, LoadedRecord>>
  close(): Promise<void>
}
