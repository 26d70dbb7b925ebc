-- Recurring jobs (API.md `schedules`) and the jobs they make. last_due_at is the latest due
-- time that was handled (fired, or skipped as missed): each due time fires once, across
-- restarts, because the job it makes carries the idempotency key "schedule:<name>:<due>".
-- A job's schedule is the name of the schedule that made it ('' for a client's submission).
ALTER TABLE jobs ADD COLUMN schedule TEXT NOT NULL DEFAULT '';
CREATE INDEX jobs_by_expiry ON jobs (expires_at) WHERE expires_at > 0;

CREATE TABLE schedules (
  name         TEXT PRIMARY KEY,
  cron         TEXT NOT NULL,
  type         TEXT NOT NULL,
  params       TEXT NOT NULL DEFAULT '{}',
  priority     BIGINT NOT NULL DEFAULT 0,
  enabled      BIGINT NOT NULL DEFAULT 1,
  last_due_at  BIGINT NOT NULL DEFAULT 0,
  created_at   BIGINT NOT NULL,
  updated_at   BIGINT NOT NULL
) WITHOUT ROWID;
