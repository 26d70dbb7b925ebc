// A job batch: many quick jobs run by one actor, one commit for all of their runs.
#include "actors/detail/job_log.hpp"
#include "actors/detail/job_outcome.hpp"
#include "actors/errors.hpp"
#include "actors/job_json.hpp"
#include "actors/job_runner.hpp"
#include "actors/worker_pool.hpp"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <map>
#include <unordered_map>
#include <unordered_set>

namespace jobmesh::actors {

namespace {

struct batch_job {
  storage::job_record job;
  storage::job_record before_end;  ///< what `get` answers while the end is being written
  std::shared_ptr<const job_plan> plan;
  std::vector<storage::item_record> items;
  bool cancelled = false;  ///< asked to stop before its items ran
};

struct batch_state {
  runner_context ctx;
  job_done_listener supervisor;
  std::vector<batch_job> jobs;
  std::unordered_map<std::string, std::size_t> position;  ///< job id -> index in `jobs`
  std::vector<storage::job_record> superseded;
  bool ending = false;  ///< the items ran; the ends are being written
  std::shared_ptr<const std::atomic<bool>> never_stop = std::make_shared<std::atomic<bool>>(false);
  static inline const char* name = "job_batch";
};

using batch_pointer = job_runner_actor::stateful_pointer<batch_state>;

// Drops the jobs whose fences storage refused: another attempt owns each of them now.
void drop_refused(batch_state& st, const std::vector<std::string>& refused) {
  if (refused.empty())
    return;
  std::unordered_set<std::string> gone(refused.begin(), refused.end());
  std::vector<batch_job> kept;
  for (auto& j : st.jobs) {
    if (!gone.contains(j.job.id)) {
      kept.push_back(std::move(j));
      continue;
    }
    spdlog::warn("job {}: storage refused the end of attempt {} (another attempt owns the job, or its "
                 "submission was not stored); the batch drops it",
                 j.job.id, j.job.attempt);
    st.superseded.push_back(std::move(j.job));
  }
  st.jobs = std::move(kept);
  st.position.clear();
  for (std::size_t i = 0; i < st.jobs.size(); ++i)
    st.position.emplace(st.jobs[i].job.id, i);
}

// Runs the job's items here: a quick handler returns in microseconds and never blocks.
void run_items(batch_state& st, batch_job& j) {
  if (j.cancelled)
    return detail::settle(j.job, storage::job_status::cancelled, "cancelled by request", st.ctx.settings.retention_days);
  work_batch work{j.job.id, j.plan, {}, {}, st.ctx.settings.item_max_attempts, st.never_stop};
  for (const auto& item : j.items) {
    work.indexes.push_back(item.index);
    work.keys.push_back(item.key);
  }
  auto result = run_batch(work);
  detail::apply_results(j.job, j.items, result, now_ms(), st.ctx.metrics.get(), nullptr);
  detail::settle_by_items(j.job, j.items, st.ctx.settings.retention_days);
}

// One line at info for a batch (a batch of one: its job's line); each job's at debug.
void log_ends(const batch_state& st) {
  bool quiet = st.jobs.size() > 1;
  for (const auto& j : st.jobs)
    detail::log_transition(j.job, storage::job_status::running, quiet);
  if (!quiet)
    return;
  std::map<std::string, std::size_t> by_status;
  for (const auto& j : st.jobs)
    ++by_status[std::string{to_string(j.job.status)}];
  std::string counts;
  for (const auto& [status, n] : by_status)
    counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", n, status);
  spdlog::info("batch of {} quick jobs running -> {} (first {}, last {})", st.jobs.size(), counts,
               st.jobs.front().job.id, st.jobs.back().job.id);
}

void report(batch_pointer self) {
  auto& st = self->state;
  std::vector<storage::job_record> ended;
  ended.reserve(st.jobs.size());
  if (!st.jobs.empty())
    log_ends(st);
  for (auto& j : st.jobs)  // the supervisor tells their ends (on_batch_done)
    ended.push_back(std::move(j.job));
  self->send(st.supervisor, done_atom::value, std::move(ended), std::move(st.superseded));
  self->quit();
}

// Every job's items run, then all the ends go in one write, each fenced on the job being still
// queued at the attempt before: a quick job needs no claim of its own (see job_plan::quick).
void finish(batch_pointer self) {
  auto& st = self->state;
  st.ending = true;
  storage::write_batch ends;
  for (auto& j : st.jobs) {
    j.before_end = j.job;
    run_items(st, j);
    ends.updated_jobs.push_back(j.job);
    ends.fences.push_back({j.job.id, j.job.attempt - 1, storage::job_status::queued});
    // Their first write: a run that stops before this leaves the job queued, with no items. A
    // job of one item keeps it in its own row: one row written for its end, not two.
    if (j.items.size() == 1)
      ends.single_items.emplace(j.job.id, storage::encode_single_item(j.items.front(), j.job.completed_at));
    else
      ends.inserted_items.insert(ends.inserted_items.end(), j.items.begin(), j.items.end());
  }
  self->request(st.ctx.writer, caf::infinite, write_atom::value, std::move(ends), fences_atom::value)
      .then(
          [=](std::vector<std::string>& refused) {
            drop_refused(self->state, refused);
            report(self);
          },
          [=](caf::error& e) {
            spdlog::error("a batch of {} jobs: their end could not be stored: {}", self->state.jobs.size(),
                          message_of(e));
            self->quit(std::move(e));
          });
}

// Every job at its attempt, its items planned; they run on the batch's first message.
void prepare(batch_state& st) {
  auto now = now_ms();
  for (auto& j : st.jobs) {
    j.job.heartbeat_at = j.job.updated_at = now;
    j.job.processed_items = j.job.failed_items = 0;
    j.job.total_items = static_cast<std::int64_t>(j.plan->item_keys.size());
    for (std::size_t i = 0; i < j.plan->item_keys.size(); ++i)
      j.items.push_back({j.job.id, static_cast<std::int64_t>(i), j.plan->item_keys[i]});
  }
}

job_runner_actor::behavior_type batch(batch_pointer self, runner_context ctx, job_done_listener supervisor,
                                      std::vector<quick_job> jobs) {
  auto& st = self->state;
  self->set_exception_handler(error_of_exception);
  st.ctx = std::move(ctx);
  st.supervisor = std::move(supervisor);
  st.jobs.reserve(jobs.size());
  for (auto& q : jobs) {
    st.position.emplace(q.job.id, st.jobs.size());
    st.jobs.push_back({std::move(q.job), {}, std::move(q.plan), {}, false});
  }
  prepare(st);
  self->send(self, tick_atom::value);  // runs them, after any cancel already on its way
  return {
      [=](caf::get_atom, const std::string& id) -> caf::result<storage::job_record> {
        auto& s = self->state;
        auto it = s.position.find(id);
        if (it == s.position.end())
          return make_error(errc::not_found, "job " + id + " is not in this batch");
        const auto& j = s.jobs[it->second];
        return s.ending ? j.before_end : j.job;
      },
      [=](cancel_atom, const std::string& id) {
        // Its items have not run yet: it ends cancelled instead. Later, it is ending already
        // (the supervisor then answers that it ended as it did).
        auto& s = self->state;
        if (auto it = s.position.find(id); it != s.position.end() && !s.ending)
          s.jobs[it->second].cancelled = true;
      },
      [=](drain_atom) {},  // a batch ends within a commit or two: a graceful stop waits for it
      [=](tick_atom) {
        if (!self->state.ending)
          finish(self);
      },
      [=](timeout_atom) {},
      [=](waited_atom, std::int64_t, std::int64_t, std::int64_t) {},  // a quick plan never waits
  };
}

}  // namespace

job_runner_actor spawn_job_batch(caf::local_actor* parent, runner_context ctx, job_done_listener supervisor,
                                 std::vector<quick_job> jobs) {
  return parent->spawn(batch, std::move(ctx), std::move(supervisor), std::move(jobs));
}

}  // namespace jobmesh::actors
