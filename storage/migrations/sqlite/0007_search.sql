-- What the search job types compute (issue 10; DESIGN.md "Job types shipped", search group).
-- skill_index: which candidates and postings name each skill (normalised, synonyms applied),
-- from the latest `skill-index` run (rows of older runs are removed as a run writes its own).
CREATE TABLE skill_index (
  skill        TEXT NOT NULL,
  record_kind  TEXT NOT NULL,  -- posting or candidate
  record_id    TEXT NOT NULL,
  job_id       TEXT NOT NULL,
  computed_at  BIGINT NOT NULL,
  PRIMARY KEY (skill, record_kind, record_id)
) WITHOUT ROWID;
CREATE INDEX skill_index_by_job ON skill_index (job_id);

-- skill_relationships: for each skill, the skills named with it in the same record and how
-- often, from the latest `skill-relationships` run.
CREATE TABLE skill_relationships (
  skill        TEXT NOT NULL,
  related      TEXT NOT NULL,
  count        BIGINT NOT NULL,
  job_id       TEXT NOT NULL,
  computed_at  BIGINT NOT NULL,
  PRIMARY KEY (skill, related)
) WITHOUT ROWID;
CREATE INDEX skill_relationships_by_job ON skill_relationships (job_id);
