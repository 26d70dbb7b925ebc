#pragma once
/// Job types: a named kind of background work with its item planner and item handler, its
/// group and the types it depends on (DESIGN.md "Job types shipped"). A type checks params at
/// submission, plans items when its job starts, and handles one item at a time on a worker.

#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobmesh::actors {

/// What handling one item came to.
struct item_outcome {
  bool ok = true;
  std::string error;   ///< for people, when !ok
  std::string result;  ///< JSON text of what the item produced, kept with the item; may be empty
  /// When !ok: another try cannot come out otherwise (the record it names does not exist, the
  /// page answered 404 or held a bad record), so the item is not tried again in this run.
  bool permanent = false;
};

/// One item as its handler sees it.
struct item_ref {
  std::int64_t index = 0;
  std::string_view key;      ///< as stored with the item: a number, a URL, a candidate id
  std::int64_t attempt = 1;  ///< counts from 1 within a run
};

/// The work of one job run: its items and how to do them. Shared by the runner and workers.
struct job_plan {
  std::vector<std::string> item_keys;  ///< item i is item_keys[i]
  /// Handles one item. Runs on a worker thread and may block; called concurrently for
  /// different items. Throwing counts as a failed try.
  std::function<item_outcome(const item_ref& item)> handle;
  /// When set, used instead of `handle`: handles a batch of items at once (one query or one
  /// write for all of them) and answers one outcome per item, in order. Throwing fails them all.
  std::function<std::vector<item_outcome>(const std::vector<item_ref>& items)> handle_batch;
  /// When positive, each try of an item first waits this long on its runner's timer, holding
  /// no worker thread, and then `handle` runs on the runner, which must then return in
  /// microseconds (never block or wait itself): how an item that waits on something outside
  /// the process (a poll, a rate limit) runs without a thread parked on the wait. A thousand
  /// such jobs waiting at once cost no more threads than one. `handle_batch` is not used.
  std::chrono::milliseconds wait_per_try{0};
  /// Items per batch handed to a worker; 0 leaves it to the engine (`jobs.batch_size`).
  std::int64_t batch_size = 0;
  /// At most this many batches of the job in flight at once; 0 = the engine's worker count.
  std::int64_t parallelism = 0;
  /// Its handler returns in microseconds, never blocks or waits, and changes nothing outside
  /// its item's result (running it twice does no harm): a first run of a job with at most
  /// k_quick_items items then runs in a batch of such jobs, its items handled inline by the
  /// batch (no worker, no actor of its own), and its whole run is one write, shared with the
  /// batch's other jobs. There is no claim first (whose lease and fence guard long runs and
  /// runs with side effects): the end is fenced on the job being still queued, so of two nodes
  /// that ran it the first to commit wins and the other's result is dropped, and a node that
  /// stops before the commit leaves the job queued, to run again.
  bool quick = false;
  /// Not empty: the job cannot run (say, the record it names does not exist); it fails at once
  /// with this reason, without a retry.
  std::string refused;
};

/// The most items a quick plan may have and still run in a batch (a bigger job runs alone).
constexpr std::size_t k_quick_items = 16;

/// A registered kind of job.
struct job_type {
  std::string name;
  std::string group;
  std::string description;
  std::vector<std::string> depends_on;
  /// Its params as a JSON Schema object (shown by `GET /api/v1/job-types`).
  boost::json::object params_schema;
  /// The share of failed items (0..1) a job may end with and still be `completed`, unless the
  /// submission says otherwise (API.md `max_failed_ratio`).
  double max_failed_ratio = 0;
  /// `plan` blocks (it reads data): the runner calls it on a thread of its own.
  bool plans_slowly = false;
  /// Planning only reads the params (no I/O, nothing that can wait): a first run then plans
  /// before its claim and writes the claim and the items together (one commit, no read). Any
  /// other type's claim goes first, so that a run hung in planning stops heartbeating and the
  /// stalled sweeper sees it.
  bool plans_from_params = false;
  /// Item results carry a "score": `GET /api/v1/jobs/{id}/result` ranks them by it, best first.
  bool ranks_results = false;
  /// It writes data all users share (records, stored matches, feeds, indexes) or removes any
  /// user's: only an operator (the roles admin and service, which write records) may submit
  /// it; a plain user may submit the others.
  bool for_operators = false;
  /// Returns an error naming the bad param, or nothing when `params` are acceptable.
  std::function<std::optional<std::string>(const boost::json::object& params)> validate;
  /// Plans a run of a job whose params passed `validate`. Throwing counts as a crash of the
  /// run (retried by the supervisor's policy).
  std::function<std::shared_ptr<const job_plan>(const boost::json::object& params, const std::string& job_id)> plan;
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
  /// What is wrong with the types' dependencies, if anything: a `depends_on` naming no
  /// registered type, or a cycle (written "a -> b -> a"). The engine refuses to start with it.
  std::optional<std::string> check_dependencies() const;
  /// The types of `group` and, transitively, every type they depend on (from any group), each
  /// after the types it depends on (among equals by name). Empty when no type is in `group`.
  /// Assumes check_dependencies() found nothing.
  std::vector<const job_type*> group_closure(const std::string& group) const;

private:
  std::map<std::string, job_type> types_;
};

/// A JSON Schema for an integer param in [lo, hi] with its default.
boost::json::object integer_schema(std::int64_t lo, std::int64_t hi, std::int64_t fallback, std::string_view what);

/// A JSON Schema for a boolean param with its default.
boost::json::object boolean_schema(bool fallback, std::string_view what);

/// A JSON Schema for a params object with these properties, `required` ones among them, and
/// no others.
boost::json::object object_schema(boost::json::object properties, std::initializer_list<std::string_view> required);

/// The test types: `noop`, `sleep` (items, ms_per_item), `flaky` (items, fail_probability,
/// optional seed and ms_per_item).
void add_test_job_types(job_type_registry& registry, std::int64_t max_items);

/// A registry holding every type this build ships.
std::shared_ptr<const job_type_registry> make_default_registry(std::int64_t max_items);

}  // namespace jobmesh::actors
