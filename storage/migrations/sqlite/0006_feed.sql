-- What the feed job types compute (issue 10; DESIGN.md "Job types shipped", feed group).
-- trending_postings: views and applications per posting in a window, from the latest
-- `trending-postings` run (rows of older runs are removed as a run writes its own).
CREATE TABLE trending_postings (
  posting_id    TEXT PRIMARY KEY,
  views         BIGINT NOT NULL,
  applications  BIGINT NOT NULL,
  score         DOUBLE PRECISION NOT NULL,
  window_start  BIGINT NOT NULL,
  job_id        TEXT NOT NULL,
  computed_at   BIGINT NOT NULL
);
CREATE INDEX trending_postings_by_job ON trending_postings (job_id);

-- candidate_affinity: each candidate's share of engagement per category and per company
-- (shares of one dimension sum to 1), from the latest `affinity` run that covered them.
CREATE TABLE candidate_affinity (
  candidate_id  TEXT NOT NULL,
  dimension     TEXT NOT NULL,  -- category or company
  value         TEXT NOT NULL,  -- normalised, as the matcher holds it
  weight        DOUBLE PRECISION NOT NULL,
  job_id        TEXT NOT NULL,
  computed_at   BIGINT NOT NULL,
  PRIMARY KEY (candidate_id, dimension, value)
) WITHOUT ROWID;

-- candidate_feeds: each candidate's ranked postings from the latest `feed-presort` run.
CREATE TABLE candidate_feeds (
  candidate_id  TEXT PRIMARY KEY,
  feed          TEXT NOT NULL,  -- JSON array of {"posting_id","score","match_score","affinity","trending"}
  profile       TEXT NOT NULL,
  job_id        TEXT NOT NULL,
  computed_at   BIGINT NOT NULL
) WITHOUT ROWID;
