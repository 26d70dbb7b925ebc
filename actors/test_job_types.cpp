// The test job types (DESIGN.md): for load and fault tests, and for trying the engine out.
#include "actors/job_type.hpp"

#include <chrono>
#include <fmt/format.h>
#include <thread>

namespace jobmesh::actors {

namespace {

constexpr std::int64_t k_max_ms_per_item = 60'000;

// Reads an integer param in [lo, hi]; `fallback` when absent.
std::optional<std::string> read_int(const boost::json::object& params, const char* name, std::int64_t lo,
                                    std::int64_t hi, std::int64_t fallback, std::int64_t& out) {
  auto it = params.find(name);
  if (it == params.end()) {
    out = fallback;
    return std::nullopt;
  }
  if (!it->value().is_int64() && !it->value().is_uint64())
    return fmt::format("params.{} must be an integer in [{}, {}]", name, lo, hi);
  auto v = it->value().is_int64() ? it->value().as_int64() : static_cast<std::int64_t>(it->value().as_uint64());
  if (v < lo || v > hi)
    return fmt::format("params.{} must be an integer in [{}, {}], got {}", name, lo, hi, v);
  out = v;
  return std::nullopt;
}

std::optional<std::string> read_probability(const boost::json::object& params, double& out) {
  auto it = params.find("fail_probability");
  if (it == params.end()) {
    out = 0.1;
    return std::nullopt;
  }
  const auto& v = it->value();
  double p = v.is_double() ? v.as_double() : v.is_int64() ? static_cast<double>(v.as_int64()) : -1.0;
  if (!(v.is_double() || v.is_int64()) || p < 0.0 || p > 1.0)
    return "params.fail_probability must be a number in [0, 1]";
  out = p;
  return std::nullopt;
}

// Rejects params the type does not know, so a typo is not silently ignored.
std::optional<std::string> only_known(const boost::json::object& params, std::initializer_list<const char*> known) {
  for (const auto& kv : params) {
    bool found = false;
    for (const char* k : known)
      found = found || kv.key() == k;
    if (!found)
      return fmt::format("params.{} is not a parameter of this job type", std::string_view{kv.key()});
  }
  return std::nullopt;
}

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
  double fail_probability = 0;
};

std::optional<std::string> parse(const boost::json::object& p, std::int64_t max_items, bool flaky, test_params& out) {
  if (auto e = only_known(p, flaky ? std::initializer_list<const char*>{"items", "ms_per_item", "fail_probability", "seed"}
                                   : std::initializer_list<const char*>{"items", "ms_per_item"}))
    return e;
  if (auto e = read_int(p, "items", 0, max_items, 1, out.items))
    return e;
  if (auto e = read_int(p, "ms_per_item", 0, k_max_ms_per_item, 0, out.ms_per_item))
    return e;
  if (!flaky)
    return std::nullopt;
  if (auto e = read_int(p, "seed", 0, INT64_MAX, 0, out.seed))
    return e;
  return read_probability(p, out.fail_probability);
}

// A well-mixed hash, so the flaky type's failures are reproducible from (seed, item, attempt).
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

job_type make_test_type(std::string name, std::string description, std::int64_t max_items, bool flaky) {
  job_type t;
  t.name = std::move(name);
  t.group = "test";
  t.description = std::move(description);
  t.validate = [max_items, flaky](const boost::json::object& p) {
    test_params tp;
    return parse(p, max_items, flaky, tp);
  };
  t.plan = [max_items, flaky](const boost::json::object& p) {
    test_params tp;
    parse(p, max_items, flaky, tp);  // validated at submission; defaults fill what is absent
    auto plan = std::make_shared<job_plan>();
    plan->item_keys = numbered_keys(tp.items);
    plan->handle = [tp](std::int64_t index, std::int64_t attempt) {
      if (tp.ms_per_item > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(tp.ms_per_item));
      if (tp.fail_probability <= 0)
        return item_outcome{};
      auto h = mix(static_cast<std::uint64_t>(tp.seed) ^ mix(static_cast<std::uint64_t>(index) * 1000003u + attempt));
      double draw = static_cast<double>(h >> 11) * 0x1.0p-53;
      if (draw < tp.fail_probability)
        return item_outcome{false, fmt::format("item {} failed on purpose (attempt {})", index, attempt)};
      return item_outcome{};
    };
    return std::shared_ptr<const job_plan>{std::move(plan)};
  };
  return t;
}

}  // namespace

void add_test_job_types(job_type_registry& registry, std::int64_t max_items) {
  registry.add(make_test_type("noop", "does nothing per item; for load tests", max_items, false));
  registry.add(make_test_type("sleep", "waits ms_per_item per item; params items, ms_per_item", max_items, false));
  registry.add(make_test_type("flaky",
                              "fails items with fail_probability (reproducible with seed); params items, "
                              "fail_probability, seed, ms_per_item",
                              max_items, true));
}

}  // namespace jobmesh::actors
