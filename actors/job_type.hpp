#pragma once
/// Job types: a named kind of background work with its item planner and item handler, its
/// group and the types it depends on (DESIGN.md "Job types shipped"). A type checks params at
/// submission, plans items when its job starts, and handles one item at a time on a worker.

#include <boost/json/object.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace jobmesh::actors {

/// What handling one item came to.
struct item_outcome {
  bool ok = true;
  std::string error;  ///< for people, when !ok
};

/// The work of one job run: its items and how to do one. Shared by the runner and workers.
struct job_plan {
  std::vector<std::string> item_keys;  ///< item i is item_keys[i]
  /// Handles item `index` (its `attempt`-th try, from 1). Runs on a worker thread and may
  /// block; called concurrently for different items. Throwing counts as a failed try.
  std::function<item_outcome(std::int64_t index, std::int64_t attempt)> handle;
};

/// A registered kind of job.
struct job_type {
  std::string name;
  std::string group;
  std::string description;
  std::vector<std::string> depends_on;
  /// Returns an error naming the bad param, or nothing when `params` are acceptable.
  std::function<std::optional<std::string>(const boost::json::object& params)> validate;
  /// Plans a run of a job whose params passed `validate`.
  std::function<std::shared_ptr<const job_plan>(const boost::json::object& params)> plan;
};

/// The registered job types, by name. Built once at start, then read-only (thread-safe reads).
class job_type_registry {
public:
  /// Adds `type`; a later type of the same name replaces the earlier one.
  void add(job_type type);
  /// The type called `name`, or nullptr.
  const job_type* find(const std::string& name) const;
  /// Every type, by name.
  const std::map<std::string, job_type>& all() const { return types_; }

private:
  std::map<std::string, job_type> types_;
};

/// The test types: `noop`, `sleep` (items, ms_per_item), `flaky` (items, fail_probability,
/// optional seed and ms_per_item).
void add_test_job_types(job_type_registry& registry, std::int64_t max_items);

/// A registry holding every type this build ships.
std::shared_ptr<const job_type_registry> make_default_registry(std::int64_t max_items);

}  // namespace jobmesh::actors
