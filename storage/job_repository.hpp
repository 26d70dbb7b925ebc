#pragma once
/// Reads and writes of jobs and items over one SOCI session. Plain structs in, plain structs
/// out; the caller owns the session and calls from one thread at a time. Failures throw
/// soci::soci_error (the storage actors turn them into error values).

#include "storage/activity_repository.hpp"
#include "storage/feed_repository.hpp"
#include "storage/job_record.hpp"
#include "storage/record_repository.hpp"
#include "storage/schedule_repository.hpp"
#include "storage/skill_repository.hpp"

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace soci {
class session;
}

namespace jobmesh::storage {

/// Fencing (DESIGN.md "A job's life"): a batch's writes of a job apply only while the stored
/// job is at this attempt and in this status. A runner's claim expects (its attempt - 1,
/// queued); its later writes expect (its attempt, running). A stale runner (its job requeued
/// by the stalled sweeper, or claimed by another node) then writes nothing.
struct job_fence {
  std::string job_id;
  std::int64_t attempt = 0;
  job_status status = job_status::running;
};

/// Writes that commit together in one transaction (group commit).
struct write_batch {
  std::vector<job_record> inserted_jobs;
  std::vector<job_record> updated_jobs;   ///< matched by id; every mutable column is written
  std::vector<item_record> inserted_items;
  std::vector<item_record> updated_items; ///< matched by (job_id, index)
  std::vector<record_write> records;      ///< postings and candidates, applied in order
  std::vector<stored_matches> match_results;  ///< upserted by (candidate_id, profile)
  std::vector<schedule_record> schedules;     ///< upserted by name
  std::vector<activity_row> activity;         ///< inserted
  std::vector<trending_write> trending;       ///< each replaces the stored trending postings
  std::vector<affinity_write> affinity;       ///< each replaces one candidate's affinity
  std::vector<stored_feed> feeds;             ///< upserted by candidate
  std::vector<skill_index_write> skill_index;  ///< each replaces the rows of other runs
  std::vector<skill_relationships_write> skill_relationships;  ///< likewise
  /// Jobs whose updates here must find the stored row as fenced: each needs its job in
  /// `updated_jobs`; when the row is not as expected, that job's update and its items' inserts
  /// and updates in this batch are skipped (the rest of the batch still commits).
  std::vector<job_fence> fences;
  /// Jobs of one item ended here that keep it in their own row (jobs.single_item), not in
  /// job_items: job id -> the item as encode_single_item wrote it. Only for a fenced end of a
  /// job's first run (a job batch's), whose job is in `updated_jobs`: no run before it stored
  /// items, and a later run writes its items to job_items, where they win (list_items).
  std::unordered_map<std::string, std::string> single_items;

  bool empty() const;
  std::size_t size() const;
};

/// Which jobs a listing wants, newest first; empty strings mean "any".
struct job_filter {
  std::string status;
  std::string type;
  std::string user_id;
  std::string after;   ///< cursor: ids strictly older than this one
  int limit = 50;
};

/// Which items a listing wants, in index order.
struct item_filter {
  std::string job_id;
  std::optional<item_status> status;
  std::int64_t after = -1;  ///< cursor: indexes strictly greater
  int limit = 100;
};

/// Jobs of one type that ended since some time, for the queue statistics.
struct finished_counts {
  std::string type;
  std::int64_t completed = 0;
  std::int64_t failed = 0;
  double average_run_ms = 0;  ///< completed ones: completed_at - started_at (their last attempt)
};

/// Per type, the jobs that completed or failed at or after `since_ms`.
std::vector<finished_counts> finished_since(soci::session& db, std::int64_t since_ms);

/// How many finished jobs have an `expires_at` before `now_ms`.
std::int64_t count_expired_jobs(soci::session& db, std::int64_t now_ms);

/// Deletes at most `limit` finished jobs whose `expires_at` is before `now_ms`, with their
/// items; returns how many jobs it deleted.
std::int64_t delete_expired_jobs(soci::session& db, std::int64_t now_ms, std::int64_t limit);

/// Applies `batch` in one transaction: all of it or, on error, none of it. Returns the ids of
/// fenced jobs whose writes were refused (their stored attempt or status was another).
std::vector<std::string> commit(soci::session& db, const write_batch& batch);

/// The statements of the jobs' and items' writes, kept prepared across the commits of one
/// session (SQLite parsed each of them once per commit: ~12% of the storage writer's samples
/// under single submissions, whose commits are small). Destroy it before its session.
class prepared_writes {
public:
  prepared_writes();
  ~prepared_writes();
  prepared_writes(const prepared_writes&) = delete;
  prepared_writes& operator=(const prepared_writes&) = delete;

  struct statements;  ///< each statement with the row its members are bound to

private:
  friend std::vector<std::vector<std::string>> commit(soci::session&, std::span<const write_batch* const>,
                                                      prepared_writes*);
  std::unique_ptr<statements> statements_;
};

/// The same for several batches in one transaction (a group commit), applied kind by kind and
/// within a kind in the batches' order, without copying them (copying and freeing them took a
/// fifth of the writer's time). A batch's fences hold for its own writes only. Returns the
/// refused ids of each batch, in the batches' order. With `cache` (always used with the same
/// session), the jobs' and items' statements are prepared once, not once per commit.
std::vector<std::vector<std::string>> commit(soci::session& db, std::span<const write_batch* const> batches,
                                             prepared_writes* cache = nullptr);

/// The job with `id`, if stored.
std::optional<job_record> find_job(soci::session& db, const std::string& id);

/// The job `user_id` submitted with `key`, if any.
std::optional<job_record> find_job_by_idempotency_key(soci::session& db, const std::string& user_id,
                                                      const std::string& key);

/// The jobs `user_id` submitted with any of `keys` (at most one per key), in no order.
std::vector<job_record> find_jobs_by_idempotency_keys(soci::session& db, const std::string& user_id,
                                                      const std::vector<std::string>& keys);

/// Jobs in `status`, highest priority first, oldest first within a priority.
std::vector<job_record> jobs_with_status(soci::session& db, job_status status);

/// Running jobs whose heartbeat is older than `heartbeat_before_ms`, oldest heartbeat first.
std::vector<job_record> stalled_jobs(soci::session& db, std::int64_t heartbeat_before_ms);

/// Jobs matching `filter`, newest (greatest id) first.
std::vector<job_record> list_jobs(soci::session& db, const job_filter& filter);

/// Items matching `filter`, by index: the job's rows of job_items, or, when it has none, the
/// item its own row keeps (write_batch::single_items).
std::vector<item_record> list_items(soci::session& db, const item_filter& filter);

/// Every item of `job_id`, by index (as list_items).
std::vector<item_record> all_items(soci::session& db, const std::string& job_id);

/// A job's one item as jobs.single_item keeps it, and back: a JSON array [index, status,
/// attempts, processing_time_ms, updated_at - the job's completed_at, key, error, result],
/// ~25 bytes for a no-op's item (the row grows by that much when its job ends; by ~130 as a JSON
/// object, which cost most of what leaving out the item's row gained). decode gives nullopt
/// for text that is no such item.
std::string encode_single_item(const item_record& item, std::int64_t completed_at);
std::optional<item_record> decode_single_item(const std::string& job_id, std::string_view text,
                                              std::int64_t completed_at);

}  // namespace jobmesh::storage
