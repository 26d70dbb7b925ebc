-- What jobs produce. A job's max_failed_ratio is the share of failed items it may end with and
-- still be `completed` (resolved from the type's default at submission). An item's result is
-- JSON text ('' when it has none). match_results holds each candidate's latest top-k per
-- profile, as the `match-scores` job type computed it (upsert per candidate and profile).
ALTER TABLE jobs ADD COLUMN max_failed_ratio DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE job_items ADD COLUMN result TEXT NOT NULL DEFAULT '';

CREATE TABLE match_results (
  candidate_id  TEXT NOT NULL,
  profile       TEXT NOT NULL,
  job_id        TEXT NOT NULL,
  results       TEXT NOT NULL,  -- the `jobmesh match` line: {"source","results":[{"id","score","factors"}]}
  computed_at   BIGINT NOT NULL,
  PRIMARY KEY (candidate_id, profile)
) WITHOUT ROWID;
CREATE INDEX match_results_by_job ON match_results (job_id);
