import { randomUUID } from 'node:crypto'
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import Database from 'better-sqlite3'
import { ConfigError, InternalError, MigrationError } from '../errors.ts'
import { pathProblem } from '../paths.ts'
import type { RecordHash } from '../domain/record-hash.ts'
import type { SourceKey } from '../domain/source-key.ts'
import { assertBatchBelongs } from './batch-check.ts'
import { rowsWriter } from './sqlite-rows.ts'
import type { SourceFix } from './fix-store.ts'
import type { IntentRow, WriteIntent } from './intent-store.ts'
import type {
  BeforeImage,
  Checkpoint,
  Ledger,
  LoadedRecord,
  OutcomeStatus,
  PhaseCounts,
  RecordOutcome,
  RunId,
  RunInfo,
  RunStatus,
} from './ledger.ts'

/**
 * Schema changes, oldest first. `PRAGMA user_version` holds how many have been applied; a new version appends a
 * step here and never edits an old one, so a ledger written by an older x2d365 opens and upgrades in place.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE runs (
    run_id      TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    params      TEXT NOT NULL
  );
  CREATE INDEX runs_by_kind ON runs (kind, status);

  -- A rowid table on purpose: REPLACE gives the new row a rowid above every other one, so rowid is write order,
  -- which outcomes() follows and loaded() uses to find the newest outcome of a record.
  CREATE TABLE outcomes (
    run_id     TEXT NOT NULL REFERENCES runs (run_id),
    phase      TEXT NOT NULL,
    source_key TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('created', 'updated', 'quarantined', 'skipped')),
    target_id  TEXT,
    reason     TEXT,
    warnings   TEXT,
    PRIMARY KEY (run_id, phase, source_key),
    CHECK (status NOT IN ('created', 'updated') OR target_id IS NOT NULL)
  );
  CREATE INDEX outcomes_by_run ON outcomes (run_id);
  CREATE INDEX outcomes_by_run_phase ON outcomes (run_id, phase);
  CREATE INDEX outcomes_loaded ON outcomes (source_key) WHERE status IN ('created', 'updated');

  CREATE TABLE checkpoints (
    run_id         TEXT NOT NULL REFERENCES runs (run_id),
    phase          TEXT NOT NULL,
    last_source_id INTEGER NOT NULL CHECK (typeof(last_source_id) = 'integer'),
    PRIMARY KEY (run_id, phase)
  );
  `,
  // 2: a finished run keeps its conclusion (reconciliation, timings) for reports.
  `ALTER TABLE runs ADD COLUMN summary TEXT;`,
  // 3: rows as they were before a run changed them, for rollback.
  `
  CREATE TABLE before_images (
    run_id     TEXT NOT NULL REFERENCES runs (run_id),
    phase      TEXT NOT NULL,
    entity_set TEXT NOT NULL,
    target_id  TEXT NOT NULL,
    row_values TEXT NOT NULL,
    PRIMARY KEY (run_id, entity_set, target_id)
  );
  `,
  // 4: rollback outcomes (deleted, restored). SQLite cannot alter a CHECK, so the table is rebuilt in place.
  `
  CREATE TABLE outcomes_v4 (
    run_id     TEXT NOT NULL REFERENCES runs (run_id),
    phase      TEXT NOT NULL,
    source_key TEXT NOT NULL,
    status     TEXT NOT NULL
               CHECK (status IN ('created', 'updated', 'quarantined', 'skipped', 'deleted', 'restored')),
    target_id  TEXT,
    reason     TEXT,
    warnings   TEXT,
    PRIMARY KEY (run_id, phase, source_key),
    CHECK (status NOT IN ('created', 'updated', 'deleted', 'restored') OR target_id IS NOT NULL)
  );
  INSERT INTO outcomes_v4 (rowid, run_id, phase, source_key, status, target_id, reason, warnings)
    SELECT rowid, run_id, phase, source_key, status, target_id, reason, warnings FROM outcomes;
  DROP TABLE outcomes;
  ALTER TABLE outcomes_v4 RENAME TO outcomes;
  CREATE INDEX outcomes_by_run ON outcomes (run_id);
  CREATE INDEX outcomes_by_run_phase ON outcomes (run_id, phase);
  CREATE INDEX outcomes_rows ON outcomes (source_key) WHERE status IN ('created', 'updated', 'deleted', 'restored');
  `,
  // 5: content hashes of loaded source records, for delta.
  `
  CREATE TABLE content_hashes (
    entity TEXT NOT NULL,
    id     INTEGER NOT NULL,
    hash   TEXT NOT NULL,
    PRIMARY KEY (entity, id)
  ) WITHOUT ROWID;
  `,
  // 6: values a person corrected (x2d365 fix). A history: rowid is write order, the newest fix of a field wins.
  `
  CREATE TABLE fixes (
    entity    TEXT NOT NULL,
    id        INTEGER NOT NULL CHECK (typeof(id) = 'integer'),
    field     TEXT NOT NULL,
    value     TEXT NOT NULL,
    original  TEXT,
    fixed_at  TEXT NOT NULL,
    fixed_by  TEXT NOT NULL
  );
  CREATE INDEX fixes_by_field ON fixes (entity, id, field);
  `,
  // 7: which source records wrote a Dataverse row (dedupe must not match a row the ledger already knows).
  `CREATE INDEX outcomes_by_target ON outcomes (target_id);`,
  // 8: the rows a run may write, recorded before each write (a killed run still says what it may have created).
  `
  CREATE TABLE write_intents (
    run_id     TEXT NOT NULL REFERENCES runs (run_id),
    phase      TEXT NOT NULL,
    entity_set TEXT NOT NULL,
    target_id  TEXT NOT NULL,
    existed    INTEGER NOT NULL CHECK (existed IN (0, 1)),
    PRIMARY KEY (run_id, entity_set, target_id)
  );
  `,
  // 9: the source record an intent writes for, so a resumed run finds a dedupe match it made before being killed.
  `
  ALTER TABLE write_intents ADD COLUMN source_key TEXT;
  CREATE INDEX write_intents_by_source ON write_intents (run_id, entity_set, source_key) WHERE source_key IS NOT NULL;
  `,
]

/** Every outcome status, each a column of {@link PhaseCounts}: a status added to OutcomeStatus must be added here. */
const COUNTED: { readonly [S in OutcomeStatus]: S & keyof PhaseCounts } = {
  created: 'created',
  updated: 'updated',
  quarantined: 'quarantined',
  skipped: 'skipped',
  deleted: 'deleted',
  restored: 'restored',
}
const STATUSES = Object.values(COUNTED)

/** Keys per `IN (...)` list: a 1,000-key call is one query, and no list comes near SQLite's variable limit. */
const LOADED_CHUNK = 1000
/**
 * A key list padded (with its last key again: `IN` ignores repeats) to the next of a few sizes, so that a ledger
 * prepares at most ~10 statements per query instead of one per list length seen (up to 1,000), each holding its
 * compiled program in native memory for the whole run.
 */
function padded(keys: string[]): string[] {
  const size = Math.min(LOADED_CHUNK, 2 ** Math.ceil(Math.log2(Math.max(1, keys.length))))
  const last = keys.at(-1)
  return last === undefined || size === keys.length
    ? keys
    : [...keys, ...Array<string>(size - keys.length).fill(last)]
}
/** Rows fetched per query while streaming outcomes; no cursor stays open between pages. */
const OUTCOME_PAGE = 1000

interface RunRow {
  run_id: string
  kind: string
  status: RunStatus
  started_at: string
  finished_at: string | null
  params: string
  summary: string | null
}

interface IntentRowOut {
  phase: string
  entity_set: string
  target_id: string
  existed: number
  source_key: string | null
}

interface OutcomeRow {
  seq: number
  phase: string
  source_key: string
  status: OutcomeStatus
  target_id: string | null
  reason: string | null
  warnings: string | null
}

export interface SqliteLedgerOptions {
  /**
   * Open for reading only (`report`): the file is never written, a ledger of an older schema is upgraded in a copy
   * in memory, and a read-only file works. Writing through such a ledger fails. @default false
   */
  readonly?: boolean
  /**
   * When SQLite's `quick_check` (which reads every page: ~0.1 s for 20,000 outcomes, ~1 s for 200,000) runs on open.
   * `'auto'`: only after an unclean shutdown — a WAL file left beside the ledger, or a run left `running` — else a
   * cheap check of the header (a file shorter than its header says is damaged), the schema and the tables. `'full'`:
   * on every open; `X2D365_LEDGER_CHECK=full` in the environment asks for it too. @default 'auto'
   */
  integrityCheck?: 'auto' | 'full'
  /**
   * The file was checked ({@link checkLedgerFile}) by the thread that opened it just before: the ledger's own thread
   * (thread-ledger.ts) does not read every page a second time. @default false
   */
  checked?: boolean
}

/**
 * The ledger of real runs, in one SQLite file (WAL mode). `':memory:'` gives a private in-memory database.
 * The file is checked before anything is written to it ({@link checkLedgerFile}): a path that cannot hold it, a file
 * that is not a ledger, a damaged one or one of a newer x2d365 is a ConfigError, and the file stays as it was.
 * @example const ledger = createSqliteLedger('.x2d365/ledger.sqlite')
 */
export function createSqliteLedger(path: string, options: SqliteLedgerOptions = {}): Ledger {
  if (path !== ':memory:' && options.checked !== true) checkLedgerFile(path, options)
  const db = options.readonly ? openReadonly(path) : openForWriting(path)

  const insertRun = db.prepare(
    'INSERT INTO runs (run_id, kind, status, started_at, params) VALUES (?, ?, ?, ?, ?)',
  )
  const selectRun = db.prepare<[string], RunRow>('SELECT * FROM runs WHERE run_id = ?')
  const selectRuns = db.prepare<[], RunRow>('SELECT * FROM runs ORDER BY started_at DESC, rowid DESC')
  const selectUnfinished = db.prepare<[string], RunRow>(
    `SELECT * FROM runs WHERE kind = ? AND status = 'running' ORDER BY started_at DESC, rowid DESC LIMIT 1`,
  )
  const updateRun = db.prepare('UPDATE runs SET status = ?, finished_at = ?, summary = ? WHERE run_id = ?')
  const upsertOutcomes = rowsWriter(
    db,
    'INSERT OR REPLACE INTO outcomes (run_id, phase, source_key, status, target_id, reason, warnings)',
    7,
  )
  const upsertCheckpoint = db.prepare(
    'INSERT OR REPLACE INTO checkpoints (run_id, phase, last_source_id) VALUES (?, ?, ?)',
  )
  const selectCheckpoint = db.prepare<[string, string], { last_source_id: number }>(
    'SELECT last_source_id FROM checkpoints WHERE run_id = ? AND phase = ?',
  )
  // One group per phase, in the order of outcomes_by_run_phase: no sort of the run's outcomes by (phase, status), a
  // quarter less CPU than grouping by both (migrate counts at the start of each read). Phases in order of first write.
  const selectCounts = db.prepare<[string], PhaseCounts>(
    `SELECT phase, ${STATUSES.map((s) => `SUM(status = '${s}') AS ${s}`).join(', ')}
     FROM outcomes WHERE run_id = ? GROUP BY phase ORDER BY MIN(rowid)`,
  )
  const selectPage = db.prepare<[string, number, number], OutcomeRow>(
    `SELECT rowid AS seq, phase, source_key, status, target_id, reason, warnings FROM outcomes
     WHERE run_id = ? AND rowid > ? ORDER BY rowid LIMIT ?`,
  )
  const selectPhasePage = db.prepare<[string, string, number, number], OutcomeRow>(
    `SELECT rowid AS seq, phase, source_key, status, target_id, reason, warnings FROM outcomes
     WHERE run_id = ? AND phase = ? AND rowid > ? ORDER BY rowid LIMIT ?`,
  )
  const insertImages = rowsWriter(
    db,
    'INSERT OR IGNORE INTO before_images (run_id, phase, entity_set, target_id, row_values)',
    5,
  )
  const selectImagePage = db.prepare<
    [string, number, number],
    { seq: number; phase: string; entity_set: string; target_id: string; row_values: string }
  >(
    `SELECT rowid AS seq, phase, entity_set, target_id, row_values FROM before_images
     WHERE run_id = ? AND rowid > ? ORDER BY rowid LIMIT ?`,
  )
  const writeImages = db.transaction((runId: RunId, images: readonly BeforeImage[]) => {
    insertImages(
      images.flatMap((image) => [
        runId,
        image.phase,
        image.entitySet,
        image.targetId,
        JSON.stringify(image.values),
      ]),
    )
  })
  const selectHashPage = db.prepare<[string, number, number], { id: number; hash: string }>(
    'SELECT id, hash FROM content_hashes WHERE entity = ? AND id > ? ORDER BY id LIMIT ?',
  )
  const upsertHashes = rowsWriter(db, 'INSERT OR REPLACE INTO content_hashes (entity, id, hash)', 3)
  const hashValues = (entity: string, hashes: readonly RecordHash[]) =>
    hashes.flatMap(({ id, hash }) => [entity, id, hash])
  const deleteHash = db.prepare('DELETE FROM content_hashes WHERE entity = ? AND id = ?')
  const saveHashes = db.transaction((entity: string, hashes: readonly RecordHash[]) => {
    upsertHashes(hashValues(entity, hashes))
  })
  const removeHashes = db.transaction((entity: string, ids: readonly number[]) => {
    for (const id of ids) deleteHash.run(entity, id)
  })
  const insertFix = db.prepare(
    'INSERT INTO fixes (entity, id, field, value, original, fixed_at, fixed_by) VALUES (?, ?, ?, ?, ?, ?, ?)',
  )
  const addFixes = db.transaction((fixes: readonly SourceFix[]) => {
    for (const f of fixes) insertFix.run(f.entity, f.id, f.field, f.value, f.original, f.fixedAt, f.fixedBy)
  })
  const selectFixes = db.prepare<[], FixRow>(
    `SELECT entity, id, field, value, original, fixed_at, fixed_by FROM fixes
     WHERE rowid IN (SELECT MAX(rowid) FROM fixes GROUP BY entity, id, field)
     ORDER BY entity, id, field`,
  )
  const insertIntents = rowsWriter(
    db,
    'INSERT OR IGNORE INTO write_intents (run_id, phase, entity_set, target_id, existed, source_key)',
    6,
  )
  const writeIntents = db.transaction((runId: string, phase: string, rows: readonly IntentRow[]) => {
    insertIntents(
      rows.flatMap((r) => [runId, phase, r.entitySet, r.targetId, r.existed ? 1 : 0, r.sourceKey ?? null]),
    )
  })
  const selectIntentPage = db.prepare<[string, number, number], IntentRowOut & { seq: number }>(
    `SELECT rowid AS seq, phase, entity_set, target_id, existed, source_key FROM write_intents
     WHERE run_id = ? AND rowid > ? ORDER BY rowid LIMIT ?`,
  )
  const intentStatements = new Map<string, Database.Statement<string[], IntentRowOut>>()
  function intentStatement(
    by: 'target_id' | 'source_key',
    size: number,
  ): Database.Statement<string[], IntentRowOut> {
    let statement = intentStatements.get(`${by}:${size}`)
    if (statement === undefined) {
      statement = db.prepare<string[], IntentRowOut>(
        `SELECT phase, entity_set, target_id, existed, source_key FROM write_intents
         WHERE run_id = ? AND entity_set = ? AND ${by} IN (${Array(size).fill('?').join(', ')})
         ORDER BY rowid`,
      )
      intentStatements.set(`${by}:${size}`, statement)
    }
    return statement
  }
  const toIntent = (runId: string, row: IntentRowOut): WriteIntent => ({
    runId,
    phase: row.phase,
    entitySet: row.entity_set,
    targetId: row.target_id,
    existed: row.existed === 1,
    ...(row.source_key !== null && { sourceKey: row.source_key }),
  })
  const loadedStatements = new Map<number, Database.Statement<string[], LoadedRow>>()
  const sourcesStatements = new Map<number, Database.Statement<string[], SourcesRow>>()

  const writeBatch = db.transaction(
    (
      runId: RunId,
      phase: string,
      outcomes: readonly RecordOutcome[],
      checkpoint: Checkpoint,
      hashes?: { entity: string; hashes: readonly RecordHash[] },
    ) => {
      upsertOutcomes(
        outcomes.flatMap((o) => [
          runId,
          phase,
          o.sourceKey,
          o.status,
          o.targetId ?? null,
          o.reason ?? null,
          o.warnings && o.warnings.length > 0 ? JSON.stringify(o.warnings) : null,
        ]),
      )
      upsertCheckpoint.run(runId, phase, checkpoint.lastSourceId)
      // Not saveHashes: a transaction inside this one would be a savepoint, for nothing.
      if (hashes !== undefined) upsertHashes(hashValues(hashes.entity, hashes.hashes))
    },
  )

  function loadedStatement(size: number): Database.Statement<string[], LoadedRow> {
    let statement = loadedStatements.get(size)
    if (statement === undefined) {
      // SQLite returns the bare columns of the row that holds MAX(rowid): the newest loaded outcome per key.
      statement = db.prepare<string[], LoadedRow>(
        `SELECT source_key, target_id, run_id, status, phase, MAX(rowid) AS seq FROM outcomes
         WHERE status IN ('created', 'updated', 'deleted', 'restored')
           AND source_key IN (${Array(size).fill('?').join(', ')})
         GROUP BY source_key`,
      )
      loadedStatements.set(size, statement)
    }
    return statement
  }

  function sourcesStatement(size: number): Database.Statement<string[], SourcesRow> {
    let statement = sourcesStatements.get(size)
    if (statement === undefined) {
      statement = db.prepare<string[], SourcesRow>(
        `SELECT DISTINCT target_id, source_key FROM outcomes
         WHERE target_id IN (${Array(size).fill('?').join(', ')})
           AND status IN ('created', 'updated', 'deleted', 'restored')
         ORDER BY target_id, source_key`,
      )
      sourcesStatements.set(size, statement)
    }
    return statement
  }

  return {
    async startRun(kind, params, at) {
      const run: RunInfo = {
        runId: randomUUID(),
        kind,
        status: 'running',
        startedAt: at.toISOString(),
        params,
      }
      insertRun.run(run.runId, kind, run.status, run.startedAt, JSON.stringify(params))
      return run
    },

    async unfinishedRun(kind) {
      const row = selectUnfinished.get(kind)
      return row && toRunInfo(row)
    },

    async finishRun(runId, status, at, summary) {
      const { changes } = updateRun.run(
        status,
        at.toISOString(),
        summary === undefined ? null : JSON.stringify(summary),
        runId,
      )
      if (changes === 0) throw new InternalError(`Cannot finish run ${runId}: the ledger has no such run`)
    },

    async run(runId) {
      const row = selectRun.get(runId)
      return row && toRunInfo(row)
    },

    async runs() {
      return selectRuns.all().map(toRunInfo)
    },

    async recordBatch(runId, phase, outcomes, checkpoint, hashes) {
      assertBatchBelongs(runId, phase, outcomes)
      try {
        writeBatch(runId, phase, outcomes, checkpoint, hashes)
      } catch (cause) {
        throw new MigrationError(
          `The ledger ${path} could not record a batch of ${outcomes.length} outcomes of ${phase} in run ${runId}; ` +
            `nothing of the batch was kept: ${cause instanceof Error ? cause.message : String(cause)}`,
          { cause },
        )
      }
    },

    async checkpoint(runId, phase) {
      const row = selectCheckpoint.get(runId, phase)
      return row && { lastSourceId: row.last_source_id }
    },

    async *outcomes(runId, phase) {
      // Keyset pages instead of one open iterator: the caller may write to the ledger between two records.
      for (let after = 0; ;) {
        const page =
          phase === undefined
            ? selectPage.all(runId, after, OUTCOME_PAGE)
            : selectPhasePage.all(runId, phase, after, OUTCOME_PAGE)
        for (const row of page) yield toOutcome(runId, row)
        const last = page.at(-1)
        if (last === undefined || page.length < OUTCOME_PAGE) return
        after = last.seq
      }
    },

    async counts(runId) {
      return selectCounts.all(runId)
    },

    async loaded(sourceKeys) {
      const found = new Map<SourceKey, LoadedRecord>()
      const unique = [...new Set(sourceKeys)]
      for (let start = 0; start < unique.length; start += LOADED_CHUNK) {
        const chunk = padded(unique.slice(start, start + LOADED_CHUNK))
        for (const row of loadedStatement(chunk.length).all(...chunk)) {
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
      for (let start = 0; start < unique.length; start += LOADED_CHUNK) {
        const chunk = padded(unique.slice(start, start + LOADED_CHUNK))
        for (const row of sourcesStatement(chunk.length).all(...chunk)) {
          found.set(row.target_id, [...(found.get(row.target_id) ?? []), row.source_key])
        }
      }
      return found
    },

    async recordBeforeImages(runId, images) {
      if (selectRun.get(runId) === undefined) {
        throw new InternalError(`Cannot keep before-images for run ${runId}: the ledger has no such run`)
      }
      writeImages(runId, images)
    },

    async *beforeImages(runId) {
      for (let after = 0; ;) {
        const page = selectImagePage.all(runId, after, OUTCOME_PAGE)
        for (const row of page) {
          yield {
            phase: row.phase,
            entitySet: row.entity_set,
            targetId: row.target_id,
            values: JSON.parse(row.row_values) as Record<string, unknown>,
          }
        }
        if (page.length < OUTCOME_PAGE) return
        after = page.at(-1)?.seq ?? after
      }
    },

    intents: {
      async record(runId, phase, rows) {
        if (selectRun.get(runId) === undefined) {
          throw new InternalError(`Cannot record write intents for run ${runId}: the ledger has no such run`)
        }
        try {
          writeIntents(runId, phase, rows)
        } catch (cause) {
          throw new MigrationError(
            `The ledger ${path} could not record which ${rows.length} rows ${phase} is about to write in run ` +
              `${runId}; nothing was sent: ${cause instanceof Error ? cause.message : String(cause)}`,
            { cause },
          )
        }
      },
      async *all(runId) {
        for (let after = 0; ;) {
          const page = selectIntentPage.all(runId, after, OUTCOME_PAGE)
          for (const row of page) yield toIntent(runId, row)
          if (page.length < OUTCOME_PAGE) return
          after = page.at(-1)?.seq ?? after
        }
      },
      async find(runId, entitySet, targetIds) {
        const found = new Map<string, WriteIntent>()
        const unique = [...new Set(targetIds)]
        for (let start = 0; start < unique.length; start += LOADED_CHUNK) {
          const chunk = padded(unique.slice(start, start + LOADED_CHUNK))
          for (const row of intentStatement('target_id', chunk.length).all(runId, entitySet, ...chunk))
            found.set(row.target_id, toIntent(runId, row))
        }
        return found
      },
      async findBySource(runId, entitySet, sourceKeys) {
        const found = new Map<SourceKey, WriteIntent>()
        const unique = [...new Set(sourceKeys)]
        for (let start = 0; start < unique.length; start += LOADED_CHUNK) {
          const chunk = padded(unique.slice(start, start + LOADED_CHUNK))
          for (const row of intentStatement('source_key', chunk.length).all(runId, entitySet, ...chunk)) {
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
        for (let after = Number.MIN_SAFE_INTEGER; ;) {
          const page = selectHashPage.all(entity, after, OUTCOME_PAGE)
          for (const row of page) yield { id: row.id, hash: row.hash }
          if (page.length < OUTCOME_PAGE) return
          after = page.at(-1)?.id ?? after
        }
      },
      async save(entity, hashes) {
        saveHashes(entity, hashes)
      },
      async remove(entity, ids) {
        removeHashes(entity, ids)
      },
    },

    fixes: {
      async add(fixes) {
        try {
          addFixes(fixes)
        } catch (cause) {
          throw new MigrationError(
            `The ledger ${path} could not store ${fixes.length} fixes; none was kept: ${cause instanceof Error ? cause.message : String(cause)}`,
            { cause },
          )
        }
      },
      async current() {
        return selectFixes.all().map((row) => ({
          entity: row.entity,
          id: row.id,
          field: row.field,
          value: row.value,
          original: row.original,
          fixedAt: row.fixed_at,
          fixedBy: row.fixed_by,
        }))
      },
    },

    async close() {
      db.close()
    },
  }
}

interface FixRow {
  entity: string
  id: number
  field: string
  value: string
  original: string | null
  fixed_at: string
  fixed_by: string
}

interface SourcesRow {
  target_id: string
  source_key: string
}

interface LoadedRow {
  source_key: string
  target_id: string
  run_id: string
  phase: string
  status: OutcomeStatus
}

function openForWriting(path: string): Database.Database {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  // WAL + NORMAL: a batch survives a killed process; only an OS crash can lose the last commits, which the
  // deterministic ids make harmless (the rows are upserted again).
  db.pragma('synchronous = NORMAL')
  // A checkpoint every 10,000 pages (40 MB of WAL) rather than SQLite's 1,000: each outcome and write intent lands on
  // a random page of a UUID index (outcomes_by_target, write_intents' key), so a small WAL copies the same pages back
  // to the file again and again, with an fsync each time, on the thread that migrates. 200,000 outcomes and intents
  // in batches of 100: 12.4 → 10.6 s of CPU, 52 → 41 s of wall time (docs/performance.md, Session 5).
  db.pragma('wal_autocheckpoint = 10000')
  db.pragma('foreign_keys = ON')
  // The statement journal in memory, not in a temporary file: SQLite keeps the pages each statement of a transaction
  // changes there until the statement ends (to undo only that statement if it fails), and spills it to a file past
  // 64 KB, which every multi-row INSERT of a batch passes. Nothing of it outlives the transaction, so durability is
  // the same; the ledger sorts only small results (IN lists, a run's phases), so temporary tables stay small too.
  // 20,000 records (bench/ledger.ts): 351 -> 156 MB written, half of them (and of the write calls) gone.
  db.pragma('temp_store = MEMORY')
  migrate(db)
  return db
}

function openReadonly(path: string): Database.Database {
  const db = new Database(path, { readonly: true, fileMustExist: true })
  if (schemaVersion(db) === MIGRATIONS.length) return db
  // An older schema: upgraded in a copy, so that reading never writes the file.
  const image = db.serialize()
  db.close()
  // Header bytes 18 and 19 say WAL (2); an in-memory database has no WAL and refuses to open with them.
  image[18] = 1
  image[19] = 1
  const copy = new Database(image)
  migrate(copy)
  copy.pragma('query_only = ON')
  return copy
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1')

/**
 * Refuses, with a ConfigError and before anything writes to it, a ledger path that cannot hold a file (a folder, a
 * device, /proc, a parent that is a file, a read-only place) and an existing file that is not an x2d365 ledger: not
 * a SQLite database, damaged (SQLite's `quick_check`), another program's database, or a newer x2d365's schema. The
 * file is read through a read-only connection, so a refused file keeps its bytes.
 */
export function checkLedgerFile(path: string, options: SqliteLedgerOptions = {}): void {
  const readOnly = options.readonly === true
  const problem = pathProblem({ path, what: 'ledger', kind: 'file', readOnly })
  if (problem !== undefined) throw new ConfigError([problem])
  if (!existsSync(path)) return
  const named = `ledger: ${resolve(path)}`
  const header = Buffer.alloc(100)
  const file = openSync(path, 'r')
  let read: number
  try {
    read = readSync(file, header, 0, header.length, 0)
  } finally {
    closeSync(file)
  }
  // An empty file is an empty database: SQLite starts a ledger in it.
  if (read === 0) return
  if (read < SQLITE_HEADER.length || !header.subarray(0, SQLITE_HEADER.length).equals(SQLITE_HEADER)) {
    throw new ConfigError([
      `${named} is not a SQLite database, so not an x2d365 ledger; point run.ledger (or --ledger) at the ledger, or ` +
        'at a new path to start one',
    ])
  }
  let db: Database.Database | undefined
  try {
    const wal = walLeft(path)
    const short = wal ? undefined : shorterThanItsHeader(header.subarray(0, read), statSync(path).size)
    if (short !== undefined) throw new ConfigError([damaged(named, short)])
    db = new Database(path, { readonly: true, fileMustExist: true })
    const version = schemaVersion(db)
    const full =
      options.integrityCheck === 'full' ||
      process.env['X2D365_LEDGER_CHECK'] === 'full' ||
      wal ||
      (version > 0 && version <= MIGRATIONS.length && runLeftRunning(db))
    if (full) {
      const check = db.pragma('quick_check(5)', { simple: false }) as { quick_check: string }[]
      const findings = check.map((row) => row.quick_check).filter((finding) => finding !== 'ok')
      if (findings.length > 0) throw new ConfigError([damaged(named, findings.join('; '))])
    }
    const tables = db
      .prepare<[], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table'`)
      .all()
      .map((row) => row.name)
    if (version > MIGRATIONS.length) {
      throw new ConfigError([
        `${named} was written by a newer x2d365 (ledger schema ${version}, this one knows ${MIGRATIONS.length}); ` +
          'upgrade x2d365 to use it',
      ])
    }
    if ((version === 0 && tables.length > 0) || (version > 0 && !tables.includes('runs'))) {
      throw new ConfigError([
        `${named} is a SQLite database but not an x2d365 ledger (its tables: ${tables.slice(0, 5).join(', ') || 'none'}); ` +
          'point run.ledger (or --ledger) at the ledger, or at a new path to start one',
      ])
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error
    throw new ConfigError([damaged(named, error instanceof Error ? error.message : String(error))], {
      cause: error,
    })
  } finally {
    db?.close()
  }
}

/** A WAL file beside the ledger: the last process that wrote it did not close it (killed, or the machine stopped). */
function walLeft(path: string): boolean {
  try {
    return statSync(`${path}-wal`).size > 0
  } catch {
    return false
  }
}

/** Whether a run was left `running` (stopped or killed): the last writer may have stopped at any point. */
function runLeftRunning(db: Database.Database): boolean {
  try {
    return db.prepare(`SELECT 1 FROM runs WHERE status = 'running' LIMIT 1`).get() !== undefined
  } catch {
    // No runs table, or not one of ours (the checks after this one say which), or a damaged one: the full check.
    return true
  }
}

/**
 * What is wrong with a file shorter than the page count its header gives (a truncated copy), or undefined. The count
 * is only trusted when its "valid for" counter equals the change counter (bytes 92 and 24, sqlite.org/fileformat.html).
 */
function shorterThanItsHeader(header: Buffer, size: number): string | undefined {
  if (header.length < 100) return undefined
  const pageSize = header.readUInt16BE(16) === 1 ? 65_536 : header.readUInt16BE(16)
  const pages = header.readUInt32BE(28)
  if (pages === 0 || header.readUInt32BE(92) !== header.readUInt32BE(24)) return undefined
  const expected = pageSize * pages
  return size < expected
    ? `the file has ${size} bytes, its header says ${expected}: it was cut short`
    : undefined
}

function damaged(named: string, finding: string): string {
  return (
    `${named} is damaged (SQLite: ${finding}); nothing was written to it. Restore it from a backup, or keep it ` +
    'aside and point run.ledger at a new path (a new ledger does not know what earlier runs loaded)'
  )
}

function schemaVersion(db: Database.Database): number {
  const version = db.pragma('user_version', { simple: true })
  if (typeof version !== 'number') throw new InternalError(`PRAGMA user_version returned ${String(version)}`)
  return version
}

function migrate(db: Database.Database): void {
  const version = schemaVersion(db)
  if (version > MIGRATIONS.length) {
    throw new ConfigError([
      `This ledger was written by a newer x2d365 (schema ${version}, this one knows ${MIGRATIONS.length}); upgrade x2d365`,
    ])
  }
  db.transaction(() => {
    MIGRATIONS.slice(version).forEach((sql) => db.exec(sql))
    db.pragma(`user_version = ${MIGRATIONS.length}`)
  })()
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

function toOutcome(runId: RunId, row: OutcomeRow): RecordOutcome {
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
