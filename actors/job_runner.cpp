#include "actors/job_runner.hpp"

#include "actors/detail/job_log.hpp"
#include "actors/detail/job_outcome.hpp"
#include "actors/errors.hpp"
#include "actors/job_json.hpp"

#include <boost/json/parse.hpp>
#include <deque>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace jobmesh::actors {

namespace {

enum class ending { none, cancelled, timed_out, broken, drained };

struct runner_state {
  runner_context ctx;
  job_done_listener supervisor;
  storage::job_record job;
  storage::job_record before_end;  ///< what `get` answers while the final state is being written
  std::shared_ptr<const job_plan> plan;
  std::vector<storage::item_record> items;  ///< every item; items[i].index == i
  std::deque<std::int64_t> pending;
  std::size_t in_flight = 0;
  std::size_t parallelism = 1;
  std::shared_ptr<std::atomic<bool>> stop = std::make_shared<std::atomic<bool>>(false);
  ending end = ending::none;
  std::string end_reason;
  std::vector<std::int64_t> dirty_items;
  bool started = false;
  bool claimed = false;  ///< the first write (which moves the job to this attempt) is durable
  bool finishing = false;
  static inline const char* name = "job_runner";

  // However the runner ends (shutdown, crash), its workers drop the rest of their batches.
  ~runner_state() { stop->store(true); }
};

using runner_pointer = job_runner_actor::stateful_pointer<runner_state>;

void dispatch(runner_pointer self);
void maybe_finish(runner_pointer self);

// Every write applies only while this run's attempt is the job's (fencing). Until the claim is
// durable (and for a run that ends before it, a plan refused, say) the job is stored queued at
// the attempt before.
storage::job_fence own_fence(const runner_state& st) {
  if (!st.claimed)
    return {st.job.id, st.job.attempt - 1, storage::job_status::queued};
  return {st.job.id, st.job.attempt, storage::job_status::running};
}

// A write refused by its fence: another attempt owns the job now (the stalled sweeper requeued
// it, or another node claimed it). This run stops and writes nothing more.
bool stale(runner_pointer self, const caf::error& e) {
  if (code_of(e) != errc::stale_attempt)
    return false;
  auto& st = self->state;
  spdlog::warn("job {}: attempt {} is stale (its writes were refused); this run stops", st.job.id, st.job.attempt);
  st.stop->store(true);
  self->quit(e);
  return true;
}

// Takes the writes accumulated since the last flush; the heartbeat always goes.
storage::write_batch take_dirty(runner_state& st) {
  storage::write_batch batch;
  batch.updated_jobs.push_back(st.job);
  batch.fences.push_back(own_fence(st));
  for (auto index : st.dirty_items)
    batch.updated_items.push_back(st.items[static_cast<std::size_t>(index)]);
  st.dirty_items.clear();
  return batch;
}

void publish_progress(runner_pointer self) {
  auto data = json_text(progress_to_json(self->state.job, now_ms()));
  publish_job_event(self->state.ctx.hub, self->state.job, "progress", data);
}

// Stops handing out batches; the run ends once the batches in flight are back.
void end_run(runner_pointer self, ending why, std::string reason) {
  auto& st = self->state;
  if (st.end == ending::none) {
    st.end = why;
    st.end_reason = std::move(reason);
  }
  st.stop->store(true);
  maybe_finish(self);
}

std::int64_t retention_days(const runner_state& st) {
  return st.ctx.settings.retention_days;
}

void settle_status(runner_state& st) {
  auto& job = st.job;
  if (st.end == ending::drained) {
    // A graceful stop: back to the queue as if this attempt had not started. Items done stay
    // done; the rest run at the next start.
    job.status = storage::job_status::queued;
    --job.attempt;
    job.error_message = st.end_reason;
    job.current_item.clear();
    job.updated_at = now_ms();
    return;
  }
  switch (st.end) {
    case ending::cancelled: return detail::settle(job, storage::job_status::cancelled, st.end_reason, retention_days(st));
    case ending::timed_out:
    case ending::broken: return detail::settle(job, storage::job_status::failed, st.end_reason, retention_days(st));
    case ending::drained: return;
    case ending::none: return detail::settle_by_items(job, st.items, retention_days(st));
  }
}

// The final state is durable before anyone hears of it: a client that reads the job after the
// terminal event sees the same status.
void finish(runner_pointer self) {
  auto& st = self->state;
  st.finishing = true;
  st.before_end = st.job;
  auto fence = own_fence(st);  // before the status (and, drained, the attempt) changes
  settle_status(st);
  auto batch = take_dirty(st);
  batch.fences = {fence};
  self->request(st.ctx.writer, caf::infinite, write_atom::value, std::move(batch))
      .then(
          [=](caf::ok_atom) {
            auto& s = self->state;
            detail::log_transition(s.job, storage::job_status::running);
            publish_job_event(s.ctx, s.job, std::string{to_string(s.job.status)});
            self->send(s.supervisor, done_atom::value, s.job);
            self->quit();
          },
          [=](caf::error& e) {
            if (stale(self, e))
              return;
            spdlog::error("job {}: final write failed: {}", self->state.job.id, message_of(e));
            self->quit(std::move(e));
          });
}

void maybe_finish(runner_pointer self) {
  auto& st = self->state;
  if (!st.started || st.finishing || st.in_flight > 0)
    return;
  if (st.pending.empty() || st.end != ending::none)
    finish(self);
}

std::size_t next_batch_size(const runner_state& st) {
  if (st.plan->batch_size > 0)
    return static_cast<std::size_t>(st.plan->batch_size);
  // Small batches while there are few items keep every worker busy and progress fine-grained.
  auto spread = st.pending.size() / (st.parallelism * 4);
  return std::clamp<std::size_t>(spread, 1, static_cast<std::size_t>(st.ctx.settings.batch_size));
}

// A batch's results are in: counts, progress, and the next batches.
void take_results(runner_pointer self, batch_result& result) {
  --self->state.in_flight;
  if (self->state.finishing)
    return;  // cancelled meanwhile: its final state is written, this comes too late
  auto& s = self->state;
  detail::apply_results(s.job, s.items, result, now_ms(), s.ctx.metrics.get(), &s.dirty_items);
  publish_progress(self);
  dispatch(self);
  maybe_finish(self);
}

// A try of an item of a plan that waits (job_plan::wait_per_try): its wait is a timer of this
// runner; its handler, quick, runs here when the wait is over.
void wait_then_try(runner_pointer self, std::int64_t index, std::int64_t attempt, std::int64_t first_try_ms) {
  self->delayed_send(self, self->state.plan->wait_per_try, waited_atom::value, index, attempt, first_try_ms);
}

void try_waited_item(runner_pointer self, std::int64_t index, std::int64_t attempt, std::int64_t first_try_ms) {
  auto& st = self->state;
  if (st.stop->load(std::memory_order_relaxed)) {
    batch_result none;  // not handled: it stays pending for a later run
    return take_results(self, none);
  }
  item_result r;
  r.index = index;
  r.attempts = attempt;
  bool again = try_item(*st.plan, item_ref{index, st.items[static_cast<std::size_t>(index)].key, attempt}, r);
  if (!r.ok && again && attempt < st.ctx.settings.item_max_attempts)
    return wait_then_try(self, index, attempt + 1, first_try_ms);
  r.processing_time_ms = now_ms() - first_try_ms;
  batch_result result;
  result.items.push_back(std::move(r));
  take_results(self, result);
}

// Room for another item or batch in flight, and one to send.
bool can_dispatch(const runner_state& st) {
  return st.end == ending::none && st.in_flight < st.parallelism && !st.pending.empty();
}

void dispatch(runner_pointer self) {
  auto& st = self->state;
  if (st.plan->wait_per_try.count() > 0) {
    while (can_dispatch(st)) {
      auto index = st.pending.front();
      st.pending.pop_front();
      st.job.current_item = st.items[static_cast<std::size_t>(index)].key;
      ++st.in_flight;
      wait_then_try(self, index, 1, now_ms());
    }
    return;
  }
  while (can_dispatch(st)) {
    work_batch batch{st.job.id, st.plan, {}, {}, st.ctx.settings.item_max_attempts, st.stop};
    for (auto n = next_batch_size(st); n > 0 && !st.pending.empty(); --n) {
      auto index = st.pending.front();
      st.pending.pop_front();
      batch.indexes.push_back(index);
      batch.keys.push_back(st.items[static_cast<std::size_t>(index)].key);
    }
    st.job.current_item = st.items[static_cast<std::size_t>(batch.indexes.front())].key;
    ++st.in_flight;
    self->request(st.ctx.pool, caf::infinite, run_atom::value, std::move(batch))
        .then(
            [=](batch_result& result) { take_results(self, result); },
            [=](caf::error& e) {
              --self->state.in_flight;
              end_run(self, ending::broken, "worker pool failed: " + message_of(e));
            });
  }
}

// The stored items are the first of this plan's (an earlier run ended while they were stored).
bool is_prefix_of_plan(const std::vector<storage::item_record>& stored, const job_plan& plan) {
  if (stored.size() >= plan.item_keys.size())
    return false;
  for (std::size_t i = 0; i < stored.size(); ++i)
    if (stored[i].key != plan.item_keys[i])
      return false;
  return true;
}

// Items of an earlier run are reused (even if the plan came out otherwise this time): done ones
// stay done, the rest run again. An earlier run that ended while its items were being stored
// left a prefix of them: the rest are added.
void load_items(runner_state& st, std::vector<storage::item_record> stored, storage::write_batch& first_write) {
  auto first_new = stored.empty() || is_prefix_of_plan(stored, *st.plan) ? stored.size() : st.plan->item_keys.size();
  for (auto i = first_new; i < st.plan->item_keys.size(); ++i) {
    stored.push_back({st.job.id, static_cast<std::int64_t>(i), st.plan->item_keys[i]});
    first_write.inserted_items.push_back(stored.back());
  }
  st.items = std::move(stored);
  st.job.processed_items = st.job.failed_items = 0;
  for (auto& item : st.items) {
    if (item.status == storage::item_status::done) {
      ++st.job.processed_items;
      continue;
    }
    if (item.status == storage::item_status::failed) {
      item.status = storage::item_status::pending;
      first_write.updated_items.push_back(item);
    }
    st.pending.push_back(item.index);
  }
  st.job.total_items = static_cast<std::int64_t>(st.items.size());
  auto workers = static_cast<std::size_t>(st.ctx.settings.workers);
  if (st.plan->parallelism > 0)
    workers = std::min(workers, static_cast<std::size_t>(st.plan->parallelism));
  st.parallelism = std::clamp<std::size_t>(st.pending.size(), 1, workers);
}

// Writes `batch` with the job as it is now (heartbeat fresh) under this run's fence, then runs
// `then`; a failed write ends the run (a stale one quietly, anything else as a crash).
template <class Then>
void write_with_job(runner_pointer self, storage::write_batch batch, Then then) {
  auto& st = self->state;
  st.job.updated_at = st.job.heartbeat_at = now_ms();
  batch.updated_jobs.push_back(st.job);
  batch.fences.push_back(own_fence(st));
  self->request(st.ctx.writer, caf::infinite, write_atom::value, std::move(batch))
      .then([=](caf::ok_atom) { then(); },
            [=](caf::error& e) {
              if (!stale(self, e))
                self->quit(std::move(e));
            });
}

// A new job's items are stored in writes of at most this many: a job of 10^6 items never
// holds the writer for long, so other jobs' submissions and progress commit between its chunks.
constexpr std::size_t k_items_per_write = 10'000;

// Writes `batch`'s inserted items from `from` on a chunk at a time, in index order (each chunk
// with the job, under the fence; the last one with the rest of the batch), then runs `then`.
// Stored items are thus always a prefix of the plan's (see load_items).
void write_in_chunks(runner_pointer self, std::shared_ptr<storage::write_batch> batch, std::size_t from,
                     std::function<void()> then) {
  auto& items = batch->inserted_items;
  if (items.size() - from <= k_items_per_write) {
    items.erase(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(from));
    return write_with_job(self, std::move(*batch), then);
  }
  storage::write_batch chunk;
  auto first = items.begin() + static_cast<std::ptrdiff_t>(from);
  chunk.inserted_items.assign(std::make_move_iterator(first),
                              std::make_move_iterator(first + static_cast<std::ptrdiff_t>(k_items_per_write)));
  write_with_job(self, std::move(chunk), [=] {
    if (!self->state.finishing)
      write_in_chunks(self, batch, from + k_items_per_write, then);
  });
}

void begin_run(runner_pointer self, std::vector<storage::item_record> stored) {
  if (self->state.finishing)
    return;
  auto first_write = std::make_shared<storage::write_batch>();
  load_items(self->state, std::move(stored), *first_write);
  write_in_chunks(self, first_write, 0, [=] {
    self->state.started = true;
    publish_progress(self);
    dispatch(self);
    maybe_finish(self);
  });
}

void read_items_then_run(runner_pointer self) {
  self->request(self->state.ctx.reader, caf::infinite, items_atom::value, self->state.job.id)
      .then([=](std::vector<storage::item_record>& stored) { begin_run(self, std::move(stored)); },
            [=](caf::error& e) { self->quit(std::move(e)); });
}

void planning_done(runner_pointer self, plan_outcome& result) {
  auto& st = self->state;
  if (st.finishing)
    return;  // cancelled while it planned
  if (!result.plan || !result.plan->refused.empty()) {
    st.started = true;
    end_run(self, ending::broken, result.plan ? result.plan->refused : result.error);
    return;
  }
  st.plan = std::move(result.plan);
  read_items_then_run(self);
}

// Plans from the job's params: here, or on a thread of its own for a type whose planning
// reads data (it may block). A job whose params no longer plan cannot run at all.
void start_planning(runner_pointer self) {
  auto& st = self->state;
  plan_outcome failed;
  const auto* type = st.ctx.types->find(st.job.type);
  boost::system::error_code ec;
  auto params = boost::json::parse(st.job.params, ec);
  if (type == nullptr)
    failed.error = fmt::format("job type '{}' is not registered on this node", st.job.type);
  else if (ec || !params.is_object())
    failed.error = "stored params are not a JSON object";
  if (!failed.error.empty())
    return planning_done(self, failed);
  if (!type->plans_slowly) {
    plan_outcome result{type->plan(params.as_object(), st.job.id), {}};  // a throw is a crash: retried
    return planning_done(self, result);
  }
  // The int is unused: CAF 0.17 binds a null tuple for a function actor spawned without arguments.
  auto planner = self->spawn<caf::detached>(
      // The registry is held too: `type` points into it, and the planner may outlive this runner.
      [types = st.ctx.types, type, params = std::move(params.as_object()),
       id = st.job.id](caf::event_based_actor* planner_self, int) -> caf::behavior {
        return {[=, held = types](plan_atom) {
          // Quit only once planned: the actor system counts the planner as running until then,
          // so a stopping system waits for a plan in progress instead of vanishing under it.
          auto outcome = plan_outcome{type->plan(params, id), {}};
          planner_self->quit();
          return outcome;
        }};
      },
      0);
  self->request(planner, caf::infinite, plan_atom::value)
      .then([=](plan_outcome& result) { planning_done(self, result); },
            [=](caf::error& e) { self->quit(std::move(e)); });  // the planner threw: a crash
}

// A cancel answers at once (API: within 100 ms), without waiting for the items in flight: the
// job is stored `cancelled` with what is done so far, and this run ends. Its workers finish the
// item they are in (a handler cannot be interrupted) but their results reach no one, so nothing
// is recorded after the cancel is acknowledged; its batches still queued in the pool are
// dropped. Before the claim is durable the end waits for it (milliseconds), so that the final
// write's fence matches what storage holds.
void cancel(runner_pointer self) {
  auto& st = self->state;
  if (st.finishing)  // its final state is being written: its status stays what it is
    return;
  if (st.end == ending::none) {
    st.end = ending::cancelled;
    st.end_reason = "cancelled by request";
  }
  st.stop->store(true);
  self->send(st.ctx.pool, cancel_atom::value, st.job.id);
  if (st.claimed)
    finish(self);
}

// The claim comes first: the job is stored `running` at this attempt, with a heartbeat, before
// planning (which may take long, or hang), so the stalled sweeper sees every run that stops.
void claim(runner_pointer self) {
  write_with_job(self, {}, [=] {
    self->state.claimed = true;
    if (self->state.end == ending::cancelled)
      finish(self);  // cancelled while the claim was written
    else
      start_planning(self);
  });
}

// A first run of a type that plans from its params alone: planned here, and the claim carries the items (one
// write, no read of stored items: there are none). Otherwise, or when planning fails, the claim
// goes alone and planning follows it as for any run (a plan that throws then crashes the run
// after its claim, and is retried).
void claim_planned(runner_pointer self) {
  auto& st = self->state;
  const auto* type = st.ctx.types->find(st.job.type);
  boost::system::error_code ec;
  auto params = boost::json::parse(st.job.params, ec);
  if (type == nullptr || !type->plans_from_params || ec || !params.is_object())
    return claim(self);
  std::shared_ptr<const job_plan> plan;
  try {
    plan = type->plan(params.as_object(), st.job.id);
  } catch (const std::exception&) {
    return claim(self);
  }
  if (!plan || !plan->refused.empty())
    return claim(self);
  st.plan = std::move(plan);
  if (st.plan->item_keys.size() > k_items_per_write) {
    // Its items take several writes, each fenced as claimed: the claim goes first.
    write_with_job(self, {}, [=] {
      self->state.claimed = true;
      if (self->state.end == ending::cancelled)
        finish(self);
      else
        begin_run(self, {});
    });
    return;
  }
  auto first_write = std::make_shared<storage::write_batch>();
  load_items(st, {}, *first_write);
  write_with_job(self, std::move(*first_write), [=] {
    auto& s = self->state;
    s.claimed = true;
    s.started = true;  // a cancel, drain or timeout meanwhile: maybe_finish ends the run
    publish_progress(self);
    dispatch(self);
    maybe_finish(self);
  });
}

job_runner_actor::behavior_type runner(runner_pointer self, runner_context ctx, job_done_listener supervisor,
                                       storage::job_record job, bool first_run) {
  auto& st = self->state;
  self->set_exception_handler(error_of_exception);
  st.ctx = std::move(ctx);
  st.supervisor = std::move(supervisor);
  st.job = std::move(job);
  if (first_run)
    claim_planned(self);
  else
    claim(self);
  self->delayed_send(self, std::chrono::milliseconds(st.ctx.settings.progress_flush_ms), tick_atom::value);
  self->delayed_send(self, std::chrono::seconds(st.job.timeout_s), timeout_atom::value);
  return {
      // Nobody hears of the end before it is durable: a reader of the result finds it stored.
      [=](caf::get_atom, const std::string&) {
        return self->state.finishing ? self->state.before_end : self->state.job;
      },
      [=](cancel_atom, const std::string&) { cancel(self); },
      [=](drain_atom) {
        if (!self->state.finishing)
          end_run(self, ending::drained, "the node stopped gracefully; the job runs again at the next start");
      },
      [=](tick_atom) {
        auto& s = self->state;
        if (s.finishing)
          return;
        // The lease: the heartbeat is written on every tick, with whatever progress there is.
        s.job.heartbeat_at = now_ms();
        if (s.claimed) {
          auto batch = take_dirty(s);
          std::vector<std::int64_t> written;
          for (const auto& item : batch.updated_items)
            written.push_back(item.index);
          // Lazy: nobody waits on it, so it may share the commit of other runners' ticks.
          self->request(s.ctx.writer, caf::infinite, write_atom::value, std::move(batch), lazy_atom::value)
              .then([](caf::ok_atom) {},
                    [=](caf::error& e) {
                      if (stale(self, e))
                        return;
                      // Mark them dirty again: the next flush (or the final write) retries them.
                      spdlog::warn("job {}: progress write failed: {}", self->state.job.id, message_of(e));
                      auto& again = self->state;
                      again.dirty_items.insert(again.dirty_items.end(), written.begin(), written.end());
                    });
        }
        self->delayed_send(self, std::chrono::milliseconds(s.ctx.settings.progress_flush_ms), tick_atom::value);
      },
      [=](timeout_atom) {
        end_run(self, ending::timed_out, fmt::format("timed out after {} s", self->state.job.timeout_s));
      },
      [=](waited_atom, std::int64_t index, std::int64_t attempt, std::int64_t first_try_ms) {
        try_waited_item(self, index, attempt, first_try_ms);
      },
  };
}

}  // namespace

job_runner_actor spawn_job_runner(caf::local_actor* parent, runner_context ctx, job_done_listener supervisor,
                                  storage::job_record job, bool first_run) {
  return parent->spawn(runner, std::move(ctx), std::move(supervisor), std::move(job), first_run);
}

void publish_job_event(const runner_context& ctx, const storage::job_record& job, const std::string& type) {
  publish_job_events(ctx, {{std::make_shared<const storage::job_record>(job), type}});
}

void publish_job_events(const runner_context& ctx, const job_events& events) {
  if (events.empty())
    return;
  if (ctx.finished)
    ctx.finished->announced(events);
  caf::anon_send(ctx.hub, publish_atom::value, events);
}

void publish_job_event(const progress_hub_actor& hub, const storage::job_record& job, const std::string& type,
                       const std::string& data) {
  caf::anon_send(hub, publish_atom::value, std::vector<std::string>{"job:" + job.id, "user:" + job.user_id, "jobs"},
                 job.id, type, data);
}

}  // namespace jobmesh::actors
