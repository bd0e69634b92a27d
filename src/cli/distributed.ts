import { hostname } from 'node:os'
import type { RunConfig } from '../config/config.ts'
import { ConfigError } from '../errors.ts'
import { isPostgresUrl } from '../ledger-location.ts'
import { createPostgresLedger } from '../ledger/postgres.ts'
import { uploadsReaderFor } from '../run/attachments.ts'
import { coordinate, type PhaseProgressState } from '../run/distributed/coordinate.ts'
import { openRunQueue, type RunQueueOptions } from '../run/distributed/run-queue.ts'
import { work, type WorkResult } from '../run/distributed/work.ts'
import type { MigrateResult } from '../run/migrate.ts'
import { readTargetSchema } from '../schema/read-target-schema.ts'
import { connect } from './connect.ts'
import { mappingFor, runSettingsOf } from './inputs.ts'
import { rendererFor, withSession } from './session.ts'

/*
 * The distributed run as the CLI starts it: `migrate --distributed` coordinates, `worker` loads slices. Both need
 * the PostgreSQL ledger every machine shares (run.ledger: postgres://…), where the job queue lives too.
 */

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export interface DistributedCommonOptions {
  json?: boolean
  mapping?: string
  signal?: AbortSignal
  /** Seconds a worker holds a slice before another may take it (its worker died). @default 900 */
  lease?: number
  /** Milliseconds between two looks at the queue when idle. @default 2000 */
  pollMs?: number
}

async function sharedLedger(config: RunConfig, command: string) {
  if (!isPostgresUrl(config.run.ledgerPath)) {
    throw new ConfigError([
      `run.ledger: ${command} needs the PostgreSQL ledger every machine shares (run.ledger: ` +
        'postgres://user@host:5432/database?schema=name), not a SQLite file',
    ])
  }
  return createPostgresLedger(config.run.ledgerPath)
}

function queueOptions(options: DistributedCommonOptions): RunQueueOptions {
  return options.lease === undefined ? {} : { leaseSeconds: options.lease }
}

export async function runCoordinate(
  config: RunConfig,
  options: DistributedCommonOptions & {
    chunkSize?: number
    onProgress?: (p: readonly PhaseProgressState[]) => void
  },
): Promise<MigrateResult> {
  const { mapping, source: mappingSource } = mappingFor(options.mapping ?? config.run.mapping, 'migrate')
  if (!options.json) process.stderr.write(`Map: ${mappingSource}\n`)
  const ledger = await sharedLedger(config, 'migrate --distributed')
  return withSession(
    rendererFor(options.json),
    (emit) => connect(config, emit, ledger),
    async ({ source, target }, emit) =>
      coordinate(
        {
          ...runSettingsOf(config),
          mapping,
          ...(options.chunkSize !== undefined && { chunkSize: options.chunkSize }),
          ...(options.pollMs !== undefined && { pollMs: options.pollMs }),
        },
        {
          source,
          target,
          ledger,
          openQueue: (runId) => openRunQueue(ledger, runId, queueOptions(options)),
          emit,
          now: () => new Date(),
          sleep,
          ...(options.onProgress !== undefined && { onProgress: options.onProgress }),
          ...(options.signal !== undefined && { signal: options.signal }),
        },
      ),
  )
}

export async function runWorker(
  config: RunConfig,
  options: DistributedCommonOptions & { name?: string; waitSeconds?: number; slices?: number },
): Promise<WorkResult> {
  const { mapping } = mappingFor(options.mapping ?? config.run.mapping, 'migrate')
  const ledger = await sharedLedger(config, 'worker')
  return withSession(
    rendererFor(options.json),
    (emit) => connect(config, emit, ledger),
    async ({ source, target, writers, metadata }, emit) =>
      work(
        {
          ...runSettingsOf(config),
          mapping,
          worker: options.name ?? `${hostname()}:${process.pid}`,
          ...(options.slices !== undefined && { slices: options.slices }),
          ...(options.pollMs !== undefined && { pollMs: options.pollMs }),
          waitForRunMs: (options.waitSeconds ?? 0) * 1000,
        },
        {
          source,
          target,
          writers,
          ledger,
          openQueue: (runId) => openRunQueue(ledger, runId, queueOptions(options)),
          emit,
          now: () => new Date(),
          sleep,
          uploads: uploadsReaderFor(config.source.uploads, fetch),
          ...(options.signal !== undefined && { signal: options.signal }),
          tables: await readTargetSchema(
            metadata,
            mapping.entities.map((e) => e.table.logicalName),
          ),
        },
      ),
  )
}
