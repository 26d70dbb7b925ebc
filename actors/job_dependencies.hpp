#pragma once
/// Jobs waiting for other jobs (API.md `depends_on`): a job whose dependencies have not all
/// completed is `queued` but not runnable. The graph holds such jobs with the dependency ids
/// still open, and an index from each open dependency to the jobs waiting on it, so the end of
/// a job touches only its dependents. It knows nothing of actors or storage; the supervisor
/// tells it when a job ended and how.
///
/// Not thread-safe: the supervisor owns it and calls it from its own handlers.

#include "storage/job_record.hpp"

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace jobmesh::actors {

class dependency_graph {
public:
  /// What the end of one dependency changed.
  struct settled {
    std::vector<storage::job_record> ready;  ///< every dependency completed: may run now
    std::vector<storage::job_record> doomed; ///< a dependency did not complete: must fail
  };

  /// Adds `job`, waiting for every id in `open` (ids already known complete are left out by
  /// the caller). A job already held is not added twice; with `open` empty the job is not
  /// held and false is returned: it may run at once.
  bool add(storage::job_record job, const std::vector<std::string>& open);

  /// `dependency` ended: `completed` says whether it completed. Its waiting jobs lose it from
  /// their open set; those with none left are `ready`, and when it did not complete every job
  /// waiting on it is `doomed` (removed here; the caller fails them, naming it).
  settled ended(const std::string& dependency, bool completed);

  /// Removes and returns the waiting job `id` (cancelled, say); its dependents stay waiting
  /// until the caller reports its end through `ended`.
  std::optional<storage::job_record> remove(const std::string& id);

  /// The waiting job `id`, or nullptr.
  const storage::job_record* find(const std::string& id) const;
  bool contains(const std::string& id) const { return waiting_.contains(id); }
  /// Some job waits for `dependency` (`ended` would settle something).
  bool awaited(const std::string& dependency) const { return dependents_.contains(dependency); }
  std::size_t size() const { return waiting_.size(); }
  /// type -> number of jobs waiting (for queue statistics).
  std::map<std::string, std::size_t> size_by_type() const;

private:
  struct waiter {
    storage::job_record job;
    std::unordered_set<std::string> open;
  };
  void forget(const std::string& id, const waiter& w);

  std::unordered_map<std::string, waiter> waiting_;
  std::unordered_map<std::string, std::unordered_set<std::string>> dependents_;  ///< dependency -> waiting ids
};

}  // namespace jobmesh::actors
