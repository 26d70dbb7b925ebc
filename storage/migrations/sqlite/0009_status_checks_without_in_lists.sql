-- The status checks of jobs and job_items, written as comparisons instead of IN lists. SQLite
-- evaluates a constant IN list of more than two values through a temporary b-tree, built
-- afresh for every row written (OpenEphemeral and one insert per value, then a lookup): the
-- storage writer spent ~10% of its time creating and freeing them, and a row of either table
-- cost ~25% more to insert or update (a Python sqlite3 model of 200,000 jobs: their inserts in
-- commits of 10,000, their ends and items in commits of 1,000). Same rule, same rows: SQLite
-- cannot alter a CHECK, so both tables are rebuilt. job_items refers to jobs: renaming jobs first makes that
-- reference follow it (SQLite rewrites it), so dropping the old table deletes nothing else.
ALTER TABLE jobs RENAME TO jobs_before_0009;
CREATE TABLE jobs (
  id               TEXT PRIMARY KEY,
  type             TEXT NOT NULL,
  user_id          TEXT NOT NULL,
  status           TEXT NOT NULL CHECK (status = 'queued' OR status = 'running' OR status = 'completed'
                                       OR status = 'failed' OR status = 'cancelled'),
  priority         BIGINT NOT NULL DEFAULT 0,
  total_items      BIGINT NOT NULL DEFAULT 0,
  processed_items  BIGINT NOT NULL DEFAULT 0,
  failed_items     BIGINT NOT NULL DEFAULT 0,
  attempt          BIGINT NOT NULL DEFAULT 0,
  max_attempts     BIGINT NOT NULL,
  timeout_s        BIGINT NOT NULL,
  params           TEXT NOT NULL DEFAULT '{}',
  error_message    TEXT NOT NULL DEFAULT '',
  idempotency_key  TEXT NOT NULL DEFAULT '',
  current_item     TEXT NOT NULL DEFAULT '',
  job_group        TEXT NOT NULL DEFAULT '',
  depends_on       TEXT NOT NULL DEFAULT '',
  created_at       BIGINT NOT NULL,
  started_at       BIGINT NOT NULL DEFAULT 0,
  completed_at     BIGINT NOT NULL DEFAULT 0,
  updated_at       BIGINT NOT NULL,
  expires_at       BIGINT NOT NULL DEFAULT 0,
  run_after        BIGINT NOT NULL DEFAULT 0,
  heartbeat_at     BIGINT NOT NULL DEFAULT 0,
  max_failed_ratio DOUBLE PRECISION NOT NULL DEFAULT 0,
  schedule         TEXT NOT NULL DEFAULT ''
);
INSERT INTO jobs (id, type, user_id, status, priority, total_items, processed_items, failed_items, attempt,
                  max_attempts, timeout_s, params, error_message, idempotency_key, current_item, job_group,
                  depends_on, created_at, started_at, completed_at, updated_at, expires_at, run_after,
                  heartbeat_at, max_failed_ratio, schedule)
SELECT id, type, user_id, status, priority, total_items, processed_items, failed_items, attempt,
       max_attempts, timeout_s, params, error_message, idempotency_key, current_item, job_group,
       depends_on, created_at, started_at, completed_at, updated_at, expires_at, run_after,
       heartbeat_at, max_failed_ratio, schedule
FROM jobs_before_0009;
ALTER TABLE job_items RENAME TO job_items_before_0009;
CREATE TABLE job_items (
  job_id              TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  idx                 BIGINT NOT NULL,
  item_key            TEXT NOT NULL,
  status              TEXT NOT NULL CHECK (status = 'pending' OR status = 'done' OR status = 'failed'),
  attempts            BIGINT NOT NULL DEFAULT 0,
  error               TEXT NOT NULL DEFAULT '',
  processing_time_ms  BIGINT NOT NULL DEFAULT 0,
  updated_at          BIGINT NOT NULL DEFAULT 0,
  result              TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (job_id, idx)
) WITHOUT ROWID;
INSERT INTO job_items (job_id, idx, item_key, status, attempts, error, processing_time_ms, updated_at, result)
SELECT job_id, idx, item_key, status, attempts, error, processing_time_ms, updated_at, result
FROM job_items_before_0009;
DROP TABLE job_items_before_0009;
DROP TABLE jobs_before_0009;
CREATE INDEX jobs_by_status ON jobs (status, priority DESC, created_at);
CREATE INDEX jobs_by_user ON jobs (user_id, id DESC);
CREATE UNIQUE INDEX jobs_by_idempotency_key ON jobs (user_id, idempotency_key) WHERE idempotency_key <> '';
CREATE INDEX jobs_by_expiry ON jobs (expires_at) WHERE expires_at > 0;
CREATE INDEX job_items_by_status ON job_items (job_id, status, idx);
