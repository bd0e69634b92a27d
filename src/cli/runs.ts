import type { RunConfig } from '../config/config.ts'
import { delta, type DeltaResult } from '../run/delta.ts'
import { readTargetSchema } from '../schema/read-target-schema.ts'
import { readUploadLimit, uploadsReaderFor } from '../run/attachments.ts'
import { migrate, type MigrateResult } from '../run/migrate.ts'
import type { DeletionPolicy } from '../run/retire.ts'
import type { ChangesMode } from '../run/delta-changes.ts'
import { rollback, type RollbackResult } from '../run/rollback.ts'
import { chooseSample, sampleSource, summarizeSample } from '../run/sample.ts'
import { verify, type VerifyResult } from '../run/verify.ts'
import { connect } from './connect.ts'
import { mappingFor, runSettingsOf } from './inputs.ts'
import type { Mapping } from '../mapping/types.ts'
import { createRetryTally } from '../run/retry-tally.ts'
import type { Renderer } from './render.ts'
import { rendererFor, withSession } from './session.ts'

/*
 * Each run as the CLI starts it from a trusted config: its map and settings, its connections, the run, with progress
 * rendered as `--json` asks. `migrate`, `delta`, `verify` and `rollback` print what these return; the demo chains
 * them.
 */

/** A map given in memory (the demo's), with the name `Map:` prints for it. */
export interface NamedMap {
  mapping: Mapping
  name: string
}

/** The map of a run: one given in memory, else a confirmed mapping.yaml (the option's, else run.mapping), else the built-in map. */
function mapOf(
  option: string | NamedMap | undefined,
  config: RunConfig,
  command: string,
): { mapping: Mapping; source: string } {
  if (typeof option === 'object') return { mapping: option.mapping, source: option.name }
  return mappingFor(option ?? config.run.mapping, command)
}

export interface RunMigrateOptions {
  json?: boolean
  /** A confirmed mapping.yaml, or a map in memory. @default run.mapping, else the built-in map */
  mapping?: string | NamedMap
  /** A rehearsal on this many root records plus everything they need. */
  sample?: number
  /** Aborted to stop (Ctrl-C): the run finishes what is in flight and throws RunInterrupted. */
  signal?: AbortSignal
}

export async function runMigrate(config: RunConfig, options: RunMigrateOptions = {}): Promise<MigrateResult> {
  const { mapping, source: mappingSource } = mapOf(options.mapping, config, 'migrate')
  const tally = createRetryTally()
  const renderer = tallying(rendererFor(options.json), tally)
  if (!options.json) process.stderr.write(`Map: ${mappingSource}\n`)
  const { sample } = options
  return withSession(
    renderer,
    (emit) => connect(config, emit, undefined, { ledgerOnThread: true }),
    async ({ source, related, target, writers, ledger, metadata }, emit) => {
      // The sample is drawn with the hidden records fetched by id, so the run reads it whole and needs no gap fill
      // (which would count every id between two sampled records as deleted).
      const chosen = sample === undefined ? undefined : await chooseSample(source, mapping, sample)
      if (chosen !== undefined) emit({ type: 'sample.chosen', sample: summarizeSample(chosen) })
      return migrate(
        {
          ...runSettingsOf(config),
          mapping,
          ...(sample === undefined ? {} : { sample, gapFill: false }),
        },
        {
          source: chosen === undefined ? source : sampleSource(source, chosen),
          related,
          target,
          writers,
          ledger,
          emit,
          now: () => new Date(),
          retries: tally.counts,
          uploads: uploadsReaderFor(config.source.uploads, fetch),
          ...(mapping.entities.some((e) => e.attachments === true) && {
            uploadLimit: await readUploadLimit(target),
          }),
          ...(options.signal !== undefined && { signal: options.signal }),
          // Rows are checked against the environment's own metadata before they are sent (number bounds, precision).
          tables: await readTargetSchema(
            metadata,
            mapping.entities.map((e) => e.table.logicalName),
          ),
        },
      )
    },
  )
}

export interface RunDeltaOptions {
  json?: boolean
  /** A confirmed mapping.yaml, or a map in memory. @default run.mapping, else the built-in map */
  mapping?: string | NamedMap
  /** @default run.delta.deletions */
  deletions?: DeletionPolicy
  /** How changes are found. @default changelog with source.mysql, else full */
  changes?: ChangesMode
  /** Aborted to stop (Ctrl-C): the run finishes what is in flight and throws RunInterrupted. */
  signal?: AbortSignal
}

export async function runDelta(config: RunConfig, options: RunDeltaOptions = {}): Promise<DeltaResult> {
  const { mapping, source: mappingSource } = mapOf(options.mapping, config, 'delta')
  const tally = createRetryTally()
  const renderer = tallying(rendererFor(options.json), tally)
  if (!options.json) process.stderr.write(`Map: ${mappingSource}\n`)
  return withSession(
    renderer,
    (emit) => connect(config, emit, undefined, { ledgerOnThread: true }),
    async ({ source, related, target, writers, ledger }, emit) =>
      delta(
        {
          ...runSettingsOf(config),
          mapping,
          deletions: options.deletions ?? config.run.deletions,
          ...(options.changes !== undefined && { changes: options.changes }),
        },
        {
          source,
          related,
          target,
          writers,
          ledger,
          emit,
          now: () => new Date(),
          retries: tally.counts,
          // Media files of new and changed records, and of those quarantined before, are read again.
          uploads: uploadsReaderFor(config.source.uploads, fetch),
          ...(mapping.entities.some((e) => e.attachments === true) && {
            uploadLimit: await readUploadLimit(target),
          }),
          ...(options.signal !== undefined && { signal: options.signal }),
        },
      ),
  )
}

export interface RunVerifyOptions {
  json?: boolean
  /** The confirmed map the migration used (over run.mapping), or a map in memory. */
  mapping?: string | NamedMap
  /** Records per object to check, at random. @default every record */
  sample?: number
}

export function runVerify(config: RunConfig, options: RunVerifyOptions = {}): Promise<VerifyResult> {
  const { sample } = options
  return withSession(
    rendererFor(options.json),
    (emit) => connect(config, emit),
    ({ source, related, target, ledger }, emit) =>
      verify(
        {
          instance: config.run.instance,
          mapping: mapOf(options.mapping, config, 'verify').mapping,
          ...(sample !== undefined && { sample }),
        },
        {
          source,
          related,
          target,
          ledger,
          emit,
          now: () => new Date(),
          uploads: uploadsReaderFor(config.source.uploads, fetch),
        },
      ),
  )
}

export interface RunRollbackOptions {
  json?: boolean
  /** The migrate or delta run to undo, with the runs after it. @default the first migration not undone yet */
  runId?: string
  /** A map in memory (the demo's). @default run.mapping, else the built-in map */
  mapping?: NamedMap
}

/** Throws NothingToUndo (run/rollback.ts) when every run asked for is undone already. */
export function runRollback(config: RunConfig, options: RunRollbackOptions = {}): Promise<RollbackResult> {
  return withSession(
    rendererFor(options.json),
    (emit) => connect(config, emit),
    ({ target, ledger }, emit) =>
      rollback(
        {
          mapping: mapOf(options.mapping, config, 'rollback').mapping,
          batchSize: config.run.batchSize,
          ...(options.runId !== undefined && { runId: options.runId }),
        },
        { target, ledger, emit, now: () => new Date() },
      ),
  )
}

/** The renderer, with every event also counted by `tally` (the retries a run's summary keeps). */
function tallying(renderer: Renderer, tally: ReturnType<typeof createRetryTally>): Renderer {
  return {
    ...renderer,
    event: (event) => {
      tally.observe(event)
      renderer.event(event)
    },
  }
}
