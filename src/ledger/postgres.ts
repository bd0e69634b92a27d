import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { ConfigError, InternalError, MigrationError } from '../errors.ts'
import type { SourceKey } from '../domain/source-key.ts'
import { assertBatchBelongs, invalidBatchReason } from './batch-check.ts'
import type { SourceFix } from './fix-store.ts'
import type { WriteIntent } from './intent-store.ts'
import type {
  BeforeImage,
  Ledger,
  LoadedRecord,
  OutcomeStatus,
  PhaseCounts,
  RecordOutcome,
  RunInfo,
  RunStatus,
} from './ledger.ts'
import { POSTGRES_MIGRATIONS } from './postgres-schema.ts'
import { postgresTarget, type PostgresTarget } from './postgres-url.ts'

/** Rows fetched per query while streaming; no cursor stays open between pages. */
const PAGE = 1000

/**
 * The ledger of a distributed run, in a PostgreSQL schema several machines share (`run.ledger: postgres://…`). It
 * behaves as the SQLite ledger does (both pass test/contract/run-ledger, hash-store, fix-store and intent-store); the
 * schema is versioned the same way ({@link POSTGRES_MIGRATIONS}), and a schema that is not an x2d365 ledger, or one of
 * a newer x2d365, is a ConfigError before anything is written.
 * @example const ledger = await createPostgresLedger('postgres://x2d365@db.example.com/migration?schema=contoso')
 */
export async function createPostgresLedger(url: string): Promise<Ledger & PostgresLedgerExtras> {
  const target = postgresTarget(url)
  const pool = new pg.Pool({
    connectionString: target.connectionString,
    max: 4,
    options: `-c search_path=${target.schema}`,
  })
  // An idle client that loses its server must not crash the process: the next query reports it.
  pool.on('error', () => {})
  try {
    await migrate(pool, target)
  } catch (error) {
    await pool.end()
    throw error
  }
  return createLedgerOn(pool, target)
}

/** What a PostgreSQL ledger offers beyond {@link Ledger}: the pool (the job queue shares it) and where it lives. */
export interface PostgresLedgerExtras {
  readonly pool: pg.Pool
  readonly target: PostgresTarget
  /** Runs `work` in one transaction of the ledger's database (outcomes and a job's completion commit together). */
  transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T>
}

function createLedgerOn(pool: pg.Pool, target: PostgresTarget): Ledger & PostgresLedgerExtras {
  const where = `the PostgreSQL ledger ${target.display}`
  async function transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect()
    try {
      await client.query('BEGIN')
      const result = await work(client)
      await client.query('COMMIT')
      return result
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {})
      throw error
    } finally {
      client.release()
    }
  }
  const query = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) =>
    (await pool.query<R>(text, values)).rows
  const runExists = async (runId: string) =>
    (await query('SELECT 1 FROM runs WHERE run_id = $1', [runId])).length > 0

  return {
    pool,
    target,
    transaction,

    async startRun(kind, params, at) {
      const run: RunInfo = {
        runId: randomUUID(),
        kind,
        status: 'running',
        startedAt: at.toISOString(),
        params,
      }
      await query('INSERT INTO runs (run_id, kind, status, started_at, params) VALUES ($1, $2, $3, $4, $5)', [
        run.runId,
        kind,
        run.status,
        run.startedAt,
        JSON.stringify(params),
      ])
      return run
    },

    async unfinishedRun(kind) {
      const [row] = await query<RunRow>(
        `SELECT * FROM runs WHERE kind = $1 AND status = 'running' ORDER BY started_at DESC, seq DESC LIMIT 1`,
        [kind],
      )
      return row && toRunInfo(row)
    },

    async finishRun(runId, status, at, summary) {
      const { rowCount } = await pool.query(
        'UPDATE runs SET status = $1, finished_at = $2, summary = $3 WHERE run_id = $4',
        [status, at.toISOString(), summary === undefined ? null : JSON.stringify(summary), runId],
      )
      if (rowCount === 0) throw new InternalError(`Cannot finish run ${runId}: the ledger has no such run`)
    },

    async run(runId) {
      const [row] = await query<RunRow>('SELECT * FROM runs WHERE run_id = $1', [runId])
      return row && toRunInfo(row)
    },

    async runs() {
      return (await query<RunRow>('SELECT * FROM runs ORDER BY started_at DESC, seq DESC')).map(toRunInfo)
    },

    async recordBatch(runId, phase, outcomes, checkpoint, hashes) {
      assertBatchBelongs(runId, phase, outcomes)
      const problem = invalidBatchReason(outcomes, checkpoint)
      const fail = (why: string, cause?: unknown) =>
        new MigrationError(
          `${where} could not record a batch of ${outcomes.length} outcomes of ${phase} in run ${runId}; ` +
            `nothing of the batch was kept: ${why}`,
          cause === undefined ? undefined : { cause },
        )
      if (problem !== undefined) throw fail(problem)
      // A key twice in one batch: the later outcome wins, as a replace would.
      const last = new Map(outcomes.map((o) => [o.sourceKey, o]))
      const rows = [...last.values()]
      try {
        await transaction(async (client) => {
          await client.query(
            `INSERT INTO outcomes (run_id, phase, source_key, status, target_id, reason, warnings)
             SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
             ON CONFLICT (run_id, phase, source_key) DO UPDATE SET status = excluded.status,
               target_id = excluded.target_id, reason = excluded.reason, warnings = excluded.warnings,
               seq = nextval('outcomes_seq_seq')`,
            [
              runId,
              phase,
              rows.map((o) => o.sourceKey),
              rows.map((o) => o.status),
              rows.map((o) => o.targetId ?? null),
              rows.map((o) => o.reason ?? null),
              rows.map((o) => (o.warnings && o.warnings.length > 0 ? JSON.stringify(o.warnings) : null)),
            ],
          )
          await client.query(
            `INSERT INTO checkpoints (run_id, phase, last_source_id) VALUES ($1, $2, $3)
             ON CONFLICT (run_id, phase) DO UPDATE SET last_source_id = excluded.last_source_id`,
            [runId, phase, checkpoint.lastSourceId],
          )
          // The content hashes of what the batch loaded, in the same transaction: a kill keeps both or neither.
          if (hashes !== undefined && hashes.hashes.length > 0) {
            const latest = new Map(hashes.hashes.map((h) => [h.id, h.hash]))
            await client.query(
              `INSERT INTO content_hashes (entity, id, hash) SELECT $1, * FROM unnest($2::bigint[], $3::text[])
               ON CONFLICT (entity, id) DO UPDATE SET hash = excluded.hash`,
              [hashes.entity, [...latest.keys()], [...latest.values()]],
            )
          }
        })
      } catch (cause) {
        throw fail(reason(cause), cause)
      }
    },

    async checkpoint(runId, phase) {
      const [row] = await query<{ last_source_id: string }>(
        'SELECT last_source_id FROM checkpoints WHERE run_id = $1 AND phase = $2',
        [runId, phase],
      )
      return row && { lastSourceId: Number(row.last_source_id) }
    },

    async *outcomes(runId, phase) {
      for (let after = '0'; ;) {
        const page = await query<OutcomeRow>(
          `SELECT seq, phase, source_key, status, target_id, reason, warnings FROM outcomes
           WHERE run_id = $1 AND ($2::text IS NULL OR phase = $2) AND seq > $3 ORDER BY seq LIMIT $4`,
          [runId, phase ?? null, after, PAGE],
        )
        for (const row of page) yield toOutcome(runId, row)
        const lastRow = page.at(-1)
        if (lastRow === undefined || page.length < PAGE) return
        after = lastRow.seq
      }
    },

    async counts(runId) {
      const byPhase = new Map<string, PhaseCounts>()
      const rows = await query<{ phase: string; status: OutcomeStatus; n: string }>(
        `SELECT phase, status, COUNT(*) AS n, MIN(seq) AS first FROM outcomes WHERE run_id = $1
         GROUP BY phase, status ORDER BY first`,
        [runId],
      )
      for (const row of rows) {
        let counts = byPhase.get(row.phase)
        if (counts === undefined) {
          counts = {
            phase: row.phase,
            created: 0,
            updated: 0,
            quarantined: 0,
            skipped: 0,
            deleted: 0,
            restored: 0,
          }
          byPhase.set(row.phase, counts)
        }
        counts[row.status] = Number(row.n)
      }
      return [...byPhase.values()]
    },

    async loaded(sourceKeys) {
      const found = new Map<SourceKey, LoadedRecord>()
      const unique = [...new Set(sourceKeys)]
      for (let start = 0; start < unique.length; start += PAGE) {
        const rows = await query<LoadedRow>(
          `SELECT DISTINCT ON (source_key) source_key, target_id, run_id, status, phase FROM outcomes
           WHERE status IN ('created', 'updated', 'deleted', 'restored') AND source_key = ANY($1::text[])
           ORDER BY source_key, seq DESC`,
          [unique.slice(start, start + PAGE)],
        )
        for (const row of rows) {
          if (row.status === 'deleted') continue
          found.set(row.source_key, {
            sourceKey: row.source_key,
            targetId: row.target_id,
            runId: row.run_id,
            phase: row.phase,
          })
        }
      }
      return found
    },

    async sourcesOf(targetIds) {
      const found = new Map<string, SourceKey[]>()
      const unique = [...new Set(targetIds)]
      for (let start = 0; start < unique.length; start += PAGE) {
        const rows = await query<{ target_id: string; source_key: string }>(
          `SELECT target_id, source_key FROM outcomes
           WHERE target_id = ANY($1::text[]) AND status IN ('created', 'updated', 'deleted', 'restored')
           GROUP BY target_id, source_key ORDER BY target_id COLLATE "C", source_key COLLATE "C"`,
          [unique.slice(start, start + PAGE)],
        )
        for (const row of rows)
          found.set(row.target_id, [...(found.get(row.target_id) ?? []), row.source_key])
      }
      return found
    },

    async recordBeforeImages(runId, images) {
      if (!(await runExists(runId))) {
        throw new InternalError(`Cannot keep before-images for run ${runId}: the ledger has no such run`)
      }
      if (images.length === 0) return
      // The first image per row wins, also within one call.
      const first = new Map<string, BeforeImage>()
      for (const image of images) {
        const key = `${image.entitySet}(${image.targetId})`
        if (!first.has(key)) first.set(key, image)
      }
      const rows = [...first.values()]
      await query(
        `INSERT INTO before_images (run_id, phase, entity_set, target_id, row_values)
         SELECT $1, p, e, t, v FROM unnest($2::text[], $3::text[], $4::text[], $5::text[])
           WITH ORDINALITY AS i(p, e, t, v, n)
         ORDER BY n
         ON CONFLICT (run_id, entity_set, target_id) DO NOTHING`,
        [
          runId,
          rows.map((i) => i.phase),
          rows.map((i) => i.entitySet),
          rows.map((i) => i.targetId),
          rows.map((i) => JSON.stringify(i.values)),
        ],
      )
    },

    async *beforeImages(runId) {
      for (let after = '0'; ;) {
        const page = await query<{
          seq: string
          phase: string
          entity_set: string
          target_id: string
          row_values: string
        }>(
          `SELECT seq, phase, entity_set, target_id, row_values FROM before_images
           WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
          [runId, after, PAGE],
        )
        for (const row of page) {
          yield {
            phase: row.phase,
            entitySet: row.entity_set,
            targetId: row.target_id,
            values: JSON.parse(row.row_values) as Record<string, unknown>,
          }
        }
        if (page.length < PAGE) return
        after = page.at(-1)?.seq ?? after
      }
    },

    intents: {
      async record(runId, phase, rows) {
        if (!(await runExists(runId))) {
          throw new InternalError(`Cannot record write intents for run ${runId}: the ledger has no such run`)
        }
        if (rows.length === 0) return
        try {
          await query(
            `INSERT INTO write_intents (run_id, phase, entity_set, target_id, existed, source_key)
             SELECT $1, $2, e, t, x, k
             FROM unnest($3::text[], $4::text[], $5::boolean[], $6::text[]) WITH ORDINALITY AS i(e, t, x, k, n)
             ORDER BY n
             ON CONFLICT (run_id, entity_set, target_id) DO NOTHING`,
            [
              runId,
              phase,
              rows.map((r) => r.entitySet),
              rows.map((r) => r.targetId),
              rows.map((r) => r.existed),
              rows.map((r) => r.sourceKey ?? null),
            ],
          )
        } catch (cause) {
          throw new MigrationError(
            `${where} could not record which ${rows.length} rows ${phase} is about to write in run ${runId}; ` +
              `nothing was sent: ${reason(cause)}`,
            { cause },
          )
        }
      },
      async *all(runId) {
        for (let after = '0'; ;) {
          const page = await query<IntentRowOut & { seq: string }>(
            `SELECT seq, phase, entity_set, target_id, existed, source_key FROM write_intents
             WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
            [runId, after, PAGE],
          )
          for (const row of page) yield toIntent(runId, row)
          if (page.length < PAGE) return
          after = page.at(-1)?.seq ?? after
        }
      },
      async find(runId, entitySet, targetIds) {
        const found = new Map<string, WriteIntent>()
        const unique = [...new Set(targetIds)]
        for (let start = 0; start < unique.length; start += PAGE) {
          const rows = await query<IntentRowOut>(
            `SELECT phase, entity_set, target_id, existed, source_key FROM write_intents
             WHERE run_id = $1 AND entity_set = $2 AND target_id = ANY($3::text[])`,
            [runId, entitySet, unique.slice(start, start + PAGE)],
          )
          for (const row of rows) found.set(row.target_id, toIntent(runId, row))
        }
        return found
      },
      async findBySource(runId, entitySet, sourceKeys) {
        const found = new Map<SourceKey, WriteIntent>()
        const unique = [...new Set(sourceKeys)]
        for (let start = 0; start < unique.length; start += PAGE) {
          const rows = await query<IntentRowOut>(
            `SELECT phase, entity_set, target_id, existed, source_key FROM write_intents
             WHERE run_id = $1 AND entity_set = $2 AND source_key = ANY($3::text[]) ORDER BY seq`,
            [runId, entitySet, unique.slice(start, start + PAGE)],
          )
          for (const row of rows) {
            const intent = toIntent(runId, row)
            if (intent.sourceKey !== undefined && !found.has(intent.sourceKey))
              found.set(intent.sourceKey, intent)
          }
        }
        return found
      },
    },

    contentHashes: {
      async *hashes(entity) {
        for (let after = String(Number.MIN_SAFE_INTEGER); ;) {
          const page = await query<{ id: string; hash: string }>(
            'SELECT id, hash FROM content_hashes WHERE entity = $1 AND id > $2 ORDER BY id LIMIT $3',
            [entity, after, PAGE],
          )
          for (const row of page) yield { id: Number(row.id), hash: row.hash }
          if (page.length < PAGE) return
          after = page.at(-1)?.id ?? after
        }
      },
      async save(entity, hashes) {
        if (hashes.length === 0) return
        const last = new Map(hashes.map((h) => [h.id, h.hash]))
        await query(
          `INSERT INTO content_hashes (entity, id, hash) SELECT $1, * FROM unnest($2::bigint[], $3::text[])
           ON CONFLICT (entity, id) DO UPDATE SET hash = excluded.hash`,
          [entity, [...last.keys()], [...last.values()]],
        )
      },
      async remove(entity, ids) {
        if (ids.length === 0) return
        await query('DELETE FROM content_hashes WHERE entity = $1 AND id = ANY($2::bigint[])', [entity, ids])
      },
    },

    fixes: {
      async add(fixes) {
        const bad = fixes.find((f) => !Number.isSafeInteger(f.id))
        const fail = (why: string, cause?: unknown) =>
          new MigrationError(
            `${where} could not store ${fixes.length} fixes; none was kept: ${why}`,
            cause === undefined ? undefined : { cause },
          )
        if (bad !== undefined) throw fail(`id ${bad.id} is not an integer`)
        if (fixes.length === 0) return
        try {
          await query(
            `INSERT INTO fixes (entity, id, field, value, original, fixed_at, fixed_by)
             SELECT e, i, f, v, o, a, b FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[],
               $6::text[], $7::text[]) WITH ORDINALITY AS x(e, i, f, v, o, a, b, n) ORDER BY n`,
            [
              fixes.map((f) => f.entity),
              fixes.map((f) => f.id),
              fixes.map((f) => f.field),
              fixes.map((f) => f.value),
              fixes.map((f) => f.original),
              fixes.map((f) => f.fixedAt),
              fixes.map((f) => f.fixedBy),
            ],
          )
        } catch (cause) {
          throw fail(reason(cause), cause)
        }
      },
      async current() {
        const rows = await query<FixRow>(
          `SELECT entity, id, field, value, original, fixed_at, fixed_by FROM fixes
           WHERE seq IN (SELECT MAX(seq) FROM fixes GROUP BY entity, id, field)
           ORDER BY entity COLLATE "C", id, field COLLATE "C"`,
        )
        return rows.map((row): SourceFix => ({
          entity: row.entity,
          id: Number(row.id),
          field: row.field,
          value: row.value,
          original: row.original,
          fixedAt: row.fixed_at,
          fixedBy: row.fixed_by,
        }))
      },
    },

    async close() {
      await pool.end()
    },
  }
}

/**
 * Creates the schema or brings it to {@link POSTGRES_MIGRATIONS}' version, under an advisory lock so that workers
 * starting together upgrade it once. Refuses a schema that holds other tables and no ledger, or a newer ledger.
 */
async function migrate(pool: pg.Pool, target: PostgresTarget): Promise<void> {
  const named = `ledger: ${target.display}`
  let client: pg.PoolClient
  try {
    client = await pool.connect()
  } catch (cause) {
    throw new ConfigError(
      [
        `${named}: no PostgreSQL server answered (${reason(cause)}); check run.ledger's host, port, database and user, ` +
          'and that this machine can reach the server',
      ],
      { cause },
    )
  }
  try {
    await client.query('BEGIN')
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`x2d365 ledger ${target.schema}`])
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(target.schema)}`)
    await client.query(`SET LOCAL search_path TO ${quoteIdent(target.schema)}`)
    const tables = (
      await client.query<{ table_name: string }>(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
        [target.schema],
      )
    ).rows.map((r) => r.table_name)
    let version = 0
    if (tables.includes('x2d365_ledger')) {
      const rows = (await client.query<{ version: number }>('SELECT version FROM x2d365_ledger')).rows
      const row = rows[0]
      if (rows.length !== 1 || row === undefined || !Number.isInteger(row.version)) {
        throw new ConfigError([damaged(named, `its version table holds ${rows.length} rows`)])
      }
      version = row.version
      if (!tables.includes('runs') || version < 1)
        throw new ConfigError([damaged(named, 'its runs table is missing')])
    } else if (tables.length > 0) {
      throw new ConfigError([
        `${named}: schema ${target.schema} holds tables that are not an x2d365 ledger (${tables.slice(0, 5).join(', ')}); ` +
          'point run.ledger at another schema (?schema=…) or database',
      ])
    }
    if (version > POSTGRES_MIGRATIONS.length) {
      throw new ConfigError([
        `${named} was written by a newer x2d365 (ledger schema ${version}, this one knows ${POSTGRES_MIGRATIONS.length}); ` +
          'upgrade x2d365 on this machine to use it',
      ])
    }
    if (version === 0) await client.query('CREATE TABLE x2d365_ledger (version integer NOT NULL)')
    for (const sql of POSTGRES_MIGRATIONS.slice(version)) await client.query(sql)
    await client.query('DELETE FROM x2d365_ledger')
    await client.query('INSERT INTO x2d365_ledger (version) VALUES ($1)', [POSTGRES_MIGRATIONS.length])
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    if (error instanceof ConfigError) throw error
    throw new ConfigError([damaged(named, reason(error))], { cause: error })
  } finally {
    client.release()
  }
}

function damaged(named: string, finding: string): string {
  return (
    `${named} is damaged or not an x2d365 ledger (${finding}); nothing was written to it. Restore the schema from a ` +
    'backup, or point run.ledger at a new schema (a new ledger does not know what earlier runs loaded)'
  )
}

function reason(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause)
}

/** A schema name as an SQL identifier (postgresTarget allows only letters, digits and `_`, so this is belt and braces). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

interface RunRow {
  run_id: string
  kind: string
  status: RunStatus
  started_at: string
  finished_at: string | null
  params: string
  summary: string | null
}

interface OutcomeRow {
  seq: string
  phase: string
  source_key: string
  status: OutcomeStatus
  target_id: string | null
  reason: string | null
  warnings: string | null
}

interface LoadedRow {
  source_key: string
  target_id: string
  run_id: string
  phase: string
  status: OutcomeStatus
}

interface IntentRowOut {
  phase: string
  entity_set: string
  target_id: string
  existed: boolean
  source_key: string | null
}

interface FixRow {
  entity: string
  id: string
  field: string
  value: string
  original: string | null
  fixed_at: string
  fixed_by: string
}

function toRunInfo(row: RunRow): RunInfo {
  return {
    runId: row.run_id,
    kind: row.kind,
    status: row.status,
    startedAt: row.started_at,
    ...(row.finished_at !== null && { finishedAt: row.finished_at }),
    params: JSON.parse(row.params) as Record<string, unknown>,
    ...(row.summary !== null && { summary: JSON.parse(row.summary) as Record<string, unknown> }),
  }
}

function toOutcome(runId: string, row: OutcomeRow): RecordOutcome {
  return {
    runId,
    phase: row.phase,
    sourceKey: row.source_key,
    status: row.status,
    ...(row.target_id !== null && { targetId: row.target_id }),
    ...(row.reason !== null && { reason: row.reason }),
    ...(row.warnings !== null && { warnings: JSON.parse(row.warnings) as string[] }),
  }
}

function toIntent(runId: string, row: IntentRowOut): WriteIntent {
  return {
    runId,
    phase: row.phase,
    entitySet: row.entity_set,
    targetId: row.target_id,
    existed: row.existed,
    ...(row.source_key !== null && { sourceKey: row.source_key }),
  }
}

/**
 * {@link createPostgresLedger} without waiting: the connection and the schema check happen on the first call, which
 * fails (with the same ConfigError) when the server does not answer or the schema is not a ledger. For callers that
 * wire their connections synchronously (the CLI's `connect`).
 */
export function openPostgresLedger(url: string): Ledger {
  // A malformed URL is refused now, before any connection.
  postgresTarget(url)
  const opening = createPostgresLedger(url)
  // Reported by the first call that awaits it, not as an unhandled rejection.
  opening.catch(() => {})
  const ready = () => opening
  return {
    startRun: async (...a) => (await ready()).startRun(...a),
    unfinishedRun: async (...a) => (await ready()).unfinishedRun(...a),
    finishRun: async (...a) => (await ready()).finishRun(...a),
    run: async (...a) => (await ready()).run(...a),
    runs: async () => (await ready()).runs(),
    recordBatch: async (...a) => (await ready()).recordBatch(...a),
    checkpoint: async (...a) => (await ready()).checkpoint(...a),
    async *outcomes(...a) {
      yield* (await ready()).outcomes(...a)
    },
    counts: async (...a) => (await ready()).counts(...a),
    loaded: async (...a) => (await ready()).loaded(...a),
    sourcesOf: async (...a) => (await ready()).sourcesOf(...a),
    recordBeforeImages: async (...a) => (await ready()).recordBeforeImages(...a),
    async *beforeImages(...a) {
      yield* (await ready()).beforeImages(...a)
    },
    intents: {
      record: async (...a) => (await ready()).intents.record(...a),
      async *all(...a) {
        yield* (await ready()).intents.all(...a)
      },
      find: async (...a) => (await ready()).intents.find(...a),
      findBySource: async (...a) => (await ready()).intents.findBySource(...a),
    },
    contentHashes: {
      async *hashes(...a) {
        yield* (await ready()).contentHashes.hashes(...a)
      },
      save: async (...a) => (await ready()).contentHashes.save(...a),
      remove: async (...a) => (await ready()).contentHashes.remove(...a),
    },
    fixes: {
      add: async (...a) => (await ready()).fixes.add(...a),
      current: async () => (await ready()).fixes.current(),
    },
    async close() {
      // A ledger that never opened has nothing to close.
      const ledger = await opening.catch(() => undefined)
      await ledger?.close()
    },
  }
}
