-- What candidates do (API.md `POST /api/v1/activity`), kept as it came: engagement, points and
-- badges are computed from it (match/engagement.hpp). `at` is when it happened, `received_at`
-- when the server stored it (both ms since the Unix epoch); `value` is seconds for a
-- session_end and stars for a review.
CREATE TABLE activity (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,
  candidate_id  TEXT NOT NULL,
  kind          TEXT NOT NULL,
  posting_id    TEXT NOT NULL DEFAULT '',
  at            BIGINT NOT NULL,
  value         DOUBLE PRECISION NOT NULL DEFAULT 0,
  received_at   BIGINT NOT NULL
);
CREATE INDEX activity_by_candidate ON activity (candidate_id, at);
