// Jobs that depend on jobs, job groups, many submissions in one commit, per-type limits and
// the queue statistics, through the whole engine.
#include "actors/job_supervisor.hpp"
#include "engine_fixture.hpp"

#include <gmock/gmock.h>

#include <future>
#include <thread>

using namespace jobmesh;
using namespace jobmesh::testing;
using ::testing::HasSubstr;
using storage::job_status;

namespace {

class job_groups_test : public engine_fixture {};

actors::job_spec noop_spec(std::vector<std::string> depends_on = {}) {
  actors::job_spec s;
  s.type = "noop";
  s.params = R"({"items": 2})";
  s.user_id = "tester";
  s.depends_on = std::move(depends_on);
  return s;
}

actors::job_spec failing_spec() {
  actors::job_spec s;
  s.type = "flaky";
  s.params = R"({"items": 2, "fail_probability": 1.0})";
  s.user_id = "tester";
  s.max_attempts = 1;
  return s;
}

// A registry with the test types plus `first` (group "base"), `second` (group "top", depends on
// first) and `third` (group "top", depends on second): noop jobs under other names.
std::shared_ptr<actors::job_type_registry> chained_registry() {
  auto registry = std::make_shared<actors::job_type_registry>();
  actors::add_test_job_types(*registry, 1000);
  auto like_noop = [&](std::string name, std::string group, std::vector<std::string> depends_on) {
    auto t = *registry->find("noop");
    t.name = std::move(name);
    t.group = std::move(group);
    t.depends_on = std::move(depends_on);
    registry->add(std::move(t));
  };
  like_noop("first", "base", {});
  like_noop("second", "top", {"first"});
  like_noop("third", "top", {"second"});
  return registry;
}

std::vector<actors::queue_statistics> statistics(caf::scoped_actor& self, const actors::job_supervisor_actor& sup) {
  std::vector<actors::queue_statistics> out;
  self->request(sup, std::chrono::seconds(10), actors::statistics_atom::value)
      .receive([&](actors::queue_report& s) { out = std::move(s.types); },
               [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
  return out;
}

const actors::queue_statistics& of_type(const std::vector<actors::queue_statistics>& all, const std::string& type) {
  auto it = std::find_if(all.begin(), all.end(), [&](const auto& s) { return s.type == type; });
  EXPECT_NE(it, all.end()) << "no statistics for " << type;
  static const actors::queue_statistics none;
  return it == all.end() ? none : *it;
}

}  // namespace

TEST_F(job_groups_test, a_job_runs_only_after_its_dependency_completed) {
  start();
  auto first = submit(sleep_spec(3, 30));
  auto second = submit(noop_spec({first.id}));
  EXPECT_EQ(second.status, job_status::queued);
  EXPECT_EQ(second.depends_on, std::vector<std::string>{first.id});
  auto first_end = await_end(first.id);
  auto second_end = await_end(second.id);
  ASSERT_EQ(first_end.status, job_status::completed);
  ASSERT_EQ(second_end.status, job_status::completed);
  EXPECT_GE(second_end.started_at, first_end.completed_at);
}

// A registry with the test types plus `gated_failure`: its one item waits until `gate` opens
// (at most k_wait), then fails. Its dependents are submitted while it is surely still running,
// not in a race with a job that may have failed already (which refuses them).
std::shared_ptr<actors::job_type_registry> gated_registry(std::shared_future<void> gate) {
  auto registry = std::make_shared<actors::job_type_registry>();
  actors::add_test_job_types(*registry, 1000);
  actors::job_type t;
  t.name = "gated_failure";
  t.group = "test";
  t.validate = [](const boost::json::object&) { return std::optional<std::string>{}; };
  t.plan = [gate](const boost::json::object&, const std::string&) {
    auto plan = std::make_shared<actors::job_plan>();
    plan->item_keys = {"0"};
    plan->handle = [gate](const actors::item_ref&) {
      gate.wait_for(std::chrono::seconds(20));  // the fixture's k_wait
      return actors::item_outcome{false, "failed after the gate opened", ""};
    };
    return std::shared_ptr<const actors::job_plan>(std::move(plan));
  };
  registry->add(std::move(t));
  return registry;
}

// A job of gated_registry's `gated_failure` type, with one attempt.
actors::job_spec gated_failure_spec() {
  auto spec = failing_spec();
  spec.type = "gated_failure";
  spec.params = "{}";
  return spec;
}

TEST_F(job_groups_test, a_failed_dependency_fails_its_dependents_naming_it) {
  std::promise<void> gate;
  start(gated_registry(gate.get_future().share()));
  auto bad = submit(gated_failure_spec());
  auto middle = submit(noop_spec({bad.id}));
  auto last = submit(noop_spec({middle.id}));
  ASSERT_EQ(middle.status, job_status::queued);
  ASSERT_EQ(last.status, job_status::queued);
  gate.set_value();
  EXPECT_EQ(await_end(bad.id).status, job_status::failed);
  auto middle_end = await_end(middle.id);
  auto last_end = await_end(last.id);
  EXPECT_EQ(middle_end.status, job_status::failed);
  EXPECT_THAT(middle_end.error_message, HasSubstr("dependency " + bad.id + " failed"));
  EXPECT_EQ(middle_end.started_at, 0) << "a dependent of a failed job never runs";
  EXPECT_EQ(last_end.status, job_status::failed);
  EXPECT_THAT(last_end.error_message, HasSubstr("dependency " + middle.id + " failed"));
}

TEST_F(job_groups_test, depending_on_a_missing_or_failed_job_is_refused) {
  start();
  auto missing = submit_error(noop_spec({"01JAAAAAAAAAAAAAAAAAAAAAAA"}));
  EXPECT_EQ(actors::code_of(missing), actors::errc::invalid_argument);
  EXPECT_THAT(actors::message_of(missing), HasSubstr("no job 01JAAAAAAAAAAAAAAAAAAAAAAA"));
  auto bad = submit(failing_spec());
  ASSERT_EQ(await_end(bad.id).status, job_status::failed);
  auto refused = submit_error(noop_spec({bad.id}));
  EXPECT_THAT(actors::message_of(refused), HasSubstr("job " + bad.id + " is failed"));
}

TEST_F(job_groups_test, cancelling_a_waiting_job_fails_the_jobs_that_wait_on_it) {
  start();
  auto running = submit(sleep_spec(50, 100));
  auto waiting = submit(noop_spec({running.id}));
  auto behind = submit(noop_spec({waiting.id}));
  auto cancelled = ask_job(actors::cancel_atom::value, waiting.id);
  ASSERT_TRUE(cancelled);
  EXPECT_EQ(cancelled->status, job_status::cancelled);
  auto behind_end = await_end(behind.id);
  EXPECT_EQ(behind_end.status, job_status::failed);
  EXPECT_THAT(behind_end.error_message, HasSubstr("dependency " + waiting.id + " was cancelled"));
  // Only to end the test sooner: on a slow machine the sleep job may have completed already.
  ask_job(actors::cancel_atom::value, running.id);
}

TEST_F(job_groups_test, a_cycle_among_type_dependencies_is_named_and_refused) {
  auto registry = chained_registry();
  EXPECT_EQ(registry->check_dependencies(), std::nullopt);
  auto t = *registry->find("first");
  t.depends_on = {"third"};
  registry->add(std::move(t));
  auto problem = registry->check_dependencies();
  ASSERT_TRUE(problem.has_value());
  EXPECT_THAT(*problem, HasSubstr("first -> third -> second -> first"));
  EXPECT_THROW(start(registry), std::invalid_argument);
}

TEST_F(job_groups_test, a_group_enqueue_adds_the_dependencies_from_other_groups_in_order) {
  start(chained_registry());
  std::vector<storage::job_record> jobs;
  actors::group_request request{"top", "tester", 0, {}};
  self()->request(engine_.supervisor, k_wait, actors::enqueue_atom::value, request)
      .receive([&](std::vector<storage::job_record>& j) { jobs = std::move(j); },
               [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].type, "first");
  EXPECT_EQ(jobs[0].group, "base");
  EXPECT_TRUE(jobs[0].depends_on.empty());
  EXPECT_EQ(jobs[1].type, "second");
  EXPECT_EQ(jobs[1].depends_on, std::vector<std::string>{jobs[0].id});
  EXPECT_EQ(jobs[2].type, "third");
  EXPECT_EQ(jobs[2].depends_on, std::vector<std::string>{jobs[1].id});
  std::vector<storage::job_record> ended;
  for (const auto& j : jobs)
    ended.push_back(await_end(j.id));
  for (const auto& j : ended)
    EXPECT_EQ(j.status, job_status::completed) << j.type;
  EXPECT_GE(ended[1].started_at, ended[0].completed_at);
  EXPECT_GE(ended[2].started_at, ended[1].completed_at);
}

TEST_F(job_groups_test, a_group_enqueue_names_an_unknown_group_and_bad_params) {
  start(chained_registry());
  auto ask = [&](actors::group_request request) {
    caf::error out;
    self()->request(engine_.supervisor, k_wait, actors::enqueue_atom::value, std::move(request))
        .receive([&](std::vector<storage::job_record>&) { ADD_FAILURE() << "enqueued"; },
                 [&](caf::error& e) { out = std::move(e); });
    return out;
  };
  auto unknown = ask({"nothing", "tester", 0, {}});
  EXPECT_EQ(actors::code_of(unknown), actors::errc::not_found);
  auto bad = ask({"top", "tester", 0, {{"second", R"({"items": -1})"}}});
  EXPECT_EQ(actors::code_of(bad), actors::errc::invalid_argument);
  EXPECT_THAT(actors::message_of(bad), HasSubstr("params.second"));
  auto stranger = ask({"top", "tester", 0, {{"sleep", "{}"}}});
  EXPECT_THAT(actors::message_of(stranger), HasSubstr("params.sleep"));
}

TEST_F(job_groups_test, many_submissions_commit_together_and_refusals_keep_their_position) {
  start();
  auto keyed = noop_spec();
  keyed.idempotency_key = "nightly";
  auto unknown = noop_spec();
  unknown.type = "no-such-type";
  std::vector<actors::job_spec> specs{noop_spec(), unknown, keyed, keyed};
  actors::bulk_submission answer;
  self()->request(engine_.supervisor, k_wait, actors::submit_atom::value, specs)
      .receive([&](actors::bulk_submission& a) { answer = std::move(a); },
               [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
  ASSERT_EQ(answer.jobs.size(), 3u);
  EXPECT_EQ(answer.indexes, (std::vector<std::int64_t>{0, 2, 3}));
  EXPECT_EQ(answer.created, (std::vector<std::uint8_t>{1, 1, 0}));
  EXPECT_EQ(answer.jobs[1].id, answer.jobs[2].id) << "a key given twice makes one job";
  ASSERT_EQ(answer.refused.size(), 1u);
  EXPECT_EQ(answer.refused[0].index, 1);
  EXPECT_EQ(answer.refused[0].field, "type");
  // The same key again, in a later call: the stored job, not a new one.
  std::vector<actors::job_spec> again{keyed};
  self()->request(engine_.supervisor, k_wait, actors::submit_atom::value, again)
      .receive(
          [&](actors::bulk_submission& a) {
            ASSERT_EQ(a.jobs.size(), 1u);
            EXPECT_EQ(a.jobs[0].id, answer.jobs[1].id);
            EXPECT_EQ(a.created, std::vector<std::uint8_t>{0});
          },
          [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
  EXPECT_EQ(await_end(answer.jobs[0].id).status, job_status::completed);
}

TEST_F(job_groups_test, a_type_at_its_limit_waits_while_other_types_run_and_statistics_show_it) {
  settings_.jobs.type_limits = {{"sleep", 1}};
  settings_.jobs.max_concurrent = 4;
  start();
  // Once a job has run, recovery is over: from here every submission starts what it can at once.
  EXPECT_EQ(await_end(submit(noop_spec()).id).status, job_status::completed);
  auto slow1 = submit(sleep_spec(20, 25));
  auto slow2 = submit(sleep_spec(1, 1));
  auto quick = submit(noop_spec());
  auto stats = statistics(self(), engine_.supervisor);
  EXPECT_EQ(of_type(stats, "sleep").processing_count, 1);
  EXPECT_EQ(of_type(stats, "sleep").queue_depth, 1);
  EXPECT_EQ(of_type(stats, "sleep").peak_queue_depth, 1);
  EXPECT_EQ(await_end(quick.id).status, job_status::completed);
  // Read the waiting job before the running one: if the first is still running at the second
  // read, the second job was queued at the first read, however slow this machine is.
  auto waiting = ask_job(caf::get_atom::value, slow2.id);
  auto running = ask_job(caf::get_atom::value, slow1.id);
  ASSERT_TRUE(waiting && running);
  if (running->status == job_status::running) {
    EXPECT_EQ(waiting->status, job_status::queued) << "the second sleep job waits for the first";
  }
  auto after = statistics(self(), engine_.supervisor);
  EXPECT_EQ(of_type(after, "noop").completed_today, 2);
  EXPECT_EQ(of_type(after, "noop").queue_depth, 0);
  EXPECT_EQ(of_type(after, "hang").completed_today, 0) << "every registered type is listed";
  EXPECT_EQ(await_end(slow1.id).status, job_status::completed);
  auto slow2_end = await_end(slow2.id);
  EXPECT_EQ(slow2_end.status, job_status::completed);
  EXPECT_GE(slow2_end.started_at, await_end(slow1.id).completed_at);
}

// Retrying a job whose dependency failed would only fail it again at once: it is refused,
// naming the dependency; once that one is retried (held again), the dependent may be too.
TEST_F(job_groups_test, retrying_a_dependent_of_a_failed_job_is_refused_until_the_dependency_is_retried) {
  std::promise<void> gate;
  start(gated_registry(gate.get_future().share()));
  auto bad = submit(gated_failure_spec());
  auto dependent = submit(noop_spec({bad.id}));
  gate.set_value();
  ASSERT_EQ(await_end(bad.id).status, job_status::failed);
  ASSERT_EQ(await_end(dependent.id).status, job_status::failed);

  auto refused = ask_job(actors::retry_atom::value, dependent.id);
  ASSERT_FALSE(refused) << "a retry of a job whose dependency failed was taken";
  EXPECT_EQ(actors::code_of(refused.error()), actors::errc::conflict);
  EXPECT_THAT(actors::message_of(refused.error()),
              HasSubstr("depends on job " + bad.id + ", which is failed; retry that one first"));
  EXPECT_EQ(await_end(dependent.id).status, job_status::failed) << "the refused retry changed the job";

  // Paused, so that the dependency is still held (not failed again) when its dependent is retried.
  auto pause = [&](bool on) {
    self()->request(engine_.supervisor, k_wait, actors::pause_atom::value, on)
        .receive([](actors::queue_report&) {}, [](caf::error& e) { FAIL() << caf::to_string(e); });
  };
  pause(true);
  auto again = ask_job(actors::retry_atom::value, bad.id);
  ASSERT_TRUE(again) << actors::message_of(again.error());
  auto taken = ask_job(actors::retry_atom::value, dependent.id);
  ASSERT_TRUE(taken) << actors::message_of(taken.error());
  EXPECT_EQ(taken->status, job_status::queued);
  pause(false);
  EXPECT_EQ(await_end(bad.id).status, job_status::failed);  // it fails again (the gate is open)
  auto end = await_end(dependent.id);
  EXPECT_EQ(end.status, job_status::failed);
  EXPECT_THAT(end.error_message, HasSubstr("dependency " + bad.id + " failed"));
}

// A retry reads the dependencies the supervisor no longer holds: one that completed lets the
// job run again (it failed on its own), one that was cancelled refuses the retry, naming it.
TEST_F(job_groups_test, a_retry_reads_each_ended_dependency_from_storage) {
  start();
  auto done = submit(noop_spec());
  ASSERT_EQ(await_end(done.id).status, job_status::completed);
  auto own_failure = failing_spec();
  own_failure.depends_on = {done.id};
  auto failed = submit(own_failure);
  ASSERT_EQ(await_end(failed.id).status, job_status::failed);
  auto again = ask_job(actors::retry_atom::value, failed.id);
  ASSERT_TRUE(again) << actors::message_of(again.error());
  EXPECT_EQ(again->status, job_status::queued);
  EXPECT_EQ(await_end(failed.id).status, job_status::failed) << "it fails on its own again";

  auto stopped = submit(sleep_spec(50, 20));
  auto dependent = submit(noop_spec({done.id, stopped.id}));
  ASSERT_TRUE(ask_job(actors::cancel_atom::value, stopped.id));
  ASSERT_EQ(await_end(stopped.id).status, job_status::cancelled);
  ASSERT_EQ(await_end(dependent.id).status, job_status::failed);
  auto refused = ask_job(actors::retry_atom::value, dependent.id);
  ASSERT_FALSE(refused);
  EXPECT_EQ(actors::code_of(refused.error()), actors::errc::conflict);
  EXPECT_THAT(actors::message_of(refused.error()), HasSubstr("depends on job " + stopped.id + ", which is cancelled"));
  auto twice = ask_job(actors::retry_atom::value, dependent.id);
  ASSERT_FALSE(twice);
  EXPECT_THAT(actors::message_of(twice.error()), HasSubstr("which is cancelled")) << "the refusal left no claim behind";
}

// A dependent's end is committed (and read back as failed) a moment before the supervisor hears
// the commit: a retry sent in that moment waits for it and is then answered as any retry of the
// job (here refused, naming the failed dependency), never "not finished".
TEST_F(job_groups_test, a_retry_sent_as_soon_as_an_end_is_read_waits_for_the_end) {
  start();
  auto pause = [&](bool on) {  // so that the dependency has not failed when its dependent comes
    self()->request(engine_.supervisor, k_wait, actors::pause_atom::value, on)
        .receive([](actors::queue_report&) {}, [](caf::error& e) { FAIL() << caf::to_string(e); });
  };
  for (int round = 0; round < 30; ++round) {
    pause(true);
    auto bad = submit(failing_spec());
    auto dependent = submit(noop_spec({bad.id}));
    pause(false);
    auto deadline = std::chrono::steady_clock::now() + k_wait;
    for (;;) {  // reads the dependent as soon as it can, to catch the moment after its commit
      auto job = ask_job(caf::get_atom::value, dependent.id);
      ASSERT_TRUE(job) << caf::to_string(job.error());
      if (storage::is_terminal(job->status))
        break;
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the dependent did not end";
    }
    auto refused = ask_job(actors::retry_atom::value, dependent.id);
    ASSERT_FALSE(refused) << "round " << round << ": a retry of a dependent of a failed job was taken";
    EXPECT_THAT(actors::message_of(refused.error()), HasSubstr("which is failed; retry that one first"))
        << "round " << round;
  }
}
