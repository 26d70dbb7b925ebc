#include "actors/maintenance_job_types.hpp"

#include "actors/detail/blocking_ask.hpp"
#include "actors/detail/params.hpp"
#include "actors/job_json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <fmt/format.h>

namespace jobmesh::actors {

namespace {

using detail::k_ask_timeout;
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
  t.for_operators = true;
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

// ---- stats-reconcile -------------------------------------------------------------------------

constexpr std::size_t k_drift_shown = 20;

struct reconcile_params {
  std::vector<std::string> candidate_ids;
  std::int64_t batch_size = 500;
  bool repair = true;
};

detail::problem parse(const boost::json::object& p, std::int64_t max_items, reconcile_params& out) {
  if (auto e = detail::only_known(p, {"candidate_ids", "batch_size", "repair"}))
    return e;
  if (auto e = detail::read_int(p, "batch_size", 1, 10'000, 500, out.batch_size))
    return e;
  if (auto e = detail::read_bool(p, "repair", true, out.repair))
    return e;
  return detail::read_ids(p, "candidate_ids", max_items, out.candidate_ids);
}

std::string result_of(const reconcile_report& r) {
  boost::json::array drift;
  for (std::size_t i = 0; i < std::min(k_drift_shown, r.drift.size()); ++i) {
    const auto& d = r.drift[i];
    drift.push_back({{"candidate_id", d.candidate_id},
                     {"where", d.where},
                     {"field", d.field},
                     {"held", d.held},
                     {"recounted", d.recounted}});
  }
  boost::json::array drifted;
  for (const auto& id : r.drifted)
    drifted.push_back(boost::json::string{id});
  return json_text(boost::json::object{{"checked", r.checked},
                                       {"events", r.events},
                                       {"drifted", r.drifted.size()},
                                       {"score", r.drifted.size()},
                                       {"candidates", std::move(drifted)},
                                       {"shards_checked", r.shards_checked},
                                       {"repaired", r.repaired},
                                       {"drift", std::move(drift)},
                                       {"drift_total", r.drift.size()}});
}

job_type stats_reconcile_type(maintenance_job_context ctx) {
  job_type t;
  t.name = "stats-reconcile";
  t.for_operators = true;
  t.group = "maintenance";
  t.description = "recounts candidates' activity aggregates from the stored events, reports drift in the "
                  "tracker and the shards, and repairs it";
  t.plans_slowly = true;
  t.ranks_results = true;
  t.params_schema = object_schema(
      {{"candidate_ids", detail::ids_schema(ctx.max_items, "these candidates only; absent: every candidate with "
                                                           "stored events or tracked totals")},
       {"batch_size", integer_schema(1, 10'000, 500, "candidates per item")},
       {"repair", boolean_schema(true, "put drift right (false: report only)")}},
      {});
  t.validate = [max = ctx.max_items](const boost::json::object& p) {
    reconcile_params rp;
    return parse(p, max, rp);
  };
  t.plan = [ctx](const boost::json::object& p, const std::string&) {
    reconcile_params rp;
    parse(p, ctx.max_items, rp);
    auto ids = rp.candidate_ids;
    if (ids.empty())
      ids = detail::blocking_ask_or_throw<std::vector<std::string>>(*ctx.system, k_ask_timeout, ctx.activity,
                                                                   reconcile_atom::value);
    auto batches = std::make_shared<std::vector<std::vector<std::string>>>();
    auto plan = std::make_shared<job_plan>();
    auto size = static_cast<std::size_t>(rp.batch_size);
    for (std::size_t at = 0; at < ids.size(); at += size) {
      auto end = std::min(ids.size(), at + size);
      batches->emplace_back(ids.begin() + static_cast<std::ptrdiff_t>(at), ids.begin() + static_cast<std::ptrdiff_t>(end));
      plan->item_keys.push_back(fmt::format("{}..{}", ids[at], ids[end - 1]));
    }
    plan->batch_size = 1;
    plan->parallelism = 1;  // each batch reads through the writer
    plan->handle = [ctx, batches, repair = rp.repair](const item_ref& item) {
      auto report = detail::blocking_ask_or_throw<reconcile_report>(
          *ctx.system, k_ask_timeout, ctx.activity, reconcile_atom::value,
          (*batches)[static_cast<std::size_t>(item.index)], repair);
      return item_outcome{true, {}, result_of(report)};
    };
    return std::shared_ptr<const job_plan>{std::move(plan)};
  };
  return t;
}

// ---- orphan-cleanup --------------------------------------------------------------------------

struct orphan_params {
  std::int64_t batch_size = 1000;
  bool dry_run = false;
};

detail::problem parse(const boost::json::object& p, orphan_params& out) {
  if (auto e = detail::only_known(p, {"batch_size", "dry_run"}))
    return e;
  if (auto e = detail::read_int(p, "batch_size", 1, 100'000, 1000, out.batch_size))
    return e;
  return detail::read_bool(p, "dry_run", false, out.dry_run);
}

// One table: its orphans counted (dry run) or deleted, `limit` records per transaction.
item_outcome clean_table(const maintenance_job_context& ctx, const storage::orphan_table& t, const orphan_params& op) {
  std::string name{t.name};
  if (op.dry_run) {
    auto count = detail::blocking_ask_or_throw<storage::orphan_count>(*ctx.system, k_ask_timeout, ctx.records,
                                                                     orphan_atom::value, name);
    return {true, {}, json_text(boost::json::object{{"table", name}, {"rows", count.rows}, {"records", count.owners},
                                                    {"dry_run", true}})};
  }
  std::int64_t rows = 0, records = 0;
  boost::json::array sample;
  for (std::int64_t round = 0; round < k_max_batches; ++round) {
    auto deleted = detail::blocking_ask_or_throw<storage::orphan_deletion>(*ctx.system, k_ask_timeout, ctx.writer,
                                                                          orphan_atom::value, name, op.batch_size);
    if (deleted.owners.empty())
      break;
    rows += deleted.rows;
    records += static_cast<std::int64_t>(deleted.owners.size());
    for (const auto& id : deleted.owners)
      if (sample.size() < k_drift_shown)
        sample.push_back(boost::json::string{id});
    // The tracker and the shards forget the removed events: a recount finds none and repairs.
    if (t.table == "activity")
      detail::blocking_ask_or_throw<reconcile_report>(*ctx.system, k_ask_timeout, ctx.activity,
                                                      reconcile_atom::value, std::move(deleted.owners), true);
  }
  return {true, {}, json_text(boost::json::object{{"table", name}, {"rows", rows}, {"records", records},
                                                  {"sample", std::move(sample)}})};
}

job_type orphan_cleanup_type(maintenance_job_context ctx) {
  job_type t;
  t.name = "orphan-cleanup";
  t.for_operators = true;
  t.group = "maintenance";
  t.description = "deletes activity, match results, affinity, feeds, trending and skill index rows of deleted "
                  "candidates and postings; an item is a table";
  t.params_schema = object_schema(
      {{"batch_size", integer_schema(1, 100'000, 1000, "deleted records whose rows go in one transaction")},
       {"dry_run", boolean_schema(false, "count the rows, delete nothing")}},
      {});
  t.validate = [](const boost::json::object& p) {
    orphan_params op;
    return parse(p, op);
  };
  t.plan = [ctx](const boost::json::object& p, const std::string&) {
    orphan_params op;
    parse(p, op);
    auto plan = std::make_shared<job_plan>();
    for (const auto& table : storage::orphan_tables())
      plan->item_keys.emplace_back(table.name);
    plan->batch_size = 1;
    plan->parallelism = 1;  // deletes contend for one writer
    plan->handle = [ctx, op](const item_ref& item) {
      return clean_table(ctx, storage::orphan_tables().at(static_cast<std::size_t>(item.index)), op);
    };
    return std::shared_ptr<const job_plan>{std::move(plan)};
  };
  return t;
}

}  // namespace

void add_maintenance_job_types(job_type_registry& registry, maintenance_job_context ctx) {
  registry.add(expired_job_cleanup_type(ctx));
  registry.add(stats_reconcile_type(ctx));
  registry.add(orphan_cleanup_type(ctx));
}

}  // namespace jobmesh::actors
