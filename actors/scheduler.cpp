#include "actors/scheduler.hpp"

#include "actors/cron.hpp"
#include "actors/errors.hpp"
#include "actors/job_json.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace jobmesh::actors {

namespace {

using storage::job_record;
using storage::schedule_record;

/// Timers wake the scheduler at least this often, so a clock step or a suspend is caught up.
constexpr std::int64_t k_max_sleep_ms = 60'000;
/// Missed due times counted at most (a minutely schedule down for a year is ~525k).
constexpr int k_max_missed = 1'000'000;

struct entry {
  schedule_record record;
  cron_schedule cron;
  bool firing = false;  ///< a submission for it is on its way: no second one meanwhile
};

struct scheduler_state {
  scheduler_config config;
  std::map<std::string, entry> schedules;
  bool loaded = false;
  std::vector<std::function<void()>> held;  ///< requests that came before the load
  std::int64_t generation = 0;              ///< only the latest timer counts
  static inline const char* name = "scheduler";

  std::int64_t now() const { return config.clock ? config.clock() : now_ms(); }
};

using scheduler_pointer = scheduler_actor::stateful_pointer<scheduler_state>;
using fired_jobs = std::vector<job_record>;

void store(scheduler_pointer self, const schedule_record& record) {
  storage::write_batch batch;
  batch.schedules.push_back(record);
  self->request(self->state.config.writer, caf::infinite, write_atom::value, std::move(batch))
      .then([](caf::ok_atom) {},
            [name = record.name](caf::error& e) {
              spdlog::error("schedule {}: could not store it: {}", name, message_of(e));
            });
}

// Marks `due` handled: the schedule's next due time comes after it.
void handled(scheduler_pointer self, const std::string& name, std::int64_t due) {
  auto it = self->state.schedules.find(name);
  if (it == self->state.schedules.end())
    return;
  auto& r = it->second.record;
  r.last_due_at = std::max(r.last_due_at, due);
  r.updated_at = self->state.now();
  store(self, r);
}

// Submits the job of `due`; `done` gets it, or nothing when it was not submitted.
void fire(scheduler_pointer self, entry& e, std::int64_t due, std::function<void(std::optional<job_record>)> done) {
  job_spec spec;
  spec.type = e.record.type;
  spec.params = e.record.params;
  spec.priority = e.record.priority;
  spec.user_id = std::string{k_scheduler_user};
  spec.idempotency_key = fmt::format("schedule:{}:{}", e.record.name, due);
  spec.schedule = e.record.name;
  e.firing = true;
  auto name = e.record.name;
  self->request(self->state.config.supervisor, caf::infinite, submit_atom::value, std::move(spec))
      .then(
          [=](job_record& job, bool created) {
            spdlog::info("schedule {}: due {} -> job {}{}", name, due, job.id, created ? "" : " (already submitted)");
            if (auto it = self->state.schedules.find(name); it != self->state.schedules.end())
              it->second.firing = false;
            handled(self, name, due);
            done(job);
          },
          [=](caf::error& err) {
            if (auto it = self->state.schedules.find(name); it != self->state.schedules.end())
              it->second.firing = false;
            // A full queue passes; the due time fires at the next check. Anything else (the
            // type's params no longer valid, say) would fail again: it is skipped.
            spdlog::error("schedule {}: the job due {} was not submitted: {}", name, due, message_of(err));
            if (code_of(err) != errc::overloaded)
              handled(self, name, due);
            done(std::nullopt);
          });
}

// The latest due time of `e` at or before `now`, with how many earlier ones it passes over.
std::optional<std::pair<std::int64_t, int>> latest_due(const entry& e, std::int64_t now) {
  auto due = next_due(e.cron, e.record.last_due_at);
  if (!due || *due > now)
    return std::nullopt;
  int passed = 0;
  for (auto n = next_due(e.cron, *due); n && *n <= now && passed < k_max_missed; n = next_due(e.cron, *due)) {
    due = n;
    ++passed;
  }
  return std::pair{*due, passed};
}

void arm(scheduler_pointer self);

// Fires every schedule that is due now; `done` gets the jobs submitted.
void check(scheduler_pointer self, std::function<void(fired_jobs)> done) {
  auto& st = self->state;
  auto now = st.now();
  auto fired = std::make_shared<fired_jobs>();
  auto left = std::make_shared<std::size_t>(1);  // one for this loop, released at its end
  auto finish_one = [=] {
    if (--*left == 0) {
      arm(self);
      done(std::move(*fired));
    }
  };
  for (auto& [name, e] : st.schedules) {
    if (!e.record.enabled || e.firing)
      continue;
    auto latest = latest_due(e, now);
    if (!latest)
      continue;
    auto [due, passed] = *latest;
    if (now - due > st.config.grace_s * 1000) {
      spdlog::warn("schedule {}: {} due time(s) up to {} were missed (more than schedules.grace_s = {} s ago); "
                   "skipped", name, passed + 1, due, st.config.grace_s);
      handled(self, name, due);
      continue;
    }
    if (passed > 0)
      spdlog::warn("schedule {}: {} earlier due time(s) were missed; only the latest fires", name, passed);
    ++*left;
    fire(self, e, due, [=](std::optional<job_record> job) {
      if (job)
        fired->push_back(std::move(*job));
      finish_one();
    });
  }
  finish_one();
}

// Wakes at the earliest due time (at most a minute away). Not with an injected clock.
void arm(scheduler_pointer self) {
  auto& st = self->state;
  if (st.config.clock)
    return;
  auto now = st.now();
  auto wake = now + k_max_sleep_ms;
  for (const auto& [name, e] : st.schedules)
    if (auto due = next_due(e.cron, e.record.last_due_at); e.record.enabled && due)
      wake = std::min(wake, *due);
  self->delayed_send(self, std::chrono::milliseconds(std::max<std::int64_t>(wake - now, 0)), tick_atom::value,
                     ++st.generation);
}

// Adds or replaces `record` in memory; false (and a log line) when its cron does not parse.
bool hold(scheduler_state& st, const schedule_record& record) {
  auto parsed = parse_cron(record.cron);
  if (auto* e = std::get_if<cron_error>(&parsed)) {
    spdlog::error("schedule {}: stored cron '{}' is not valid ({}: {}); it does not run", record.name, record.cron,
                  e->field, e->message);
    return false;
  }
  auto& slot = st.schedules[record.name];
  slot.record = record;
  slot.cron = std::get<cron_schedule>(std::move(parsed));
  return true;
}

void add_defaults(scheduler_pointer self) {
  auto& st = self->state;
  if (st.schedules.contains("expired-job-cleanup") || !st.config.types->find("expired-job-cleanup"))
    return;
  auto now = st.now();
  schedule_record cleanup{"expired-job-cleanup", "15 * * * *", "expired-job-cleanup", "{}", 0, true, now, now, now};
  hold(st, cleanup);
  store(self, cleanup);
  spdlog::info("schedule expired-job-cleanup created (hourly at :15; PUT /api/v1/schedules/expired-job-cleanup "
               "changes or disables it)");
}

void load(scheduler_pointer self) {
  self->request(self->state.config.reader, caf::infinite, schedule_atom::value)
      .then(
          [=](std::vector<schedule_record>& stored) {
            auto& st = self->state;
            for (const auto& r : stored)
              hold(st, r);
            add_defaults(self);
            st.loaded = true;
            spdlog::info("scheduler: {} schedule(s)", st.schedules.size());
            for (auto& f : std::exchange(st.held, {}))
              f();
            check(self, [](fired_jobs) {});
          },
          [=](caf::error& e) { self->quit(std::move(e)); });
}

void put(scheduler_pointer self, schedule_record record, caf::typed_response_promise<schedule_record> promise) {
  auto& st = self->state;
  if (auto problem = schedule_problem(*st.config.types, record)) {
    promise.deliver(
        make_error(errc::invalid_argument, fmt::format("{}: {}", problem->first, problem->second), problem->first));
    return;
  }
  auto now = st.now();
  record.updated_at = now;
  record.created_at = now;
  record.last_due_at = now;  // a new or changed schedule does not fire for the past
  if (auto it = st.schedules.find(record.name); it != st.schedules.end()) {
    record.created_at = it->second.record.created_at;
    record.last_due_at = std::max(now, it->second.record.last_due_at);
  }
  storage::write_batch batch;
  batch.schedules.push_back(record);
  self->request(st.config.writer, caf::infinite, write_atom::value, std::move(batch))
      .then(
          [=](caf::ok_atom) mutable {
            hold(self->state, record);
            spdlog::info("schedule {} stored: '{}' -> {}{}", record.name, record.cron, record.type,
                         record.enabled ? "" : " (disabled)");
            arm(self);
            promise.deliver(record);
          },
          [=](caf::error& e) mutable { promise.deliver(std::move(e)); });
}

std::vector<schedule_record> all(const scheduler_state& st) {
  std::vector<schedule_record> out;
  for (const auto& [name, e] : st.schedules)
    out.push_back(e.record);
  return out;
}

scheduler_actor::behavior_type scheduler(scheduler_pointer self, scheduler_config config) {
  self->state.config = std::move(config);
  load(self);
  // Until the stored schedules are loaded, requests wait (in arrival order).
  auto when_loaded = [=](std::function<void()> f) {
    if (self->state.loaded)
      f();
    else
      self->state.held.push_back(std::move(f));
  };
  return {
      [=](caf::get_atom) {
        auto promise = self->make_response_promise<std::vector<schedule_record>>();
        when_loaded([=]() mutable { promise.deliver(all(self->state)); });
        return promise;
      },
      [=](caf::put_atom, schedule_record& record) {
        auto promise = self->make_response_promise<schedule_record>();
        when_loaded([=]() mutable { put(self, record, promise); });
        return promise;
      },
      [=](tick_atom) {
        auto promise = self->make_response_promise<fired_jobs>();
        when_loaded([=]() mutable { check(self, [=](fired_jobs jobs) mutable { promise.deliver(std::move(jobs)); }); });
        return promise;
      },
      [=](tick_atom, std::int64_t generation) {
        if (generation == self->state.generation && self->state.loaded)
          check(self, [](fired_jobs) {});
      },
  };
}

}  // namespace

std::optional<std::pair<std::string, std::string>> schedule_problem(const job_type_registry& types,
                                                                    const storage::schedule_record& s) {
  auto parsed = parse_cron(s.cron);
  if (auto* e = std::get_if<cron_error>(&parsed))
    return std::pair{std::string{"cron"}, e->field == "cron" ? e->message : fmt::format("{}: {}", e->field, e->message)};
  const auto* type = types.find(s.type);
  if (type == nullptr)
    return std::pair{std::string{"type"}, fmt::format("unknown job type '{}'", s.type)};
  boost::system::error_code ec;
  auto params = boost::json::parse(s.params, ec);
  if (ec || !params.is_object())
    return std::pair{std::string{"params"}, std::string{"params must be a JSON object"}};
  if (auto problem = type->validate(params.as_object()))
    return std::pair{std::string{"params"}, *problem};
  return std::nullopt;
}

scheduler_actor spawn_scheduler(caf::actor_system& sys, scheduler_config config) {
  return sys.spawn(scheduler, std::move(config));
}

}  // namespace jobmesh::actors
