-- job_items_by_status (job_id, status, idx) answered no query: SQLite plans a job's items by
-- status through the primary key (job_id, idx), as EXPLAIN QUERY PLAN shows for list_items
-- with and without the status, and every item written kept the index: an item's row was two
-- b-tree inserts, and a quick job's end writes one.
DROP INDEX IF EXISTS job_items_by_status;
