// Submissions (API.md "Jobs"): one, many in one commit, or a job group with its dependencies,
// and the jobs that wait for others. Nothing is acknowledged before it is stored.
#include "actors/detail/job_log.hpp"
#include "actors/detail/supervisor_state.hpp"
#include "actors/errors.hpp"
#include "actors/job_json.hpp"

#include <boost/json/parse.hpp>
#include <functional>
#include <map>
#include <utility>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace jobmesh::actors::detail {

namespace {

using storage::job_record;
using storage::job_status;

constexpr std::size_t k_max_dependencies = 100;

job_record new_job(supervisor_state& st, const job_spec& spec, const job_type& type) {
  const auto& defaults = st.ctx.settings;
  job_record job;
  auto now = now_ms();
  job.id = st.ids.next(now);
  job.type = spec.type;
  job.user_id = spec.user_id;
  job.priority = spec.priority;
  job.max_attempts = spec.max_attempts > 0 ? spec.max_attempts : defaults.max_attempts;
  job.timeout_s = spec.timeout_s > 0 ? spec.timeout_s : defaults.timeout_s;
  job.max_failed_ratio = spec.max_failed_ratio >= 0 ? spec.max_failed_ratio : type.max_failed_ratio;
  job.params = spec.params;
  job.idempotency_key = spec.idempotency_key;
  job.group = type.group;
  job.depends_on = spec.depends_on;
  job.schedule = spec.schedule;
  job.created_at = job.updated_at = now;
  return job;
}

std::string known_types(const supervisor_state& st) {
  std::string known;
  for (const auto& [name, t] : st.ctx.types->all())
    known += (known.empty() ? "" : ", ") + name;
  return known;
}

// The problem with `params` (JSON object text) for `type`, if any.
std::optional<std::string> params_problem(const job_type& type, const std::string& params) {
  boost::system::error_code ec;
  auto parsed = boost::json::parse(params, ec);
  if (ec || !parsed.is_object())
    return "params must be a JSON object";
  return type.validate(parsed.as_object());
}

// The param a params problem names ("params.items must be ...", "params.profile: ..."), or
// "params" when its message names none.
std::string params_field(std::string_view problem) {
  if (!problem.starts_with("params."))
    return "params";
  return std::string{problem.substr(0, problem.find_first_of(" :"))};
}

// The rule a submission breaks that shows without storage, if any.
std::optional<submission_refusal> check_spec(const supervisor_state& st, const job_spec& spec, std::int64_t index) {
  const auto* type = st.ctx.types->find(spec.type);
  if (type == nullptr)
    return submission_refusal{index, "type",
                              fmt::format("unknown job type '{}'; known types: {}", spec.type, known_types(st))};
  if (auto problem = params_problem(*type, spec.params))
    return submission_refusal{index, params_field(*problem), *problem};
  if (spec.depends_on.size() > k_max_dependencies)
    return submission_refusal{index, "depends_on", fmt::format("at most {} dependencies", k_max_dependencies)};
  return std::nullopt;
}

caf::error overloaded(const supervisor_state& st) {
  return make_error(errc::overloaded, fmt::format("the queue holds {} jobs, its limit is {}", queued_count(st),
                                                  st.ctx.settings.queue_limit));
}

// One call's submissions on their way through the checks that need storage.
struct submission {
  enum class state : std::uint8_t { pending, refused, replayed };
  std::vector<job_spec> specs;
  std::vector<state> states;
  std::vector<job_record> replays;  ///< replays[i]: the stored job a replayed spec names
  std::vector<submission_refusal> refused;
  std::function<void(caf::expected<bulk_submission>)> done;
  int retries_left = 1;  ///< a concurrent submit of the same key: look the keys up once more
  bool singles = false;  ///< single submissions of several clients (each logged as its own)

  void refuse(std::size_t i, std::string field, std::string message) {
    states[i] = state::refused;
    refused.push_back({static_cast<std::int64_t>(i), std::move(field), std::move(message)});
  }
};
using submission_ptr = std::shared_ptr<submission>;

void look_up_keys(supervisor_pointer self, submission_ptr sub);
void look_up_dependencies(supervisor_pointer self, submission_ptr sub);
void store(supervisor_pointer self, submission_ptr sub);

// An idempotency key is its user's: the same key of two users names two jobs.
std::string user_key(const job_spec& spec) {
  return spec.user_id + '\n' + spec.idempotency_key;
}

// The stored jobs of the pending specs' keys, one read per user (a bulk call has one user).
void look_up_keys(supervisor_pointer self, submission_ptr sub) {
  std::map<std::string, std::vector<std::string>> keys_of_user;
  for (std::size_t i = 0; i < sub->specs.size(); ++i)
    if (sub->states[i] == submission::state::pending && !sub->specs[i].idempotency_key.empty())
      keys_of_user[sub->specs[i].user_id].push_back(sub->specs[i].idempotency_key);
  if (keys_of_user.empty())
    return look_up_dependencies(self, sub);
  auto left = std::make_shared<std::size_t>(keys_of_user.size());
  auto failed = std::make_shared<bool>(false);
  for (auto& [user, keys] : keys_of_user)
    self->request(self->state.ctx.reader, caf::infinite, caf::get_atom::value, user, std::move(keys))
        .then(
            [=](std::vector<job_record>& stored) {
              std::unordered_map<std::string, job_record> by_key;
              for (auto& job : stored)
                by_key.emplace(job.idempotency_key, std::move(job));
              for (std::size_t i = 0; i < sub->specs.size(); ++i) {
                if (sub->states[i] != submission::state::pending || sub->specs[i].user_id != user)
                  continue;
                auto it = by_key.find(sub->specs[i].idempotency_key);
                if (it == by_key.end())
                  continue;
                sub->states[i] = submission::state::replayed;
                sub->replays[i] = it->second;
              }
              if (--*left == 0 && !*failed)
                look_up_dependencies(self, sub);
            },
            [=](caf::error& e) {
              if (!std::exchange(*failed, true))
                sub->done(std::move(e));
            });
}

// Describes why `dependency` (stored as `job`) cannot be depended on, if it cannot.
std::optional<std::string> unusable_dependency(const job_record& job) {
  if (job.status == job_status::failed || job.status == job_status::cancelled)
    return fmt::format("job {} is {}; a job cannot depend on it", job.id, to_string(job.status));
  return std::nullopt;
}

// Refuses the pending submissions that depend on `dependency` (those `only` picks, if given).
void refuse_dependents(submission& sub, const std::string& dependency, const std::string& why,
                       const std::function<bool(const job_spec&)>& only = {}) {
  for (std::size_t i = 0; i < sub.specs.size(); ++i) {
    const auto& deps = sub.specs[i].depends_on;
    if (only && !only(sub.specs[i]))
      continue;
    if (sub.states[i] == submission::state::pending && std::find(deps.begin(), deps.end(), dependency) != deps.end())
      sub.refuse(i, "depends_on", why);
  }
}

// A dependency the supervisor holds is fine; any other must be stored, and not have failed. A
// submitter who sees only its own jobs may depend only on its own: another user's job is, to
// it, no job (API.md: existence is not leaked), so its dependencies are all read from storage.
void look_up_dependencies(supervisor_pointer self, submission_ptr sub) {
  std::unordered_set<std::string> to_read;
  for (std::size_t i = 0; i < sub->specs.size(); ++i)
    if (sub->states[i] == submission::state::pending)
      for (const auto& dependency : sub->specs[i].depends_on)
        if (!sub->specs[i].sees_all_jobs || !is_active(self->state, dependency))
          to_read.insert(dependency);
  if (to_read.empty())
    return store(self, sub);
  auto left = std::make_shared<std::size_t>(to_read.size());
  for (const auto& dependency : to_read)
    self->request(self->state.ctx.reader, caf::infinite, caf::get_atom::value, dependency)
        .then(
            [=](job_record& job) {
              refuse_dependents(*sub, dependency, fmt::format("no job {}", dependency),
                                [&](const job_spec& s) { return !s.sees_all_jobs && s.user_id != job.user_id; });
              if (auto why = unusable_dependency(job))
                refuse_dependents(*sub, dependency, *why);
              if (--*left == 0)
                store(self, sub);
            },
            [=](caf::error& e) {
              if (code_of(e) == errc::not_found)
                refuse_dependents(*sub, dependency, fmt::format("no job {}", dependency));
              else
                refuse_dependents(*sub, dependency, "could not read it: " + message_of(e));
              if (--*left == 0)
                store(self, sub);
            });
}

// The answer in submission order: new jobs, replays (also of a key given twice in the call).
bulk_submission answer_of(const submission& sub, const std::vector<job_record>& created,
                          const std::vector<std::size_t>& created_index) {
  bulk_submission out;
  std::unordered_map<std::string, const job_record*> by_key;  // by user_key
  for (const auto& job : created)
    if (!job.idempotency_key.empty())
      by_key.emplace(job.user_id + '\n' + job.idempotency_key, &job);
  std::size_t next_created = 0;
  for (std::size_t i = 0; i < sub.specs.size(); ++i) {
    if (next_created < created_index.size() && created_index[next_created] == i) {
      out.jobs.push_back(created[next_created++]);
      out.created.push_back(1);
    } else if (sub.states[i] == submission::state::replayed) {
      out.jobs.push_back(sub.replays[i]);
      out.created.push_back(0);
    } else if (auto it = by_key.find(user_key(sub.specs[i]));
               sub.states[i] == submission::state::pending && it != by_key.end()) {
      out.jobs.push_back(*it->second);
      out.created.push_back(0);
    } else {
      continue;
    }
    out.indexes.push_back(static_cast<std::int64_t>(i));
  }
  out.refused = sub.refused;
  std::sort(out.refused.begin(), out.refused.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  return out;
}

// Quick jobs with no idempotency key and no dependency are queued at once, before their rows
// are committed, and run when a slot is free. Nothing of such a run is seen before the
// submission is durable: a quick job's items are computation only (no side effect, see
// job_plan::quick), and its end is written by a write that reaches the writer after its row's,
// so it commits with that row or after it. If the row's commit fails, the end's fence finds no
// row and is refused. Meanwhile the writer is often committing others' work, so such a job
// often ends before its row is written, and the writer then inserts the row as the job ended
// instead of inserting it and updating it (storage::commit). A job with a key waits for its
// commit: a concurrent submission of the same key may win it. The ids queued early.
std::unordered_set<std::string> start_early(supervisor_pointer self, const std::vector<job_record>& created) {
  auto& st = self->state;
  std::unordered_set<std::string> early;
  for (const auto& job : created)
    if (job.idempotency_key.empty() && job.depends_on.empty() && quick_plan(st, job)) {
      early.insert(job.id);
      enqueue(self, job, job.created_at);
    }
  if (!early.empty())
    try_start(self);
  return early;
}

// Their submission's commit failed: the jobs queued early leave, the ones running are let go
// when their writes are refused.
void withdraw(supervisor_pointer self, const std::unordered_set<std::string>& early) {
  auto& st = self->state;
  for (const auto& id : early)
    if (!st.queue.remove(id) && st.running.contains(id))
      st.withdrawn.insert(id);
}

void store(supervisor_pointer self, submission_ptr sub) {
  auto& st = self->state;
  std::vector<job_record> created;
  std::vector<std::size_t> created_index;
  std::unordered_set<std::string> keys;
  for (std::size_t i = 0; i < sub->specs.size(); ++i) {
    const auto& spec = sub->specs[i];
    if (sub->states[i] != submission::state::pending || (!spec.idempotency_key.empty() && !keys.insert(user_key(spec)).second))
      continue;  // a user's key given twice in one call makes one job
    created.push_back(new_job(st, spec, *st.ctx.types->find(spec.type)));
    created_index.push_back(i);
  }
  if (created.empty())
    return sub->done(answer_of(*sub, created, created_index));
  storage::write_batch batch;
  batch.inserted_jobs = created;
  auto stored = std::make_shared<std::vector<job_record>>(std::move(created));
  auto early = std::make_shared<std::unordered_set<std::string>>();
  self->request(st.ctx.writer, caf::infinite, write_atom::value, std::move(batch))
      .then(
          [=](caf::ok_atom) {
            // Answered first: the answer needs nothing that follows, and no other request
            // reaches this actor before this handler has queued and started the jobs, so the
            // reply is written and sent while they are (a call of 10,000 jobs: ~40 ms sooner).
            sub->done(answer_of(*sub, *stored, created_index));
            // One line at info for a bulk call; each of its jobs at debug. Single submissions
            // taken together are each logged at info, as when they come one by one.
            auto level = stored->size() > 1 && !sub->singles ? spdlog::level::debug : spdlog::level::info;
            if (stored->size() > 1 && !sub->singles)
              spdlog::info("{} jobs created -> queued for user {} ({} first)", stored->size(),
                           stored->front().user_id, stored->front().id);
            job_events created;
            created.reserve(stored->size());
            for (auto& job : *stored) {
              if (spdlog::should_log(level))
                spdlog::log(level, "job {} {} created -> queued priority {} user {}", job.id, job.type, job.priority,
                            job.user_id);
              created.push_back({std::make_shared<const job_record>(job), "job_created"});
              auto since = job.created_at;
              if (!early->contains(job.id))
                admit(self, std::move(job), since);
            }
            stored->clear();
            publish_job_events(self->state.ctx, created);
            try_start(self);
          },
          [=](caf::error& e) {
            withdraw(self, *early);
            // The same key came at once from two calls: both looked it up before either was
            // stored, and the unique index refused the second. Once more, and it is a replay.
            if (keys.empty() || sub->retries_left-- == 0)
              return sub->done(std::move(e));
            look_up_keys(self, sub);
          });
  // After the write is on its way, so that it reaches the writer before any write of theirs.
  *early = start_early(self, *stored);
}

// Checks what needs no storage, then the rest; `done` gets the answer or a whole-call error.
void start_submission(supervisor_pointer self, std::vector<job_spec> specs,
                      std::function<void(caf::expected<bulk_submission>)> done, bool singles = false) {
  auto sub = std::make_shared<submission>();
  sub->singles = singles;
  sub->specs = std::move(specs);
  sub->states.assign(sub->specs.size(), submission::state::pending);
  sub->replays.resize(sub->specs.size());
  sub->done = std::move(done);
  std::size_t acceptable = 0;
  for (std::size_t i = 0; i < sub->specs.size(); ++i) {
    if (auto refusal = check_spec(self->state, sub->specs[i], static_cast<std::int64_t>(i)))
      sub->refuse(i, refusal->field, refusal->message);
    else
      ++acceptable;
  }
  if (queued_count(self->state) + acceptable > static_cast<std::size_t>(self->state.ctx.settings.queue_limit))
    return sub->done(overloaded(self->state));
  look_up_keys(self, sub);
}

std::string how_it_ended(const job_record& job) {
  if (job.status == job_status::failed)
    return fmt::format("failed: {}", job.error_message);
  return fmt::format("was {}", to_string(job.status));
}

// `dependency` ended: its waiting jobs run once nothing else holds them, or fail, naming it.
void settle(supervisor_pointer self, const std::string& dependency, bool completed, const std::string& how) {
  auto out = self->state.waiting.ended(dependency, completed);
  for (auto& job : out.ready) {
    auto since = job.created_at;
    enqueue(self, std::move(job), since);
  }
  for (auto& job : out.doomed)
    end_waiting(self, std::move(job), job_status::failed, fmt::format("dependency {} {}", dependency, how),
                std::nullopt);
  if (!out.ready.empty())
    try_start(self);
}

}  // namespace

void job_ended(supervisor_pointer self, const job_record& job) {
  // Most jobs have no dependents: no words about how this one ended are written for nobody.
  if (storage::is_terminal(job.status) && self->state.waiting.awaited(job.id))
    settle(self, job.id, job.status == job_status::completed, how_it_ended(job));
}

void admit(supervisor_pointer self, job_record job, std::int64_t since) {
  auto& st = self->state;
  // A job submitted while recovery read the stored queue can come back from that read (it was
  // committed) before its own submission's commit reply: held once, it must not start twice.
  if (is_active(st, job.id))
    return;
  if (job.depends_on.empty())
    return enqueue(self, std::move(job), since);
  auto ended = dependencies_not_held(st, job);
  st.waiting.add(job, job.depends_on);
  // A dependency that ended before this job was held: storage says how (once per dependency;
  // every job waiting on it learns the same).
  for (const auto& dependency : ended)
    self->request(st.ctx.reader, caf::infinite, caf::get_atom::value, dependency)
        .then([=](job_record& stored) { job_ended(self, stored); },
              [=](caf::error& e) {
                settle(self, dependency, false,
                       code_of(e) == errc::not_found ? "does not exist" : "could not be read: " + message_of(e));
              });
}

caf::result<job_record, bool> submit(supervisor_pointer self, job_spec& spec) {
  auto promise = self->make_response_promise<job_record, bool>();
  start_submission(self, {std::move(spec)}, [promise](caf::expected<bulk_submission> answer) mutable {
    if (!answer) {
      promise.deliver(std::move(answer.error()));
    } else if (!answer->refused.empty()) {
      promise.deliver(error_of(answer->refused.front()));
    } else {
      promise.deliver(std::move(answer->jobs.front()), answer->created.front() != 0);
    }
  });
  return promise;
}

caf::result<bulk_submission> submit_many(supervisor_pointer self, std::vector<job_spec>& specs) {
  auto promise = self->make_response_promise<bulk_submission>();
  start_submission(self, std::move(specs), [promise](caf::expected<bulk_submission> answer) mutable {
    if (answer)
      promise.deliver(std::move(*answer));
    else
      promise.deliver(std::move(answer.error()));
  });
  return promise;
}

caf::result<bulk_submission> submit_singles(supervisor_pointer self, std::vector<job_spec>& specs) {
  auto promise = self->make_response_promise<bulk_submission>();
  start_submission(
      self, std::move(specs),
      [promise](caf::expected<bulk_submission> answer) mutable {
        if (answer)
          promise.deliver(std::move(*answer));
        else
          promise.deliver(std::move(answer.error()));
      },
      true);
  return promise;
}

caf::result<std::vector<job_record>> enqueue_group(supervisor_pointer self, group_request& request) {
  auto& st = self->state;
  auto types = st.ctx.types->group_closure(request.group);
  if (types.empty())
    return make_error(errc::not_found, fmt::format("no job type is in group '{}'", request.group));
  for (const auto& [name, params] : request.params)
    if (std::none_of(types.begin(), types.end(), [&](const job_type* t) { return t->name == name; }))
      return make_error(errc::invalid_argument,
                        fmt::format("params.{}: '{}' is not a type of group '{}' or of its dependencies", name, name,
                                    request.group),
                        "params." + name);
  if (queued_count(st) + types.size() > static_cast<std::size_t>(st.ctx.settings.queue_limit))
    return overloaded(st);
  std::vector<job_record> jobs;
  std::map<std::string, std::string> id_of;
  for (const auto* type : types) {
    job_spec spec{type->name, "{}", request.priority, 0, 0, {}, request.user_id};
    if (auto it = request.params.find(type->name); it != request.params.end())
      spec.params = it->second;
    if (auto problem = params_problem(*type, spec.params))
      return make_error(errc::invalid_argument, fmt::format("params.{}: {}", type->name, *problem),
                        "params." + type->name);
    for (const auto& dependency : type->depends_on)
      spec.depends_on.push_back(id_of.at(dependency));
    jobs.push_back(new_job(st, spec, *type));
    id_of[type->name] = jobs.back().id;
  }
  storage::write_batch batch;
  batch.inserted_jobs = jobs;
  auto promise = self->make_response_promise<std::vector<job_record>>();
  self->request(st.ctx.writer, caf::infinite, write_atom::value, std::move(batch))
      .then(
          [=](caf::ok_atom) mutable {
            spdlog::info("job group {}: {} jobs created for user {}", request.group, jobs.size(), request.user_id);
            for (const auto& job : jobs) {  // in dependency order: each finds its dependencies held
              announce(self, job, "job_created");
              admit(self, job, job.created_at);
            }
            try_start(self);
            promise.deliver(jobs);
          },
          [=](caf::error& e) mutable { promise.deliver(std::move(e)); });
  return promise;
}

}  // namespace jobmesh::actors::detail
