import { createHash } from 'node:crypto'
import PgBoss from 'pg-boss'
import type pg from 'pg'
import type { PostgresLedgerExtras } from '../../ledger/postgres.ts'
import type { ChunkRange, ChunkResult } from '../load-chunk.ts'

/** One slice of a phase, as the queue carries it. */
export interface ChunkData extends ChunkRange {
  runId: string
  phase: string
  /** `Accounts#3`: the phase and the slice's number, unique in the run. */
  chunk: string
}

export interface ChunkJob {
  id: string
  phaseIndex: number
  data: ChunkData
}

/** Where a phase's slices stand. */
export interface PhaseQueueState {
  /** Waiting for a worker, or for another attempt after a worker died (its lease expired) or failed. */
  waiting: number
  /** Taken by a worker whose lease has not expired. */
  active: number
  completed: number
  /** Failed every attempt: the run cannot finish until they are sent again. */
  failed: number
}

/**
 * The slices of one distributed run, in pg-boss (a job queue on PostgreSQL), one queue per phase so that a phase's
 * slices are taken only once every slice of the phases before it is done (the plan's barriers). A taken slice is
 * leased for `leaseSeconds`: a worker that dies holding it loses it when the lease expires, and another takes it.
 */
export interface RunQueue {
  /** Idempotent: a slice's job id is derived from the run and the slice, so enqueueing twice adds nothing. */
  enqueue(phaseIndex: number, chunks: readonly ChunkData[]): Promise<void>
  take(phaseIndex: number): Promise<ChunkJob | undefined>
  /** Records the slice's result in the ledger and completes its job, in one transaction. */
  complete(job: ChunkJob, result: ChunkResult, worker: string, at: Date): Promise<void>
  /** How long a taken slice is held without {@link RunQueue.renew}. */
  readonly leaseSeconds: number
  /** Holds a slice for another lease: a worker loading a long slice renews it, so only a dead worker loses it. */
  renew(job: ChunkJob): Promise<void>
  /** Gives the slice back for another attempt (pg-boss retries it until its retry limit). */
  fail(job: ChunkJob, message: string): Promise<void>
  state(phaseIndex: number): Promise<PhaseQueueState>
  /** Sends again the slices of a phase that failed every attempt. */
  retryFailed(phaseIndex: number): Promise<void>
  /** Per phase, the sum of its slices' results. */
  results(): Promise<Map<string, ChunkResult>>
  /** Returns to the queue the slices whose lease expired (their worker died). */
  expireLeases(): Promise<void>
  close(): Promise<void>
}

export interface RunQueueOptions {
  /** How long a worker holds a slice before another may take it. @default 900 */
  leaseSeconds?: number
  /** Attempts after the first. @default 5 */
  retryLimit?: number
}

/**
 * Opens the queue of `runId` beside the ledger, in the schema `<ledger schema>_queue` of the same database (pg-boss
 * installs it there the first time).
 */
export async function openRunQueue(
  ledger: PostgresLedgerExtras,
  runId: string,
  options: RunQueueOptions = {},
): Promise<RunQueue> {
  const bossSchema = `${ledger.target.schema}_queue`
  const boss = new PgBoss({
    connectionString: ledger.target.connectionString,
    schema: bossSchema,
    max: 2,
    // Leases are expired by the workers themselves while they wait (expireLeases): no timers of pg-boss's own.
    supervise: false,
    schedule: false,
  })
  boss.on('error', () => {})
  // pg-boss installs its schema on the first start; workers starting together would deadlock in it: one at a time.
  const lock = await ledger.pool.connect()
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`x2d365 queue ${bossSchema}`])
    await boss.start()
  } finally {
    await lock
      .query('SELECT pg_advisory_unlock(hashtext($1))', [`x2d365 queue ${bossSchema}`])
      .catch(() => {})
    lock.release()
  }
  const leaseSeconds = options.leaseSeconds ?? 900
  const retryLimit = options.retryLimit ?? 5
  const queueName = (phaseIndex: number) => `x2d365-${runId}-${phaseIndex}`
  const created = new Set<number>()
  const ensureQueue = async (phaseIndex: number) => {
    if (created.has(phaseIndex)) return
    if ((await boss.getQueue(queueName(phaseIndex))) === null) {
      await boss
        .createQueue(queueName(phaseIndex), {
          name: queueName(phaseIndex),
          retryLimit,
          retryDelay: 0,
          expireInSeconds: leaseSeconds,
        })
        .catch(async (error: unknown) => {
          // Another process created it at the same moment.
          if ((await boss.getQueue(queueName(phaseIndex))) === null) throw error
        })
    }
    created.add(phaseIndex)
  }
  const countState = async (name: string, state: 'failed' | 'active') =>
    Number(
      (
        await ledger.pool.query<{ n: string }>(
          // pg-boss has no count of failed or active jobs in its API: its job table, read only.
          `SELECT COUNT(*) AS n FROM "${bossSchema}".job WHERE name = $1 AND state = $2`,
          [name, state],
        )
      ).rows[0]?.n ?? 0,
    )
  const inTransaction = (client: pg.PoolClient): PgBoss.Db => ({
    executeSql: async (text, values) => client.query(text, values),
  })

  return {
    leaseSeconds,
    async renew(job) {
      // pg-boss 10 has no call to extend a job's expiry; its expiry runs from started_on, so that is moved.
      await ledger.pool.query(
        `UPDATE "${bossSchema}".job SET started_on = now() WHERE name = $1 AND id = $2 AND state = 'active'`,
        [queueName(job.phaseIndex), job.id],
      )
    },
    async enqueue(phaseIndex, chunks) {
      await ensureQueue(phaseIndex)
      await boss.insert(
        chunks.map((data) => ({
          id: jobId(runId, data.chunk),
          name: queueName(phaseIndex),
          data,
          retryLimit,
          retryDelay: 0,
          expireInSeconds: leaseSeconds,
        })),
      )
    },
    async take(phaseIndex) {
      await ensureQueue(phaseIndex)
      const [job] = await boss.fetch<ChunkData>(queueName(phaseIndex))
      return job === undefined ? undefined : { id: job.id, phaseIndex, data: job.data }
    },
    async complete(job, result, worker, at) {
      await ledger.transaction(async (client) => {
        await client.query(
          `INSERT INTO chunk_results (run_id, chunk, phase, source_count, processed, worker, finished_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (run_id, chunk) DO UPDATE SET source_count = excluded.source_count,
             processed = excluded.processed, worker = excluded.worker, finished_at = excluded.finished_at`,
          [
            runId,
            job.data.chunk,
            job.data.phase,
            result.sourceCount,
            result.processed,
            worker,
            at.toISOString(),
          ],
        )
        await boss.complete(queueName(job.phaseIndex), job.id, { ...result }, { db: inTransaction(client) })
      })
    },
    async fail(job, message) {
      await boss.fail(queueName(job.phaseIndex), job.id, { message })
    },
    async state(phaseIndex) {
      await ensureQueue(phaseIndex)
      const name = queueName(phaseIndex)
      const beforeCompleted = await boss.getQueueSize(name, { before: 'completed' })
      const active = await countState(name, 'active')
      const failed = await countState(name, 'failed')
      const completed = Number(
        (
          await ledger.pool.query<{ n: string }>(
            `SELECT COUNT(*) AS n FROM chunk_results WHERE run_id = $1 AND chunk LIKE $2`,
            [runId, `%#${phaseIndex}.%`],
          )
        ).rows[0]?.n ?? 0,
      )
      return { waiting: beforeCompleted - active, active, completed, failed }
    },
    async retryFailed(phaseIndex) {
      await ensureQueue(phaseIndex)
      const { rows } = await ledger.pool.query<{ id: string }>(
        `SELECT id FROM "${bossSchema}".job WHERE name = $1 AND state = 'failed'`,
        [queueName(phaseIndex)],
      )
      if (rows.length > 0)
        await boss.retry(
          queueName(phaseIndex),
          rows.map((r) => r.id),
        )
    },
    async results() {
      const { rows } = await ledger.pool.query<{ phase: string; source_count: string; processed: string }>(
        `SELECT phase, SUM(source_count) AS source_count, SUM(processed) AS processed FROM chunk_results
         WHERE run_id = $1 GROUP BY phase`,
        [runId],
      )
      return new Map(
        rows.map((r) => [r.phase, { sourceCount: Number(r.source_count), processed: Number(r.processed) }]),
      )
    },
    async expireLeases() {
      await boss.expire()
    },
    async close() {
      await boss.stop({ graceful: false, wait: true, close: true })
    },
  }
}

/** A slice's name: its phase, the phase's place in the plan and the slice's number (`Accounts#0.3`). */
export function chunkName(phase: string, phaseIndex: number, n: number): string {
  return `${phase}#${phaseIndex}.${n}`
}

/** A UUID from the run and the slice: the same slice is the same job, however often it is enqueued. */
function jobId(runId: string, chunk: string): string {
  const hex = createHash('sha1').update(`${runId}\u0000${chunk}`).digest('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}
