// The test job types (DESIGN.md): for load and fault tests, and for trying the engine out.
#include "actors/job_type.hpp"

#include "actors/detail/params.hpp"

#include <chrono>
#include <fmt/format.h>
#include <map>
#include <mutex>
#include <thread>

namespace jobmesh::actors {

namespace {

using detail::only_known;
using detail::read_int;

constexpr std::int64_t k_max_ms_per_item = 60'000;
constexpr std::int64_t k_max_parallelism = 1'024;

std::vector<std::string> numbered_keys(std::int64_t n) {
  std::vector<std::string> keys;
  keys.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i)
    keys.push_back(std::to_string(i));
  return keys;
}

struct test_params {
  std::int64_t items = 1;
  std::int64_t ms_per_item = 0;
  std::int64_t seed = 0;
  std::int64_t parallelism = 0;  ///< items in flight at once; 0: as many as there are workers
  double fail_probability = 0;
  std::string message;  ///< what a failure says instead of the default (flaky)
};

std::optional<std::string> parse(const boost::json::object& p, std::int64_t max_items, bool flaky, test_params& out) {
  if (auto e = only_known(p, flaky ? std::initializer_list<std::string_view>{"items", "ms_per_item", "parallelism", "fail_probability", "seed", "message"}
                                   : std::initializer_list<std::string_view>{"items", "ms_per_item", "parallelism"}))
    return e;
  if (auto e = read_int(p, "items", 0, max_items, 1, out.items))
    return e;
  if (auto e = read_int(p, "ms_per_item", 0, k_max_ms_per_item, 0, out.ms_per_item))
    return e;
  if (auto e = read_int(p, "parallelism", 0, k_max_parallelism, 0, out.parallelism))
    return e;
  if (!flaky)
    return std::nullopt;
  if (auto e = read_int(p, "seed", 0, INT64_MAX, 0, out.seed))
    return e;
  if (auto e = detail::read_string(p, "message", 1'000, "", out.message))
    return e;
  return detail::read_number(p, "fail_probability", 0.0, 1.0, 0.1, out.fail_probability);
}

// A well-mixed hash, so the flaky type's failures are reproducible from (seed, item, attempt).
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

boost::json::object test_schema(std::int64_t max_items, bool flaky) {
  boost::json::object properties{
      {"items", integer_schema(0, max_items, 1, "how many items the job has")},
      {"ms_per_item", integer_schema(0, k_max_ms_per_item, 0, "how long each item takes")},
      {"parallelism", integer_schema(0, k_max_parallelism, 0, "items in flight at once; 0: as many as there are workers")},
  };
  if (flaky) {
    properties["fail_probability"] = {{"type", "number"}, {"minimum", 0}, {"maximum", 1}, {"default", 0.1},
                                      {"description", "the chance that one try of an item fails"}};
    properties["seed"] = integer_schema(0, INT64_MAX, 0, "makes the failures reproducible");
    properties["message"] = {{"type", "string"}, {"minLength", 1}, {"maxLength", 1000},
                             {"description", "what a failure says (default: item N failed on purpose (attempt A))"}};
  }
  return object_schema(std::move(properties), {});
}

job_type make_test_type(std::string name, std::string description, std::int64_t max_items, bool flaky) {
  job_type t;
  t.name = std::move(name);
  t.group = "test";
  t.description = std::move(description);
  t.params_schema = test_schema(max_items, flaky);
  t.plans_from_params = true;
  t.validate = [max_items, flaky](const boost::json::object& p) {
    test_params tp;
    return parse(p, max_items, flaky, tp);
  };
  t.plan = [max_items, flaky](const boost::json::object& p, const std::string&) {
    test_params tp;
    parse(p, max_items, flaky, tp);  // validated at submission; defaults fill what is absent
    auto plan = std::make_shared<job_plan>();
    plan->item_keys = numbered_keys(tp.items);
    plan->quick = tp.ms_per_item == 0;
    plan->parallelism = tp.parallelism;
    plan->wait_per_try = std::chrono::milliseconds(tp.ms_per_item);  // on a timer, not a worker
    plan->handle = [tp](const item_ref& item) {
      if (tp.fail_probability <= 0)
        return item_outcome{};
      auto h = mix(static_cast<std::uint64_t>(tp.seed) ^
                   mix(static_cast<std::uint64_t>(item.index) * 1000003u + static_cast<std::uint64_t>(item.attempt)));
      double draw = static_cast<double>(h >> 11) * 0x1.0p-53;
      if (draw < tp.fail_probability)
        return item_outcome{false, tp.message.empty()
                                       ? fmt::format("item {} failed on purpose (attempt {})", item.index, item.attempt)
                                       : tp.message};
      return item_outcome{};
    };
    return std::shared_ptr<const job_plan>{std::move(plan)};
  };
  return t;
}

constexpr std::int64_t k_max_hang_s = 3'600;

// `hang`: its planning blocks the runner itself for `seconds` on the first `hangs` runs of a job,
// as a deadlocked runner or a frozen node would: the heartbeat stops, the stalled sweeper
// requeues the job, and the next attempt (which does not hang) completes it while the hung
// one's late writes are refused. Runs are counted per job id in this process.
job_type make_hang_type() {
  job_type t;
  t.name = "hang";
  t.group = "test";
  t.description = "blocks its runner (no heartbeat) for seconds on its first hangs runs, then has one item; "
                  "shows the stalled sweeper";
  t.params_schema = object_schema({{"seconds", integer_schema(1, k_max_hang_s, 60, "how long a hanging run blocks")},
                                   {"hangs", integer_schema(0, 100, 1, "how many runs of the job hang")}},
                                  {});
  auto read = [](const boost::json::object& p, std::int64_t& seconds, std::int64_t& hangs) {
    if (auto e = only_known(p, {"seconds", "hangs"}))
      return e;
    if (auto e = read_int(p, "seconds", 1, k_max_hang_s, 60, seconds))
      return e;
    return read_int(p, "hangs", 0, 100, 1, hangs);
  };
  t.validate = [read](const boost::json::object& p) {
    std::int64_t seconds = 0, hangs = 0;
    return read(p, seconds, hangs);
  };
  auto runs = std::make_shared<std::pair<std::mutex, std::map<std::string, std::int64_t>>>();
  t.plan = [read, runs](const boost::json::object& p, const std::string& job_id) {
    std::int64_t seconds = 0, hangs = 0;
    read(p, seconds, hangs);
    std::int64_t run = 0;
    {
      std::lock_guard lock{runs->first};
      run = ++runs->second[job_id];
    }
    if (run <= hangs)
      std::this_thread::sleep_for(std::chrono::seconds(seconds));
    auto plan = std::make_shared<job_plan>();
    plan->item_keys = {fmt::format("run {}", run)};
    plan->handle = [](const item_ref&) { return item_outcome{}; };
    return std::shared_ptr<const job_plan>{std::move(plan)};
  };
  return t;
}

}  // namespace

void add_test_job_types(job_type_registry& registry, std::int64_t max_items) {
  registry.add(make_test_type("noop", "does nothing per item; for load tests", max_items, false));
  registry.add(make_test_type("sleep", "waits ms_per_item per item; params items, ms_per_item, parallelism", max_items, false));
  registry.add(make_test_type("flaky",
                              "fails items with fail_probability (reproducible with seed); params items, "
                              "fail_probability, seed, ms_per_item, message",
                              max_items, true));
  registry.add(make_hang_type());
}

}  // namespace jobmesh::actors
