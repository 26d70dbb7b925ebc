-- The marketplace's records (SPEC-matching.md "Records"): every field of the spec as a column,
-- lists as JSON arrays, plus `record`, the record as given (unknown fields included) as JSON
-- text, which is what the engine reads back. Times are milliseconds since the Unix epoch.
CREATE TABLE postings (
  id               TEXT PRIMARY KEY,
  company          TEXT NOT NULL,
  title            TEXT NOT NULL,
  category         TEXT NOT NULL DEFAULT '',
  industry         TEXT NOT NULL DEFAULT '',
  subcategory      TEXT NOT NULL DEFAULT '',
  country          TEXT NOT NULL DEFAULT '',
  city             TEXT NOT NULL DEFAULT '',
  lat              DOUBLE PRECISION,
  lon              DOUBLE PRECISION,
  work_mode        TEXT NOT NULL DEFAULT 'onsite',
  employment_type  TEXT NOT NULL DEFAULT 'full_time',
  required_skills  TEXT NOT NULL DEFAULT '[]',
  certifications   TEXT NOT NULL DEFAULT '[]',
  salary_min       DOUBLE PRECISION NOT NULL DEFAULT 0,
  salary_max       DOUBLE PRECISION NOT NULL DEFAULT 0,
  experience_level TEXT NOT NULL DEFAULT 'mid',
  min_years        DOUBLE PRECISION NOT NULL DEFAULT 0,
  posted_date      TEXT NOT NULL DEFAULT '',
  deadline_date    TEXT NOT NULL DEFAULT '',
  record           TEXT NOT NULL,
  updated_at       BIGINT NOT NULL
);
CREATE INDEX postings_by_company ON postings (company);
CREATE INDEX postings_by_category ON postings (category);

CREATE TABLE candidates (
  id                    TEXT PRIMARY KEY,
  full_name             TEXT NOT NULL DEFAULT '',
  country               TEXT NOT NULL DEFAULT '',
  city                  TEXT NOT NULL DEFAULT '',
  lat                   DOUBLE PRECISION,
  lon                   DOUBLE PRECISION,
  max_distance_km       DOUBLE PRECISION NOT NULL DEFAULT 50,
  industry              TEXT NOT NULL DEFAULT '',
  subcategory           TEXT NOT NULL DEFAULT '',
  preferred_categories  TEXT NOT NULL DEFAULT '[]',
  skills                TEXT NOT NULL DEFAULT '[]',
  certifications        TEXT NOT NULL DEFAULT '[]',
  years_experience      DOUBLE PRECISION NOT NULL DEFAULT 0,
  experience_level      TEXT NOT NULL DEFAULT 'mid',
  education_level       TEXT NOT NULL DEFAULT '',
  expected_salary       DOUBLE PRECISION NOT NULL DEFAULT 0,
  current_salary        DOUBLE PRECISION NOT NULL DEFAULT 0,
  rating                DOUBLE PRECISION NOT NULL DEFAULT 0,
  review_count          BIGINT NOT NULL DEFAULT 0,
  completed_jobs        BIGINT NOT NULL DEFAULT 0,
  engagement            DOUBLE PRECISION NOT NULL DEFAULT 0,
  record                TEXT NOT NULL,
  updated_at            BIGINT NOT NULL
);
