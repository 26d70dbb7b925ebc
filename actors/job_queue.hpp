#pragma once
/// The queue of jobs waiting to run: one FIFO per priority, and aging: a job gains one priority
/// point per `aging_step` waited, so a flood of high-priority jobs cannot starve the rest.
/// Picking looks only at the head of each priority, so it costs O(number of priorities).

#include "storage/job_record.hpp"

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <unordered_set>

namespace jobmesh::actors {

class job_queue {
public:
  explicit job_queue(std::chrono::milliseconds aging_step) : aging_step_(aging_step) {}

  /// Adds `job`, waiting since `since_ms`. A job already queued (same id) is not added twice.
  void push(storage::job_record job, std::int64_t since_ms);

  /// Removes and returns the job to run next at `now_ms`: the highest aged priority, the
  /// longest-waiting among equals.
  std::optional<storage::job_record> pop(std::int64_t now_ms);

  /// Removes the job with `id`; returns it if it was queued.
  std::optional<storage::job_record> remove(const std::string& id);

  /// The queued job with `id`, or nullptr.
  const storage::job_record* find(const std::string& id) const;

  bool contains(const std::string& id) const { return ids_.contains(id); }
  std::size_t size() const { return ids_.size(); }
  bool empty() const { return ids_.empty(); }

private:
  struct entry {
    storage::job_record job;
    std::int64_t since_ms;
  };
  double aged_priority(const entry& e, std::int64_t now_ms) const;

  std::chrono::milliseconds aging_step_;
  std::map<std::int64_t, std::deque<entry>, std::greater<>> by_priority_;
  std::unordered_set<std::string> ids_;
};

}  // namespace jobmesh::actors
