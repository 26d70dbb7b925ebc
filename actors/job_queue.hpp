#pragma once
/// The queue of jobs waiting to run, fair between users and with aging.
///
/// Layout: one bucket per priority; a bucket holds one FIFO per `user_id` and a rotation of the
/// users that have jobs in it. Within a bucket, jobs are taken round-robin by user: the next job
/// is the first of the user at the front of the rotation, who then goes to the back. So a user
/// with 10,000 queued jobs delays another user's job at the same priority by at most one pop.
/// FIFO is kept within one user. A user whose FIFO empties leaves the rotation and rejoins at the
/// back on its next push.
///
/// Aging: a job gains one priority point per `aging_step` waited, so a flood of high-priority
/// jobs cannot starve the rest. A bucket's candidate is the job its rotation would give next;
/// candidates are compared across buckets by aged priority (ties: the higher base priority).
///
/// Skipping (`pop` with `can_start`, used for per-type concurrency limits): in each bucket the
/// rotation is walked in order and, per user, at most `lookahead` jobs from the head of that
/// user's FIFO are offered to `can_start`; the first that can start is the bucket's candidate.
/// Policy: a user passed over because none of its first `lookahead` jobs can start keeps its
/// place; only the user actually served goes to the back. So a blocked user is the first served
/// once its job can start again. A job further than `lookahead` into its user's FIFO waits until
/// the jobs before it move; that bound is what keeps pops cheap.
///
/// Cost: push O(log P); pop O(P) without a predicate, and at worst O(P x U x lookahead) calls to
/// `can_start` with one (P = priorities in use, U = users in a bucket); never O(total jobs).
/// remove/find go through an index (id -> priority, user) and scan only that user's FIFO.

#include "actors/job_id.hpp"
#include "storage/job_record.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>

namespace jobmesh::actors {

class job_queue {
public:
  /// The default lookahead into one user's FIFO when its head cannot start.
  static constexpr std::size_t k_default_lookahead = 8;

  /// `aging_step`: the wait that earns one priority point (must be > 0). `lookahead`: how many
  /// jobs of one user's FIFO `pop(now, can_start)` may try (values below 1 count as 1).
  explicit job_queue(std::chrono::milliseconds aging_step, std::size_t lookahead = k_default_lookahead)
      : aging_step_(aging_step), lookahead_(lookahead < 1 ? 1 : lookahead) {}

  /// Adds `job`, waiting since `since_ms`. A job already queued (same id) is not added twice.
  void push(storage::job_record job, std::int64_t since_ms);

  /// Removes and returns the job to run next at `now_ms`: the best bucket candidate by aged
  /// priority (ties: higher base priority), taken round-robin by user within its bucket.
  std::optional<storage::job_record> pop(std::int64_t now_ms);

  /// As `pop(now_ms)`, but only jobs for which `can_start` is true are taken; the others stay
  /// queued, and their users keep their place in the rotation (see the file comment).
  /// `can_start` must not modify the queue; it may be called several times per pop.
  std::optional<storage::job_record> pop(std::int64_t now_ms,
                                         const std::function<bool(const storage::job_record&)>& can_start);

  /// Removes the job with `id`; returns it if it was queued. The user keeps its place in the
  /// rotation unless this was its last job there.
  std::optional<storage::job_record> remove(const std::string& id);

  /// The queued job with `id`, or nullptr. Valid until the queue is next modified.
  const storage::job_record* find(const std::string& id) const;

  bool contains(const std::string& id) const { return index_.contains(id); }
  std::size_t size() const { return index_.size(); }
  bool empty() const { return index_.empty(); }

  /// Queued jobs per type (types with none are absent); kept up to date on every change, so this
  /// costs only the copy, for the queue statistics.
  std::map<std::string, std::size_t> size_by_type() const { return by_type_; }
  /// Queued jobs of `type`, without copying the map.
  std::size_t size_of_type(const std::string& type) const {
    auto it = by_type_.find(type);
    return it == by_type_.end() ? 0 : it->second;
  }

private:
  struct entry {
    storage::job_record job;
    std::int64_t since_ms;
  };
  struct user_fifo {
    std::deque<entry> jobs;
    std::list<std::string>::iterator in_rotation;
  };
  using user_map = std::unordered_map<std::string, user_fifo>;
  struct bucket {
    user_map users;
    std::list<std::string> rotation;  ///< users with jobs here; the next to serve first
  };
  using bucket_map = std::map<std::int64_t, bucket, std::greater<>>;
  struct location {
    std::int64_t priority;
    std::string user_id;
  };
  struct pick {
    bucket_map::iterator bucket;
    user_map::iterator user;
    std::size_t index;  ///< position in the user's FIFO
    double score;       ///< aged priority
  };
  using predicate = std::function<bool(const storage::job_record&)>;

  double aged_priority(const entry& e, std::int64_t now_ms) const;
  std::optional<pick> candidate(bucket_map::iterator b, const predicate& can_start);
  std::optional<std::size_t> first_startable(const std::deque<entry>& jobs, const predicate& can_start) const;
  storage::job_record extract(bucket_map::iterator b, user_map::iterator u, std::size_t index, bool served);
  std::optional<std::size_t> position(const std::deque<entry>& jobs, const std::string& id) const;

  std::chrono::milliseconds aging_step_;
  std::size_t lookahead_;
  bucket_map by_priority_;
  id_map<location> index_;
  std::map<std::string, std::size_t> by_type_;
};

}  // namespace jobmesh::actors
