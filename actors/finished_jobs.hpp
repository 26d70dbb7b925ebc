#pragma once
/// The jobs that ended lately, as this node's engine announced them, readable from any thread:
/// the gateway answers `GET` of a finished job from here on its own I/O thread, with no message
/// to an actor and no read of storage (a poll of a finished job is the commonest request a job
/// engine gets).
///
/// Why it cannot go stale: a finished job changes only through this node's engine, and every
/// change is announced (`publish_job_event`) before anyone is answered. The announcement of a
/// terminal state (after its commit) puts the job here; any other announcement of the job (a
/// retry re-queues it) takes it out, on the announcing actor's thread, before the retry's reply
/// goes. The only other change, expired-job cleanup, deletes jobs past their `expires_at`, and
/// an entry is never served once its `expires_at` has passed. (A cluster, where another node
/// could retry the job, would have to forward those announcements; this build runs one node.)
///
/// Bounded: the oldest entries go first once `capacity` is reached; capacity 0 holds nothing.

#include "actors/job_id.hpp"
#include "actors/messages.hpp"

#include <boost/unordered/unordered_flat_map.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string_view>

namespace jobmesh::actors {

class finished_jobs {
public:
  explicit finished_jobs(std::size_t capacity) : capacity_(capacity) {}

  /// The engine announced `job`: terminal jobs are kept (the record shared, not copied), any
  /// other state drops the job.
  void announced(const shared_job& job);
  /// As `announced` for each, in order, under one lock.
  void announced(const job_events& events);

  /// The job as it ended, if it is held and not expired at `now_ms`.
  shared_job find(std::string_view id, std::int64_t now_ms) const;

  std::size_t size() const;

private:
  struct entry {
    shared_job job;
    std::uint64_t seq = 0;  ///< which put this is, so eviction skips a replaced entry
  };

  void put(const shared_job& job);  ///< `announced`, the lock held

  std::size_t capacity_;
  mutable std::mutex mutex_;
  /// Keyed by a view of the held record's own id (no copy of the id); open addressing, as a
  /// job ends at every few microseconds of a busy engine and a node each cost an allocation.
  boost::unordered_flat_map<std::string_view, entry, id_hash, id_equal> by_id_;
  std::deque<std::pair<std::uint64_t, shared_job>> order_;  ///< puts, oldest first
  std::uint64_t next_seq_ = 0;
};

}  // namespace jobmesh::actors
