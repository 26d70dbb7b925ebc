-- A job of one item that ran in a batch of quick jobs (its first run) keeps that item in its own
-- row, as a JSON array (storage::encode_single_item), instead of a row of job_items: the end of
-- such a job is one row written, not two. Empty for every other job. A row of job_items for the same job wins: a later run (a retry) writes its items
-- there.
ALTER TABLE jobs ADD COLUMN single_item TEXT NOT NULL DEFAULT '';
