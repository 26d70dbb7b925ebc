#include "actors/job_supervisor.hpp"

#include "actors/detail/job_log.hpp"
#include "actors/detail/supervisor_state.hpp"
#include "actors/errors.hpp"
#include "actors/job_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace jobmesh::actors {

namespace detail {

using storage::job_record;
using storage::job_status;

std::size_t queued_count(const supervisor_state& st) {
  return st.queue.size() + st.delayed.size() + st.waiting.size();
}

bool is_active(const supervisor_state& st, const std::string& id) {
  return st.queue.contains(id) || st.delayed.contains(id) || st.waiting.contains(id) || st.running.contains(id) ||
         st.ending.contains(id);
}

std::vector<std::string> dependencies_not_held(const supervisor_state& st, const job_record& job) {
  std::vector<std::string> out;
  for (const auto& dependency : job.depends_on)
    if (!is_active(st, dependency))
      out.push_back(dependency);
  return out;
}

void announce(supervisor_pointer self, const job_record& job, const std::string& type) {
  publish_job_event(self->state.ctx, job, type);
}

// A job ended here (not a dependency learnt from storage): it counts once in the metrics.
void count_end(supervisor_pointer self, const job_record& job) {
  const auto& m = self->state.ctx.metrics;
  if (!m || !storage::is_terminal(job.status))
    return;
  auto ran_ms = job.started_at > 0 && job.completed_at >= job.started_at ? job.completed_at - job.started_at : 0;
  m->job_ended(job.type, to_string(job.status), static_cast<double>(ran_ms) / 1000.0);
}

void enqueue(supervisor_pointer self, job_record job, std::int64_t since) {
  auto& st = self->state;
  auto now = now_ms();
  if (job.run_after > now) {
    auto id = job.id;
    auto delay = std::chrono::milliseconds(job.run_after - now);
    st.delayed.emplace(id, std::move(job));
    self->delayed_send(self, delay, requeue_atom::value, id);
    return;
  }
  auto type = job.type;
  st.queue.push(std::move(job), since);
  auto& peak = st.peak_queued_by_type[type];
  peak = std::max(peak, st.queue.size_of_type(type));
}

namespace {

using cancel_promise = caf::typed_response_promise<job_record>;

caf::error already_ended(const std::string& id, job_status status) {
  return make_error(errc::conflict, fmt::format("job {} is already {}", id, to_string(status)));
}

// The job moves to its next attempt, running from now; true when it never started before (a
// retried, drained or recovered job has).
bool begin_attempt(job_record& job, bool quiet) {
  auto from = job.status;
  auto now = now_ms();
  bool first_run = job.started_at == 0;
  job.status = job_status::running;
  ++job.attempt;
  job.started_at = job.updated_at = job.heartbeat_at = now;
  job.run_after = 0;
  job.error_message.clear();
  detail::log_transition(job, from, quiet);
  return first_run;
}

void start(supervisor_pointer self, job_record job) {
  auto& st = self->state;
  bool first_run = begin_attempt(job, false);
  auto runner = spawn_job_runner(self, st.ctx, caf::actor_cast<job_done_listener>(self), job, first_run);
  self->monitor(runner);
  ++st.running_by_type[job.type];
  st.running.emplace(job.id, runner);
  auto address = runner.address();
  st.started.emplace(std::move(address), run_slot{std::move(runner), {std::move(job)}, 1});
}

// The most quick jobs one batch takes: its two writes then hold about 2,000 rows each.
constexpr std::size_t k_batch_max = 1'000;

}  // namespace

// A first run of a type that plans from its params, planned quick with few items. Anything
// else (or a plan that fails here) runs alone.
std::shared_ptr<const job_plan> quick_plan(const supervisor_state& st, const job_record& job) {
  if (job.started_at != 0)
    return nullptr;
  const auto* type = st.ctx.types->find(job.type);
  if (type == nullptr || !type->plans_from_params)
    return nullptr;
  boost::system::error_code ec;
  auto params = boost::json::parse(job.params, ec);
  if (ec || !params.is_object())
    return nullptr;
  std::shared_ptr<const job_plan> plan;
  try {
    plan = type->plan(params.as_object(), job.id);
  } catch (const std::exception&) {
    return nullptr;
  }
  if (!plan || !plan->quick || !plan->refused.empty() || plan->item_keys.size() > k_quick_items)
    return nullptr;
  return plan;
}

namespace {

void start_batch(supervisor_pointer self, std::vector<quick_job> jobs) {
  auto& st = self->state;
  run_slot slot;
  slot.jobs.reserve(jobs.size());
  for (const auto& q : jobs)
    slot.jobs.push_back(q.job);
  slot.live = slot.jobs.size();
  slot.runner = spawn_job_batch(self, st.ctx, caf::actor_cast<job_done_listener>(self), std::move(jobs));
  self->monitor(slot.runner);
  for (const auto& job : slot.jobs)
    st.running.emplace(job.id, slot.runner);
  auto address = slot.runner.address();
  st.started.emplace(std::move(address), std::move(slot));
}

void count_down_type(supervisor_state& st, const std::string& type) {
  if (auto t = st.running_by_type.find(type); t != st.running_by_type.end() && --t->second <= 0)
    st.running_by_type.erase(t);
}

// A job's run is over (ended, crashed, superseded or dropped as stale): its type's slot is
// free, and its runner's once that holds no other job. True when its runner holds no job now.
bool forget_runner(supervisor_state& st, const std::string& id, const std::string& type) {
  auto it = st.running.find(id);
  if (it == st.running.end())
    return false;  // forgotten before (its stalled run was requeued, say)
  bool emptied = false;
  if (auto s = st.started.find(it->second.address()); s != st.started.end() && --s->second.live == 0) {
    st.started.erase(s);
    emptied = true;
  }
  st.running.erase(it);
  count_down_type(st, type);
  return emptied;
}

// The job leaves `running` if `runner` still runs it (its type's slot is free); true if it did.
// Its runner's slot is the caller's to count down.
bool release(supervisor_state& st, const std::string& id, const std::string& type, const job_runner_actor& runner) {
  auto it = st.running.find(id);
  if (it == st.running.end() || it->second != runner)
    return false;  // its run was over before (or another runner has it now)
  st.running.erase(it);
  count_down_type(st, type);
  return true;
}

// A batch's jobs ended together: each leaves `running` (where this batch still runs it), and
// the batch's slot, looked up once rather than once per job, goes once none is left.
void forget_batch(supervisor_state& st, const caf::actor_addr& batch, const job_events& ended) {
  auto s = st.started.find(batch);
  if (s == st.started.end()) {
    for (const auto& e : ended)
      forget_runner(st, e.job->id, e.job->type);
    return;
  }
  std::size_t forgotten = 0;
  for (const auto& e : ended)
    forgotten += release(st, e.job->id, e.job->type, s->second.runner) ? 1 : 0;
  s->second.live -= std::min(forgotten, s->second.live);
  if (s->second.live == 0)
    st.started.erase(s);
}

}  // namespace

void try_start(supervisor_pointer self) {
  auto& st = self->state;
  if (!st.recovered || st.drained || st.paused)
    return;
  // A type at its limit (jobs.type_limits) waits; the queue offers the next job of another.
  auto has_room = [&st](const job_record& job) {
    auto limit = st.ctx.settings.type_limits.find(job.type);
    if (limit == st.ctx.settings.type_limits.end())
      return true;
    auto running = st.running_by_type.find(job.type);
    return running == st.running_by_type.end() || running->second < limit->second;
  };
  // Quick jobs go together, a batch per slot; every other job takes a slot of its own. With no
  // slot left, an open batch still takes quick jobs (planned while the queue offers them).
  // Room for a whole batch up front: a job record is ~400 bytes, and a vector grown by doubling
  // would move each of them about twice, into memory the allocator has just handed out.
  auto fresh_batch = [&st] {
    std::vector<quick_job> jobs;
    jobs.reserve(std::min(k_batch_max, st.queue.size()));
    return jobs;
  };
  auto batch = fresh_batch();
  std::unordered_map<std::string, std::shared_ptr<const job_plan>> planned;
  auto quick = [&](const job_record& job) {
    auto [it, fresh] = planned.try_emplace(job.id);
    if (fresh)
      it->second = quick_plan(st, job);
    return it->second != nullptr;
  };
  auto slots = static_cast<std::size_t>(st.ctx.settings.max_concurrent);
  for (;;) {
    bool free_slot = st.started.size() + (batch.empty() ? 0 : 1) < slots;
    if (!free_slot && batch.empty())
      break;
    auto job = free_slot ? st.queue.pop(now_ms(), has_room)
                         : st.queue.pop(now_ms(), [&](const job_record& j) { return has_room(j) && quick(j); });
    if (!job)
      break;
    auto it = planned.find(job->id);
    auto plan = it != planned.end() ? it->second : quick_plan(st, *job);
    if (!plan) {
      start(self, std::move(*job));
      continue;
    }
    begin_attempt(*job, true);  // the batch logs its jobs' ends
    ++st.running_by_type[job->type];
    batch.push_back({std::move(*job), std::move(plan)});
    if (batch.size() == k_batch_max)
      start_batch(self, std::exchange(batch, fresh_batch()));
  }
  if (!batch.empty())
    start_batch(self, std::move(batch));
}

void ask_parked_retries_again(supervisor_pointer self, const std::string& id) {
  auto parked = self->state.retries_after_ending.extract(id);
  if (parked.empty())
    return;
  auto me = caf::actor_cast<job_supervisor_actor>(self);
  for (auto& promise : parked.mapped())
    promise.delegate(me, retry_atom::value, id);
}

void done_ending(supervisor_pointer self, const std::string& id) {
  self->state.ending.erase(id);
  ask_parked_retries_again(self, id);
}

void end_waiting(supervisor_pointer self, job_record job, job_status status, std::string reason,
                 std::optional<caf::typed_response_promise<job_record>> promise) {
  auto before = job;
  auto now = now_ms();
  job.status = status;
  job.error_message = std::move(reason);
  job.completed_at = job.updated_at = now;
  job.expires_at = now + self->state.ctx.settings.retention_days * 86'400'000;
  self->state.ending.insert(job.id);
  write_job(self, job, [=](caf::error e) mutable {
    done_ending(self, job.id);
    if (e) {
      spdlog::error("job {}: could not store its end: {}", job.id, message_of(e));
      // Storage still has it as before. A waiting job waits again: at once when a client asked
      // (who hears the error and may ask again), else after a pause, so that a broken disk is
      // not hammered by a dependency failure. A crashed run's job is still `running` there:
      // the stalled sweeper settles it once its heartbeat is old.
      if (before.status != job_status::running) {
        if (promise)
          admit(self, before, now_ms());
        else
          self->delayed_send(self, std::chrono::seconds(1), requeue_atom::value, before);
      }
      if (promise)
        promise->deliver(std::move(e));
      return;
    }
    detail::log_transition(job, before.status);
    announce(self, job, std::string{to_string(job.status)});
    if (promise)
      promise->deliver(job);
    count_end(self, job);
    job_ended(self, job);
  });
}

}  // namespace detail

namespace {

using namespace detail;

// One answer per state: 200 for the cancel that takes effect, 409 for every later one, also
// when a cancel races with the job's start or end.
void cancel_now(supervisor_pointer self, const std::string& id, cancel_promise promise) {
  auto& st = self->state;
  if (auto it = st.running.find(id); it != st.running.end()) {
    if (st.cancels.contains(id)) {
      promise.deliver(make_error(errc::conflict, fmt::format("job {} is already being cancelled", id)));
      return;
    }
    st.cancels.emplace(id, std::move(promise));
    self->send(it->second, cancel_atom::value, id);
    return;
  }
  auto job = st.queue.remove(id);
  if (!job)
    job = st.waiting.remove(id);
  if (!job) {
    if (auto it = st.delayed.find(id); it != st.delayed.end()) {
      job = std::move(it->second);
      st.delayed.erase(it);
    }
  }
  if (job) {
    end_waiting(self, std::move(*job), job_status::cancelled, "cancelled by request", promise);
    return;
  }
  if (st.ending.contains(id)) {
    promise.deliver(make_error(errc::conflict, fmt::format("job {} is already ending", id)));
    return;
  }
  self->request(st.ctx.reader, caf::infinite, caf::get_atom::value, id)
      .then([=](job_record& stored) mutable { promise.deliver(already_ended(id, stored.status)); },
            [=](caf::error& e) mutable { promise.deliver(std::move(e)); });
}

// Until recovery has read the stored queue, no stored job may end (one cancelled meanwhile would
// come back from that read as queued, and run): cancels wait, then run in arrival order.
// Submits need not wait: a new job read back by recovery is already in the queue.
caf::result<job_record> cancel(supervisor_pointer self, const std::string& id) {
  auto promise = self->make_response_promise<job_record>();
  if (self->state.recovered)
    cancel_now(self, id, promise);
  else
    self->state.held_cancels.emplace_back(id, promise);
  return promise;
}

caf::error not_retryable(const std::string& id, std::string_view state) {
  return make_error(errc::conflict,
                    fmt::format("job {} is {}; only a failed or cancelled job can be retried", id, state));
}

// Stores the failed or cancelled `job`, claimed by its retry (held in `ending`), as queued
// again and admits it: a retry's last step.
void requeue_for_retry(supervisor_pointer self, job_record job, caf::typed_response_promise<job_record> promise) {
  const auto id = job.id;
  auto from = job.status;
  job.status = job_status::queued;
  job.error_message.clear();
  job.completed_at = job.expires_at = job.run_after = 0;
  job.updated_at = now_ms();
  // Its failed items run again: counted as its runner will count them when it starts
  // (its done items processed, none failed), not as the attempt that failed left them.
  job.failed_items = 0;
  if (job.attempt >= job.max_attempts)
    job.max_attempts = job.attempt + 1;
  write_job(self, job, [=](caf::error e) mutable {
    done_ending(self, id);
    if (e) {
      promise.deliver(std::move(e));
      return;
    }
    detail::log_transition(job, from);
    announce(self, job, "queued");
    admit(self, job, now_ms());  // a dependency that failed meanwhile fails it again, naming it
    promise.deliver(job);
    try_start(self);
  });
}

// Calls `then` with nothing when every dependency of `job` the supervisor does not hold
// completed, else with why the retry is refused: a dependency that failed, was cancelled or
// is gone (retrying the job alone would only fail it again at once: the conflict names it),
// or the error reading one.
void check_dependencies_for_retry(supervisor_pointer self, const job_record& job,
                                  std::function<void(std::optional<caf::error>)> then) {
  auto ended = dependencies_not_held(self->state, job);
  if (ended.empty())
    return then(std::nullopt);
  struct tally {
    std::size_t left;
    std::optional<caf::error> refusal;  ///< the first found
    std::function<void(std::optional<caf::error>)> then;
  };
  auto t = std::make_shared<tally>(tally{ended.size(), std::nullopt, std::move(then)});
  auto one_done = [t](std::optional<caf::error> refusal) {
    if (!t->refusal)
      t->refusal = std::move(refusal);
    if (--t->left == 0)
      t->then(std::move(t->refusal));
  };
  for (const auto& dependency : ended)
    self->request(self->state.ctx.reader, caf::infinite, caf::get_atom::value, dependency)
        .then(
            [=, id = job.id](job_record& stored) {
              if (stored.status != job_status::failed && stored.status != job_status::cancelled)
                return one_done(std::nullopt);
              one_done(make_error(errc::conflict, fmt::format("job {} depends on job {}, which is {}; retry that one first",
                                                              id, dependency, to_string(stored.status))));
            },
            [=, id = job.id](caf::error& e) {
              if (code_of(e) != errc::not_found)
                return one_done(std::move(e));
              one_done(make_error(errc::conflict,
                                  fmt::format("job {} depends on job {}, which no longer exists", id, dependency)));
            });
}

caf::result<job_record> retry(supervisor_pointer self, const std::string& id) {
  auto& st = self->state;
  if (st.ending.contains(id)) {
    // Its end (or another retry) is being written, and storage may already say it ended: the
    // retry is answered once the write is back, as the job stands then.
    auto promise = self->make_response_promise<job_record>();
    st.retries_after_ending[id].push_back(promise);
    return promise;
  }
  if (st.running.contains(id)) {
    // Its runner commits the end, then tells this actor: in between storage (a job list) says
    // it ended. Such a retry waits for the runner's word (after_end), at most k_parked_retry_bound.
    auto promise = self->make_response_promise<job_record>();
    self->request(st.ctx.reader, caf::infinite, caf::get_atom::value, id)
        .then(
            [=](job_record& stored) mutable {
              auto& s = self->state;
              if (!s.running.contains(id)) {  // its end was heard meanwhile: as the job stands now
                promise.delegate(caf::actor_cast<job_supervisor_actor>(self), retry_atom::value, id);
                return;
              }
              if (!storage::is_terminal(stored.status)) {
                promise.deliver(not_retryable(id, "not finished"));
                return;
              }
              s.retries_after_ending[id].push_back(promise);
              self->delayed_send(self, k_parked_retry_bound, retry_atom::value, timeout_atom::value, id);
            },
            [=](caf::error& e) mutable { promise.deliver(std::move(e)); });
    return promise;
  }
  if (is_active(st, id))
    return not_retryable(id, "not finished");
  auto promise = self->make_response_promise<job_record>();
  self->request(st.ctx.reader, caf::infinite, caf::get_atom::value, id)
      .then(
          [=](job_record& job) mutable {
            if (job.status != job_status::failed && job.status != job_status::cancelled) {
              promise.deliver(not_retryable(id, to_string(job.status)));
              return;
            }
            auto& s = self->state;
            if (is_active(s, id)) {  // another retry got here first
              promise.deliver(not_retryable(id, "already being retried"));
              return;
            }
            s.ending.insert(id);  // claimed: no second retry or cancel while its dependencies are read and it is written
            check_dependencies_for_retry(self, job, [=](std::optional<caf::error> refusal) mutable {
              if (!refusal)
                return requeue_for_retry(self, std::move(job), promise);
              done_ending(self, id);
              promise.deliver(std::move(*refusal));
            });
          },
          [=](caf::error& e) mutable { promise.deliver(std::move(e)); });
  return promise;
}

caf::result<job_record> get(supervisor_pointer self, const std::string& id) {
  auto& st = self->state;
  if (const auto* queued = st.queue.find(id))
    return *queued;
  if (auto it = st.delayed.find(id); it != st.delayed.end())
    return it->second;
  if (const auto* waiting = st.waiting.find(id))
    return *waiting;
  auto it = st.running.find(id);
  if (it == st.running.end())
    return self->delegate(st.ctx.reader, caf::get_atom::value, id);
  // A runner that just ended cannot answer any more; storage has its final state by then. A
  // runner busy for longer than the bound (a plan that blocks, a long backlog) is not waited
  // for either: storage has its state as of its last progress write.
  auto promise = self->make_response_promise<job_record>();
  self->request(it->second, std::chrono::milliseconds(500), caf::get_atom::value, id)
      .then([=](job_record& job) mutable { promise.deliver(std::move(job)); },
            [=](caf::error&) mutable { promise.delegate(self->state.ctx.reader, caf::get_atom::value, id); });
  return promise;
}

// Another attempt owns the job (the sweeper requeued it): nothing to retry or fail here.
void superseded(supervisor_pointer self, const job_record& job, const std::string& why) {
  auto& st = self->state;
  spdlog::warn("job {}: the run of attempt {} stopped: {}", job.id, job.attempt, why);
  if (auto c = st.cancels.find(job.id); c != st.cancels.end()) {
    c->second.deliver(make_error(errc::conflict, fmt::format("job {}: attempt {} was superseded", job.id, job.attempt)));
    st.cancels.erase(c);
  }
}

// The run of `job` crashed (its runner is forgotten): retry with backoff, or give up.
void crashed(supervisor_pointer self, job_record job, const caf::error& why) {
  auto& st = self->state;
  if (st.withdrawn.erase(job.id) > 0)
    return;  // never stored: nothing to retry
  if (code_of(why) == errc::stale_attempt)
    return superseded(self, job, message_of(why));
  auto reason = fmt::format("attempt {} crashed: {}", job.attempt,
                            is_jobmesh_error(why) ? message_of(why) : to_string(why));
  if (auto c = st.cancels.find(job.id); c != st.cancels.end()) {
    // It was asked to stop: the crash does not earn it another attempt.
    auto promise = std::move(c->second);
    st.cancels.erase(c);
    end_waiting(self, std::move(job), job_status::cancelled, "cancelled by request (" + reason + ")", promise);
    return;
  }
  if (job.attempt >= job.max_attempts) {
    end_waiting(self, std::move(job), job_status::failed, reason + "; no attempts left", std::nullopt);
    return;
  }
  auto jitter = std::uniform_real_distribution<double>{0.5, 1.0}(st.rng);
  auto delay = retry_delay(job.attempt, st.ctx.settings.retry_base_ms, st.ctx.settings.retry_max_ms, jitter);
  job.status = job_status::queued;
  job.error_message = reason;
  job.run_after = now_ms() + delay.count();
  job.updated_at = now_ms();
  detail::log_transition(job, job_status::running);
  // Should this write fail, storage keeps the job running at this attempt: the next claim is
  // refused by its fence, and the stalled sweeper requeues it once its heartbeat is old.
  write_job(self, job, [](caf::error) {});
  enqueue(self, std::move(job), now_ms());
}

// A runner or batch ended without reporting its jobs' ends: their runs crashed. Each is
// retried with backoff, or given up.
void on_runner_down(supervisor_pointer self, const caf::down_msg& dm) {
  auto& st = self->state;
  auto it = st.started.find(dm.source);
  if (it == st.started.end())
    return;
  auto slot = std::move(it->second);
  st.started.erase(it);
  for (auto& job : slot.jobs)
    if (release(st, job.id, job.type, slot.runner))
      crashed(self, std::move(job), dm.reason);
  try_start(self);
}

// A graceful stop answers once no runner is left (or at its deadline, with how many are).
void answer_drain(supervisor_state& st) {
  if (st.drained && st.drained->pending() && st.running.empty())
    st.drained->deliver(std::int64_t{0});
}

caf::result<std::int64_t> drain(supervisor_pointer self) {
  auto& st = self->state;
  auto promise = self->make_response_promise<std::int64_t>();
  st.drained = promise;
  spdlog::info("supervisor: graceful stop: {} running job(s) go back to the queue", st.running.size());
  for (const auto& [address, slot] : st.started)
    self->send(slot.runner, drain_atom::value);
  self->delayed_send(self, std::chrono::seconds(st.ctx.settings.drain_timeout_s), drain_atom::value,
                     timeout_atom::value);
  answer_drain(st);
  return promise;
}

// A job's end is durable and its run forgotten: a cancel asked of it is answered, and the jobs
// that wait for it may go.
void after_end(supervisor_pointer self, const job_record& job) {
  auto& st = self->state;
  if (auto c = st.cancels.find(job.id); c != st.cancels.end()) {
    // The runner may have been ending on its own when the cancel reached it.
    if (job.status == job_status::cancelled)
      c->second.deliver(job);
    else
      c->second.deliver(already_ended(job.id, job.status));
    st.cancels.erase(c);
  }
  count_end(self, job);
  job_ended(self, job);
  ask_parked_retries_again(self, job.id);
}

// A job's end is durable (its runner said so).
void job_done(supervisor_pointer self, const job_record& job) {
  forget_runner(self->state, job.id, job.type);
  after_end(self, job);
}

void on_done(supervisor_pointer self, const job_record& job) {
  job_done(self, job);
  answer_drain(self->state);
  try_start(self);
}

// The batch's jobs' ends are told here, not by the batch: a job the batch started before its
// submission's commit reply reached this actor is then announced created (by that reply's
// handler, which runs first: the writer answered it first) before it is announced ended.
// All of them are announced (records moved, not copied) before any is done, which answers
// the cancels asked of them.
void on_batch_done(supervisor_pointer self, std::vector<job_record>& ended, const std::vector<job_record>& gone) {
  auto& st = self->state;
  job_events events;
  events.reserve(ended.size());
  for (auto& job : ended) {
    auto type = std::string{to_string(job.status)};
    events.push_back({std::make_shared<const job_record>(std::move(job)), std::move(type)});
  }
  publish_job_events(st.ctx, events);
  forget_batch(st, caf::actor_cast<caf::actor_addr>(self->current_sender()), events);
  for (const auto& e : events)
    after_end(self, *e.job);
  for (const auto& job : gone) {
    forget_runner(st, job.id, job.type);
    if (st.withdrawn.erase(job.id) == 0)
      superseded(self, job, "another attempt owns it (its writes were refused)");
  }
  answer_drain(st);
  try_start(self);
}

// A stalled job back to the queue with its attempt counted (or failed when it was the last),
// written only if storage still has it running at that attempt: a runner that reported in the
// meantime keeps it. A local runner that hung is told to stop; its late writes are fenced off.
void requeue_stalled(supervisor_pointer self, const job_record& stalled, std::function<void(std::optional<job_record>)> done) {
  auto now = now_ms();
  auto job = stalled;
  job.error_message = fmt::format("stalled: no heartbeat for {} s during attempt {}", (now - job.heartbeat_at) / 1000,
                                  job.attempt);
  job.updated_at = now;
  job.run_after = 0;
  if (job.attempt >= job.max_attempts) {
    job.status = job_status::failed;
    job.error_message += "; no attempts left";
    job.completed_at = now;
    job.expires_at = now + self->state.ctx.settings.retention_days * 86'400'000;
  } else {
    job.status = job_status::queued;
  }
  storage::write_batch batch;
  batch.updated_jobs.push_back(job);
  batch.fences.push_back({job.id, job.attempt, job_status::running});
  self->request(self->state.ctx.writer, caf::infinite, write_atom::value, std::move(batch))
      .then(
          [=](caf::ok_atom) mutable {
            auto& st = self->state;
            if (auto it = st.running.find(job.id); it != st.running.end()) {
              auto runner = it->second;
              if (forget_runner(st, job.id, job.type))  // a batch with other jobs goes on
                self->send_exit(runner, caf::exit_reason::user_shutdown);
            }
            detail::log_transition(job, job_status::running);
            if (auto c = st.cancels.find(job.id); c != st.cancels.end()) {
              // The run it asked to stop is gone. Requeued, the job is cancelled as asked (as a
              // crashed run's is), before any other attempt starts; failed, it is answered so.
              auto promise = std::move(c->second);
              st.cancels.erase(c);
              if (job.status == job_status::queued) {
                end_waiting(self, job, job_status::cancelled, "cancelled by request (" + job.error_message + ")",
                            promise);
                done(job);
                try_start(self);  // its slot is free for others
                return;
              }
              promise.deliver(already_ended(job.id, job.status));
            }
            announce(self, job, std::string{to_string(job.status)});
            if (job.status == job_status::queued) {
              enqueue(self, job, now_ms());
            } else {
              count_end(self, job);
              job_ended(self, job);
            }
            done(job);
            try_start(self);
          },
          [=](caf::error& e) {
            if (code_of(e) != errc::stale_attempt)
              spdlog::error("job {}: could not requeue the stalled job: {}", job.id, message_of(e));
            done(std::nullopt);
          });
}

caf::result<std::vector<job_record>> sweep(supervisor_pointer self, std::vector<job_record>& stalled) {
  using jobs = std::vector<job_record>;
  if (stalled.empty() || !self->state.recovered)  // recovery requeues what the last run left
    return jobs{};
  auto promise = self->make_response_promise<jobs>();
  auto changed = std::make_shared<jobs>();
  auto left = std::make_shared<std::size_t>(stalled.size());
  for (const auto& job : stalled)
    requeue_stalled(self, job, [=](std::optional<job_record> result) mutable {
      if (result)
        changed->push_back(std::move(*result));
      if (--*left == 0)
        promise.deliver(std::move(*changed));
    });
  return promise;
}

// Per registered type: what waits and runs here (in memory, no storage read).
std::map<std::string, queue_statistics> gauges(const supervisor_state& st) {
  std::map<std::string, queue_statistics> by_type;
  for (const auto& [name, type] : st.ctx.types->all())
    by_type[name].type = name;
  for (const auto& [type, n] : st.queue.size_by_type())
    by_type[type].queue_depth += static_cast<std::int64_t>(n);
  for (const auto& [type, n] : st.waiting.size_by_type())
    by_type[type].queue_depth += static_cast<std::int64_t>(n);
  for (const auto& [id, job] : st.delayed)
    ++by_type[job.type].queue_depth;
  for (const auto& [type, n] : st.running_by_type)
    by_type[type].processing_count = n;
  for (const auto& [type, n] : st.peak_queued_by_type)
    by_type[type].peak_queue_depth = static_cast<std::int64_t>(n);
  return by_type;
}

queue_report listed(const supervisor_state& st, std::map<std::string, queue_statistics> by_type) {
  queue_report out{st.paused, {}};
  for (auto& [name, s] : by_type) {
    s.peak_queue_depth = std::max(s.peak_queue_depth, s.queue_depth);
    out.types.push_back(std::move(s));
  }
  return out;
}

// The gauges, and what storage says ended today (UTC): a scan of today's ended jobs, which
// /metrics does not ask for (a scrape, however often, reads nothing from storage).
caf::result<queue_report> statistics(supervisor_pointer self) {
  auto& st = self->state;
  auto by_type = gauges(st);
  auto now = now_ms();
  auto day_start = now - now % 86'400'000;
  auto promise = self->make_response_promise<queue_report>();
  self->request(st.ctx.reader, caf::infinite, statistics_atom::value, day_start)
      .then(
          [=](std::vector<storage::finished_counts>& ended) mutable {
            for (const auto& e : ended) {
              auto& s = by_type[e.type];
              s.type = e.type;
              s.completed_today = e.completed;
              s.failed_today = e.failed;
              s.average_processing_time_ms = e.average_run_ms;
            }
            promise.deliver(listed(self->state, std::move(by_type)));
          },
          [=](caf::error& e) mutable { promise.deliver(std::move(e)); });
  return promise;
}

// Jobs a previous process left running go back to the queue with their attempt counted (or
// fail when it was their last); then every queued job is loaded. Nothing starts before that.
void load_queued(supervisor_pointer self, std::size_t interrupted) {
  auto& st = self->state;
  self->request(st.ctx.reader, caf::infinite, status_atom::value, std::string{"queued"})
      .then(
          [=](std::vector<job_record>& queued) {
            auto& s = self->state;
            for (auto& job : queued)
              if (!is_active(s, job.id)) {
                auto since = job.created_at;
                admit(self, std::move(job), since);
              }
            s.recovered = true;
            spdlog::info("supervisor: {} jobs queued ({} interrupted by the last stop)", queued_count(s), interrupted);
            for (auto& [id, promise] : std::exchange(s.held_cancels, {}))
              cancel_now(self, id, std::move(promise));
            try_start(self);
          },
          [=](caf::error& e) { self->quit(std::move(e)); });
}

void interrupt(job_record& job, std::int64_t retention_days) {
  auto now = now_ms();
  job.error_message = fmt::format("the node stopped during attempt {}", job.attempt);
  job.updated_at = now;
  if (job.attempt >= job.max_attempts) {
    job.status = job_status::failed;
    job.error_message += "; no attempts left";
    job.completed_at = now;
    job.expires_at = now + retention_days * 86'400'000;  // kept as long as any ended job
  } else {
    job.status = job_status::queued;
  }
  detail::log_transition(job, job_status::running);
}

void recover(supervisor_pointer self) {
  auto& st = self->state;
  self->request(st.ctx.reader, caf::infinite, status_atom::value, std::string{"running"})
      .then(
          [=](std::vector<job_record>& was_running) {
            storage::write_batch batch;
            for (auto& job : was_running) {
              interrupt(job, self->state.ctx.settings.retention_days);
              batch.updated_jobs.push_back(job);
            }
            auto count = was_running.size();
            self->request(self->state.ctx.writer, caf::infinite, write_atom::value, std::move(batch))
                .then([=](caf::ok_atom) { load_queued(self, count); }, [=](caf::error& e) { self->quit(std::move(e)); });
          },
          [=](caf::error& e) { self->quit(std::move(e)); });
}

job_supervisor_actor::behavior_type supervisor(supervisor_pointer self, runner_context ctx) {
  self->state.ctx = std::move(ctx);
  self->set_down_handler([=](const caf::down_msg& dm) { on_runner_down(self, dm); });
  // On shutdown the runners stop with the supervisor; their jobs stay `running` in storage and
  // are recovered at the next start (items done since the last flush run again).
  self->set_exit_handler([=](const caf::exit_msg& msg) {
    for (const auto& [address, slot] : self->state.started)
      self->send_exit(slot.runner, msg.reason);
    // A retry parked until its job's end is heard would get no answer at all: CAF 0.17 sends
    // nothing for a promise left undelivered, so its caller would wait for its own timeout.
    for (auto& [id, promises] : self->state.retries_after_ending)
      for (auto& promise : promises)
        promise.deliver(make_error(errc::overloaded, fmt::format("the engine is stopping: retry job {} once it is back", id)));
    self->state.retries_after_ending.clear();
    self->quit(msg.reason);
  });
  self->send(self, recover_atom::value);
  return {
      [=](submit_atom, job_spec& spec) { return submit(self, spec); },
      [=](caf::get_atom, const std::string& id) { return get(self, id); },
      [=](cancel_atom, const std::string& id) { return cancel(self, id); },
      [=](retry_atom, const std::string& id) { return retry(self, id); },
      [=](list_atom, storage::job_filter& filter) -> caf::result<std::vector<job_record>> {
        return self->delegate(self->state.ctx.reader, list_atom::value, std::move(filter));
      },
      [=](items_atom, storage::item_filter& filter) -> caf::result<std::vector<storage::item_record>> {
        return self->delegate(self->state.ctx.reader, items_atom::value, std::move(filter));
      },
      [=](done_atom, const job_record& job) { on_done(self, job); },
      [=](done_atom, std::vector<job_record>& ended, const std::vector<job_record>& gone) {
        on_batch_done(self, ended, gone);
      },
      [=](requeue_atom, const std::string& id) {
        auto& st = self->state;
        auto it = st.delayed.find(id);
        if (it == st.delayed.end())
          return;  // cancelled while it waited
        auto job = std::move(it->second);
        st.delayed.erase(it);
        job.run_after = 0;
        enqueue(self, std::move(job), now_ms());
        try_start(self);
      },
      [=](requeue_atom, job_record& job) {
        // A waiting job whose end could not be stored: it waits again (see end_waiting).
        if (!is_active(self->state, job.id))
          admit(self, std::move(job), now_ms());
        try_start(self);
      },
      [=](submit_atom, std::vector<job_spec>& specs) { return submit_many(self, specs); },
      [=](submit_atom, singles_atom, std::vector<job_spec>& specs) { return submit_singles(self, specs); },
      [=](enqueue_atom, group_request& request) { return enqueue_group(self, request); },
      [=](statistics_atom) { return statistics(self); },
      [=](statistics_atom, gauges_atom) { return listed(self->state, gauges(self->state)); },
      [=](pause_atom, bool on) {
        auto& st = self->state;
        if (std::exchange(st.paused, on) != on) {
          spdlog::info("supervisor: {} ({} jobs waiting, {} running)", on ? "paused: no job starts until resumed" : "resumed",
                       queued_count(st), st.running.size());
          if (!on)
            try_start(self);
        }
        return listed(st, gauges(st));
      },
      [=](recover_atom) { recover(self); },
      [=](stalled_atom, std::vector<job_record>& stalled) { return sweep(self, stalled); },
      [=](drain_atom) { return drain(self); },
      [=](retry_atom, timeout_atom, const std::string& id) {
        // The runner's word did not come (it died, or its run was superseded): as it stands.
        if (auto it = self->state.retries_after_ending.find(id);
            it != self->state.retries_after_ending.end() && self->state.running.contains(id)) {
          for (auto& promise : it->second)
            promise.deliver(not_retryable(id, "not finished"));
          self->state.retries_after_ending.erase(it);
        } else {
          ask_parked_retries_again(self, id);
        }
      },
      [=](drain_atom, timeout_atom) {
        auto& st = self->state;
        if (!st.drained || !st.drained->pending() || st.running.empty())
          return;
        spdlog::warn("supervisor: {} job(s) still running after jobs.drain_timeout_s; they will be recovered "
                     "(with an attempt counted) at the next start",
                     st.running.size());
        st.drained->deliver(static_cast<std::int64_t>(st.running.size()));
      },
  };
}

}  // namespace

job_supervisor_actor spawn_job_supervisor(caf::actor_system& sys, runner_context ctx) {
  return sys.spawn(supervisor, std::move(ctx));
}

std::chrono::milliseconds retry_delay(std::int64_t attempt, std::int64_t base_ms, std::int64_t max_ms, double jitter) {
  auto exponent = std::clamp<std::int64_t>(attempt - 1, 0, 30);
  auto raw = std::min<double>(static_cast<double>(base_ms) * static_cast<double>(std::int64_t{1} << exponent),
                              static_cast<double>(max_ms));
  return std::chrono::milliseconds(static_cast<std::int64_t>(raw * std::clamp(jitter, 0.5, 1.0)));
}

}  // namespace jobmesh::actors
