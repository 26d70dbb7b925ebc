-- Jobs and their items. Times are milliseconds since the Unix epoch (0 = not yet); the HTTP
-- layer renders them as RFC 3339. params holds JSON text.
CREATE TABLE jobs (
  id               TEXT PRIMARY KEY,
  type             TEXT NOT NULL,
  user_id          TEXT NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
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
  depends_on       TEXT NOT NULL DEFAULT '',  -- job ids, comma-separated
  created_at       BIGINT NOT NULL,
  started_at       BIGINT NOT NULL DEFAULT 0,
  completed_at     BIGINT NOT NULL DEFAULT 0,
  updated_at       BIGINT NOT NULL,
  expires_at       BIGINT NOT NULL DEFAULT 0,
  run_after        BIGINT NOT NULL DEFAULT 0,
  heartbeat_at     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX jobs_by_status ON jobs (status, priority DESC, created_at);
CREATE INDEX jobs_by_user ON jobs (user_id, id DESC);
CREATE UNIQUE INDEX jobs_by_idempotency_key ON jobs (user_id, idempotency_key) WHERE idempotency_key <> '';

CREATE TABLE job_items (
  job_id              TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  idx                 BIGINT NOT NULL,
  item_key            TEXT NOT NULL,
  status              TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
  attempts            BIGINT NOT NULL DEFAULT 0,
  error               TEXT NOT NULL DEFAULT '',
  processing_time_ms  BIGINT NOT NULL DEFAULT 0,
  updated_at          BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (job_id, idx)
) WITHOUT ROWID;
CREATE INDEX job_items_by_status ON job_items (job_id, status, idx);
