#include "actors/maintenance_job_types.hpp"

#include "actors/detail/blocking_ask.hpp"
#include "actors/detail/params.hpp"
#include "actors/job_json.hpp"

#include <fmt/format.h>

namespace jobmesh::actors {

namespace {

constexpr auto k_ask_timeout = std::chrono::minutes(2);
constexpr std::int64_t k_max_batches = 100'000;

struct cleanup_params {
  std::int64_t batch_size = 1000;
};

detail::problem parse(const boost::json::object& p, cleanup_params& out) {
  if (auto e = detail::only_known(p, {"batch_size"}))
    return e;
  return detail::read_int(p, "batch_size", 1, 100'000, 1000, out.batch_size);
}

// One item per batch of the jobs expired when the job planned (jobs that expire later wait for
// the next run); an item deletes up to batch_size of those expired by the plan's time.
job_type expired_job_cleanup_type(maintenance_job_context ctx) {
  job_type t;
  t.name = "expired-job-cleanup";
  t.group = "maintenance";
  t.description = "deletes finished jobs past their expires_at (end + jobs.retention_days) with their items";
  t.plans_slowly = true;
  t.params_schema = object_schema(
      {{"batch_size", integer_schema(1, 100'000, 1000, "jobs deleted per item, each in its own transaction")}}, {});
  t.validate = [](const boost::json::object& p) {
    cleanup_params cp;
    return parse(p, cp);
  };
  t.plan = [ctx](const boost::json::object& p, const std::string&) {
    cleanup_params cp;
    parse(p, cp);
    auto now = now_ms();
    auto expired = detail::blocking_ask_or_throw<std::int64_t>(*ctx.system, k_ask_timeout, ctx.reader,
                                                               cleanup_atom::value, now);
    auto batches = std::clamp<std::int64_t>((expired + cp.batch_size - 1) / cp.batch_size, 1, k_max_batches);
    auto plan = std::make_shared<job_plan>();
    for (std::int64_t i = 1; i <= batches; ++i)
      plan->item_keys.push_back(fmt::format("batch {} of {}", i, batches));
    plan->batch_size = 1;
    plan->parallelism = 1;  // deletes contend for one writer: one at a time
    plan->handle = [ctx, now, limit = cp.batch_size](const item_ref&) {
      auto deleted = detail::blocking_ask_or_throw<std::int64_t>(*ctx.system, k_ask_timeout, ctx.writer,
                                                                 cleanup_atom::value, now, limit);
      return item_outcome{true, {}, fmt::format(R"({{"deleted":{}}})", deleted)};
    };
    return std::shared_ptr<const job_plan>{std::move(plan)};
  };
  return t;
}

}  // namespace

void add_maintenance_job_types(job_type_registry& registry, maintenance_job_context ctx) {
  registry.add(expired_job_cleanup_type(ctx));
}

}  // namespace jobmesh::actors
