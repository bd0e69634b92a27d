/**
 * Schema changes of the PostgreSQL ledger, oldest first; the table `x2d365_ledger` holds how many were applied. A new
 * version appends a step and never edits an old one. Version 1 is the SQLite ledger's schema 8 (runs, outcomes,
 * checkpoints, before-images, content hashes, fixes, write intents), with a `seq` column for write order where SQLite
 * uses its rowid. Version 2 adds what only distributed runs keep: each slice's result.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE runs (
    seq         bigserial NOT NULL,
    run_id      text PRIMARY KEY,
    kind        text NOT NULL,
    status      text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    started_at  text NOT NULL,
    finished_at text,
    params      text NOT NULL,
    summary     text
  );
  CREATE INDEX runs_by_kind ON runs (kind, status);

  CREATE TABLE outcomes (
    seq        bigserial NOT NULL,
    run_id     text NOT NULL REFERENCES runs (run_id),
    phase      text NOT NULL,
    source_key text NOT NULL,
    status     text NOT NULL
               CHECK (status IN ('created', 'updated', 'quarantined', 'skipped', 'deleted', 'restored')),
    target_id  text,
    reason     text,
    warnings   text,
    PRIMARY KEY (run_id, phase, source_key),
    CHECK (status NOT IN ('created', 'updated', 'deleted', 'restored') OR target_id IS NOT NULL)
  );
  CREATE INDEX outcomes_by_run ON outcomes (run_id, seq);
  CREATE INDEX outcomes_by_run_phase ON outcomes (run_id, phase, seq);
  CREATE INDEX outcomes_rows ON outcomes (source_key, seq) WHERE status IN ('created', 'updated', 'deleted', 'restored');
  CREATE INDEX outcomes_by_target ON outcomes (target_id);

  CREATE TABLE checkpoints (
    run_id         text NOT NULL REFERENCES runs (run_id),
    phase          text NOT NULL,
    last_source_id bigint NOT NULL,
    PRIMARY KEY (run_id, phase)
  );

  CREATE TABLE before_images (
    seq        bigserial NOT NULL,
    run_id     text NOT NULL REFERENCES runs (run_id),
    phase      text NOT NULL,
    entity_set text NOT NULL,
    target_id  text NOT NULL,
    row_values text NOT NULL,
    PRIMARY KEY (run_id, entity_set, target_id)
  );
  CREATE INDEX before_images_by_run ON before_images (run_id, seq);

  CREATE TABLE content_hashes (
    entity text NOT NULL,
    id     bigint NOT NULL,
    hash   text NOT NULL,
    PRIMARY KEY (entity, id)
  );

  CREATE TABLE fixes (
    seq       bigserial NOT NULL,
    entity    text NOT NULL,
    id        bigint NOT NULL,
    field     text NOT NULL,
    value     text NOT NULL,
    original  text,
    fixed_at  text NOT NULL,
    fixed_by  text NOT NULL
  );
  CREATE INDEX fixes_by_field ON fixes (entity, id, field, seq);

  CREATE TABLE write_intents (
    seq        bigserial NOT NULL,
    run_id     text NOT NULL REFERENCES runs (run_id),
    phase      text NOT NULL,
    entity_set text NOT NULL,
    target_id  text NOT NULL,
    existed    boolean NOT NULL,
    PRIMARY KEY (run_id, entity_set, target_id)
  );
  CREATE INDEX write_intents_by_run ON write_intents (run_id, seq);
  `,
  // 2: what each slice of a distributed run found and loaded, written with the queue's completion of its job.
  `
  CREATE TABLE chunk_results (
    run_id       text NOT NULL REFERENCES runs (run_id),
    chunk        text NOT NULL,
    phase        text NOT NULL,
    source_count bigint NOT NULL,
    processed    bigint NOT NULL,
    worker       text NOT NULL,
    finished_at  text NOT NULL,
    PRIMARY KEY (run_id, chunk)
  );
  `,
  // 3: the source record an intent writes for (SQLite's schema 9), so a resumed run finds a dedupe match it made.
  `
  ALTER TABLE write_intents ADD COLUMN source_key text;
  CREATE INDEX write_intents_by_source ON write_intents (run_id, entity_set, source_key) WHERE source_key IS NOT NULL;
  `,
]
