#pragma once
/// The stored shape of a job and of its items: plain structs that storage reads and writes and
/// that actors pass around. Times are milliseconds since the Unix epoch; 0 means "not yet".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobmesh::storage {

/// A job's status (API.md). `queued` also covers waiting for a retry or for dependencies.
enum class job_status : std::uint8_t { queued, running, completed, failed, cancelled };

/// "queued", "running", ...
std::string_view to_string(job_status s);
/// The status named `text`, if any.
std::optional<job_status> parse_job_status(std::string_view text);
/// completed, failed and cancelled: nothing will happen to the job any more.
bool is_terminal(job_status s);

/// One row of `jobs`; the fields of API.md's job object plus the bookkeeping behind them.
struct job_record {
  std::string id;
  std::string type;
  std::string user_id;
  job_status status = job_status::queued;
  std::int64_t priority = 0;
  std::int64_t total_items = 0;
  std::int64_t processed_items = 0;
  std::int64_t failed_items = 0;
  std::int64_t attempt = 0;      ///< 0 before the first run, then 1, 2, ...
  std::int64_t max_attempts = 3;
  std::int64_t timeout_s = 1800;
  std::string params = "{}";     ///< JSON object text
  std::string error_message;
  std::string idempotency_key;
  std::string current_item;
  std::string group;
  std::vector<std::string> depends_on;
  std::int64_t created_at = 0;
  std::int64_t started_at = 0;
  std::int64_t completed_at = 0;
  std::int64_t updated_at = 0;
  std::int64_t expires_at = 0;
  std::int64_t run_after = 0;
  std::int64_t heartbeat_at = 0;
  /// The share of failed items (0..1) the job may end with and still be `completed`.
  double max_failed_ratio = 0;
  /// The name of the schedule that made the job; empty for a client's submission.
  std::string schedule;

  /// (processed + failed) / total in percent; 0 for a job with no items yet, 100 when done.
  double progress_percentage() const;
};

/// An item's status.
enum class item_status : std::uint8_t { pending, done, failed };

std::string_view to_string(item_status s);
std::optional<item_status> parse_item_status(std::string_view text);

/// One row of `job_items`.
struct item_record {
  std::string job_id;
  std::int64_t index = 0;
  std::string key;               ///< what the item is: a number, a URL, a candidate id
  item_status status = item_status::pending;
  std::int64_t attempts = 0;
  std::string error;
  std::int64_t processing_time_ms = 0;
  std::int64_t updated_at = 0;
  std::string result;            ///< JSON text of what the item produced; empty when nothing
};

}  // namespace jobmesh::storage
