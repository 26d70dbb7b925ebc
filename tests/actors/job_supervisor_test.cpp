#include "actors/job_supervisor.hpp"
#include "engine_fixture.hpp"
#include "storage/job_repository.hpp"

#include <gmock/gmock.h>

#include <set>

using namespace jobmesh;
using namespace jobmesh::testing;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using storage::job_status;

namespace {

class supervisor_test : public engine_fixture {
protected:
  // A `sleep` job of 3 items as a stopped node left it: running, at `attempt` of `max_attempts`.
  void store_left_running(const std::string& id, std::int64_t attempt, std::int64_t max_attempts) {
    auto db = storage::open_and_migrate(settings_.storage.db);
    storage::job_record j;
    j.id = id;
    j.type = "sleep";
    j.user_id = "tester";
    j.status = job_status::running;
    j.attempt = attempt;
    j.max_attempts = max_attempts;
    j.params = R"({"items": 3})";
    j.created_at = j.updated_at = 1'700'000'000'000;
    storage::write_batch batch;
    batch.inserted_jobs.push_back(j);
    storage::commit(*db, batch);
  }
};

double percent(const event& e) {
  return e.data.at("progress_percentage").is_double() ? e.data.at("progress_percentage").as_double()
                                                      : static_cast<double>(e.data.at("progress_percentage").as_int64());
}

}  // namespace

TEST_F(supervisor_test, a_sleep_job_runs_to_completed_with_rising_progress) {
  start();
  auto job = submit(sleep_spec(20, 5));
  EXPECT_EQ(job.status, job_status::queued);
  subscribe("job:" + job.id);
  auto events = events_until_end();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().type, "subscribed");
  EXPECT_EQ(events.back().type, "completed");
  EXPECT_EQ(events.back().data.at("processed_items").as_int64(), 20);
  double last = -1;
  std::uint64_t last_seq = 0;
  int progress_events = 0;
  for (const auto& e : events) {
    if (e.type != "progress")
      continue;
    ++progress_events;
    EXPECT_GE(percent(e), last);
    EXPECT_GT(e.seq, last_seq);
    last = percent(e);
    last_seq = e.seq;
  }
  EXPECT_GE(progress_events, 10);
  EXPECT_DOUBLE_EQ(last, 100.0);
  auto stored = ask_job(caf::get_atom::value, job.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status, job_status::completed);
  EXPECT_EQ(stored->attempt, 1);
  EXPECT_GT(stored->expires_at, stored->completed_at);
}

TEST_F(supervisor_test, cancelling_a_running_job_stops_it_between_items) {
  settings_.jobs.workers = 1;
  start();
  auto job = submit(sleep_spec(200, 20));
  await_first_item(job.id);
  auto cancelled = ask_job(actors::cancel_atom::value, job.id);
  ASSERT_TRUE(cancelled) << caf::to_string(cancelled.error());
  EXPECT_EQ(cancelled->status, job_status::cancelled);
  EXPECT_LT(cancelled->processed_items, 200);
  EXPECT_EQ(cancelled->error_message, "cancelled by request");
  auto again = ask_job(actors::cancel_atom::value, job.id);
  ASSERT_FALSE(again);
  EXPECT_EQ(actors::code_of(again.error()), actors::errc::conflict);
}

TEST_F(supervisor_test, a_queued_job_is_cancelled_without_running) {
  settings_.jobs.max_concurrent = 1;
  settings_.jobs.workers = 1;
  start();
  auto first = submit(sleep_spec(1000, 20));  // 20 s: still running when the test cancels it
  auto second = submit(sleep_spec(5, 1));
  auto cancelled = ask_job(actors::cancel_atom::value, second.id);
  ASSERT_TRUE(cancelled);
  EXPECT_EQ(cancelled->status, job_status::cancelled);
  EXPECT_EQ(cancelled->attempt, 0);
  ASSERT_TRUE(ask_job(actors::cancel_atom::value, first.id));
}

TEST_F(supervisor_test, unknown_ids_and_types_and_bad_params_are_errors) {
  start();
  auto missing = ask_job(caf::get_atom::value, "01M819SZZC4RY7478857NQTNXP");
  ASSERT_FALSE(missing);
  EXPECT_EQ(actors::code_of(missing.error()), actors::errc::not_found);
  auto spec = sleep_spec(1, 1);
  spec.type = "nope";
  EXPECT_EQ(actors::code_of(submit_error(spec)), actors::errc::unknown_job_type);
  spec = sleep_spec(1, 1);
  spec.params = R"({"items": "many"})";
  auto bad = submit_error(spec);
  EXPECT_EQ(actors::code_of(bad), actors::errc::invalid_argument);
  EXPECT_THAT(actors::message_of(bad), HasSubstr("params.items"));
  std::vector<storage::job_record> listed;
  self()->request(engine_.supervisor, k_wait, actors::list_atom::value, storage::job_filter{})
      .receive([&](std::vector<storage::job_record>& jobs) { listed = jobs; },
               [](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
  EXPECT_TRUE(listed.empty());
}

TEST_F(supervisor_test, the_same_idempotency_key_returns_the_same_job) {
  start();
  auto spec = sleep_spec(1, 1);
  spec.idempotency_key = "import-2026-11-22";
  bool created = false;
  auto a = submit(spec, &created);
  EXPECT_TRUE(created);
  auto b = submit(spec, &created);
  EXPECT_FALSE(created);
  EXPECT_EQ(a.id, b.id);
  spec.user_id = "someone-else";
  auto c = submit(spec, &created);
  EXPECT_TRUE(created);
  EXPECT_NE(c.id, a.id);
}

// Many submissions with one key at once: each looks the key up before any is stored, so all but
// one insert meet the unique index. Every reply names the one job; exactly one created it.
TEST_F(supervisor_test, the_same_idempotency_key_submitted_at_once_gives_one_job) {
  start();
  auto spec = sleep_spec(1, 1);
  spec.idempotency_key = "at-once";
  constexpr int k_submits = 8;
  for (int i = 0; i < k_submits; ++i)
    self()->send(engine_.supervisor, actors::submit_atom::value, spec);
  std::set<std::string> ids;
  int created = 0, answers = 0;
  for (int i = 0; i < k_submits; ++i)
    self()->receive(
        [&](storage::job_record& job, bool was_created) {
          ++answers;
          ids.insert(job.id);
          created += was_created ? 1 : 0;
        },
        [&](caf::error& e) { ADD_FAILURE() << "a submit failed: " << caf::to_string(e); },
        caf::after(k_wait) >> [] { ADD_FAILURE() << "a submit was not answered"; });
  EXPECT_EQ(answers, k_submits);
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(created, 1);
}

// Single submissions of several clients taken in one call (the HTTP layer's submit lane): each
// is answered as its own. A key is its user's: the same key of two users makes two jobs, one
// user's key twice makes one job (the second a replay), a stored key is a replay, and a bad
// submission is refused alone.
TEST_F(supervisor_test, single_submissions_taken_together_are_each_answered_as_their_own) {
  start();
  auto stored = sleep_spec(1, 1);
  stored.idempotency_key = "before";
  bool created = false;
  auto before = submit(stored, &created);
  ASSERT_TRUE(created);
  auto keyed = [](std::string user, std::string key) {
    auto spec = sleep_spec(1, 1);
    spec.user_id = std::move(user);
    spec.idempotency_key = std::move(key);
    return spec;
  };
  auto bad = sleep_spec(1, 1);
  bad.type = "nope";
  std::vector<actors::job_spec> specs{keyed("ann", "k"), keyed("bob", "k"), keyed("ann", "k"), bad,
                                      sleep_spec(1, 1), stored};
  actors::bulk_submission answer;
  self()
      ->request(engine_.supervisor, k_wait, actors::submit_atom::value, actors::singles_atom::value, specs)
      .receive([&](actors::bulk_submission& a) { answer = std::move(a); },
               [](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
  ASSERT_EQ(answer.indexes, (std::vector<std::int64_t>{0, 1, 2, 4, 5}));
  ASSERT_EQ(answer.refused.size(), 1u);
  EXPECT_EQ(answer.refused[0].index, 3);
  EXPECT_EQ(answer.refused[0].field, "type");
  EXPECT_EQ(answer.created, (std::vector<std::uint8_t>{1, 1, 0, 1, 0}));
  EXPECT_NE(answer.jobs[0].id, answer.jobs[1].id) << "the same key of two users names two jobs";
  EXPECT_EQ(answer.jobs[2].id, answer.jobs[0].id) << "one user's key twice makes one job";
  EXPECT_EQ(answer.jobs[1].user_id, "bob");
  EXPECT_EQ(answer.jobs[4].id, before.id) << "a stored key is a replay";
  for (std::size_t k : {0u, 1u, 3u})
    EXPECT_EQ(await_end(answer.jobs[k].id).status, job_status::completed);
}

TEST_F(supervisor_test, failed_items_within_the_jobs_max_failed_ratio_leave_it_completed) {
  start();
  auto spec = failing_spec(4);
  spec.max_failed_ratio = 1;
  auto job = submit(spec);
  EXPECT_EQ(job.max_failed_ratio, 1);
  subscribe("job:" + job.id);
  auto events = events_until_end();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().type, "completed");
  EXPECT_EQ(events.back().data.at("failed_items").as_int64(), 4);
  EXPECT_THAT(std::string{events.back().data.at("error_message").as_string()}, StartsWith("4 of 4 items failed: "));
}

TEST_F(supervisor_test, failed_items_fail_the_job_and_are_listed) {
  start();
  auto spec = failing_spec(30);
  auto job = submit(spec);
  subscribe("job:" + job.id);
  auto events = events_until_end();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().type, "failed");
  EXPECT_THAT(std::string{events.back().data.at("error_message").as_string()},
              StartsWith("30 of 30 items failed: item 0 (0): item 0 failed on purpose (attempt 3); item 1 (1)"));
  std::vector<storage::item_record> items;
  storage::item_filter filter;
  filter.job_id = job.id;
  filter.status = storage::item_status::failed;
  self()->request(engine_.supervisor, k_wait, actors::items_atom::value, filter)
      .receive([&](std::vector<storage::item_record>& got) { items = got; },
               [](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
  ASSERT_EQ(items.size(), 30u);
  EXPECT_EQ(items[0].attempts, settings_.jobs.item_max_attempts);
}

// An item that waits (job_plan::wait_per_try: `sleep`) waits on its runner's timer: with one
// worker, a job that needs the worker runs to its end while a minute-long wait is in flight.
TEST_F(supervisor_test, an_item_that_waits_holds_no_worker) {
  settings_.jobs.workers = 1;
  auto types = std::make_shared<actors::job_type_registry>(*actors::make_default_registry(settings_.jobs.max_items));
  actors::job_type on_worker;
  on_worker.name = "on_worker";
  on_worker.group = "test";
  on_worker.validate = [](const boost::json::object&) { return std::optional<std::string>{}; };
  on_worker.plan = [](const boost::json::object&, const std::string&) {
    auto plan = std::make_shared<actors::job_plan>();
    plan->item_keys = {"only"};
    plan->handle = [](const actors::item_ref&) { return actors::item_outcome{true, {}, R"({"ran":true})"}; };
    return std::shared_ptr<const actors::job_plan>{std::move(plan)};
  };
  types->add(on_worker);
  start(types);
  auto waiting = submit(sleep_spec(1, 60'000));
  // Its item is in flight once the runner names it as the current one.
  auto deadline = std::chrono::steady_clock::now() + k_wait;
  for (;;) {
    auto job = ask_job(caf::get_atom::value, waiting.id);
    ASSERT_TRUE(job);
    if (job->status == job_status::running && !job->current_item.empty())
      break;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the sleep job's item was never in flight";
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  actors::job_spec spec;
  spec.type = "on_worker";
  spec.user_id = "tester";
  auto other = await_end(submit(spec).id);
  EXPECT_EQ(other.status, job_status::completed);
  auto still = ask_job(caf::get_atom::value, waiting.id);
  ASSERT_TRUE(still);
  EXPECT_EQ(still->status, job_status::running);
  EXPECT_EQ(still->processed_items, 0);
  auto cancelled = ask_job(actors::cancel_atom::value, waiting.id);
  ASSERT_TRUE(cancelled) << caf::to_string(cancelled.error());
  EXPECT_EQ(cancelled->status, job_status::cancelled);
}

// Each try of an item that waits waits again: three tries of 1 ms, then the item fails.
TEST_F(supervisor_test, an_item_that_waits_is_tried_again_after_a_new_wait) {
  start();
  actors::job_spec spec;
  spec.type = "flaky";
  spec.params = R"({"items": 3, "fail_probability": 1.0, "ms_per_item": 1})";
  spec.user_id = "tester";
  auto job = await_end(submit(spec).id);
  EXPECT_EQ(job.status, job_status::failed);
  EXPECT_EQ(job.failed_items, 3);
  auto items = items_of(job.id);
  ASSERT_EQ(items.size(), 3u);
  for (const auto& item : items) {
    EXPECT_EQ(item.status, storage::item_status::failed);
    EXPECT_EQ(item.attempts, settings_.jobs.item_max_attempts);
    EXPECT_EQ(item.error, "item " + std::to_string(item.index) + " failed on purpose (attempt " +
                                      std::to_string(settings_.jobs.item_max_attempts) + ")");
  }
}

TEST_F(supervisor_test, a_job_over_its_timeout_fails) {
  settings_.jobs.workers = 1;
  start();
  auto spec = sleep_spec(1000, 10);
  spec.timeout_s = 1;
  auto job = submit(spec);
  subscribe("job:" + job.id);
  auto events = events_until_end();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().type, "failed");
  EXPECT_EQ(std::string{events.back().data.at("error_message").as_string()}, "timed out after 1 s");
}

TEST_F(supervisor_test, a_crashing_run_is_retried_then_fails_for_good) {
  auto types = std::make_shared<actors::job_type_registry>();
  actors::job_type crash;
  crash.name = "crash";
  crash.group = "test";
  crash.validate = [](const boost::json::object&) { return std::optional<std::string>{}; };
  crash.plan = [](const boost::json::object&, const std::string&) -> std::shared_ptr<const actors::job_plan> {
    throw std::runtime_error("planner broke");
  };
  types->add(crash);
  start(types);
  actors::job_spec spec;
  spec.type = "crash";
  spec.max_attempts = 3;
  spec.user_id = "tester";
  auto job = submit(spec);
  subscribe("job:" + job.id);
  auto events = events_until_end();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().type, "failed");
  EXPECT_EQ(events.back().data.at("attempt").as_int64(), 3);
  EXPECT_THAT(std::string{events.back().data.at("error_message").as_string()}, HasSubstr("no attempts left"));
}

TEST_F(supervisor_test, jobs_left_running_by_a_stopped_node_run_again_on_start) {
  store_left_running("01M819SZZC4RY7478857NQTNXP", 1, 3);
  start();
  subscribe("job:01M819SZZC4RY7478857NQTNXP");
  auto events = events_until_end();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().type, "completed");
  EXPECT_EQ(events.back().data.at("attempt").as_int64(), 2);
}

// On its last attempt it fails instead, and expires as every ended job does (it kept
// expires_at 0, which the expired-job cleanup never reaches).
TEST_F(supervisor_test, a_job_left_running_on_its_last_attempt_fails_and_expires_like_any_ended_job) {
  store_left_running("01M819SZZC4RY7478857NQTNXQ", 1, 1);
  auto before = actors::now_ms();
  start();
  auto ended = await_end("01M819SZZC4RY7478857NQTNXQ");
  EXPECT_EQ(ended.status, job_status::failed);
  EXPECT_THAT(ended.error_message, HasSubstr("no attempts left"));
  EXPECT_GE(ended.expires_at, before + settings_.jobs.retention_days * 86'400'000);
  EXPECT_EQ(ended.expires_at - ended.completed_at, settings_.jobs.retention_days * 86'400'000);
}

TEST(retry_delay, doubles_caps_and_jitters) {
  using actors::retry_delay;
  EXPECT_EQ(retry_delay(1, 1000, 60'000, 1.0).count(), 1000);
  EXPECT_EQ(retry_delay(3, 1000, 60'000, 1.0).count(), 4000);
  EXPECT_EQ(retry_delay(20, 1000, 60'000, 1.0).count(), 60'000);
  EXPECT_EQ(retry_delay(3, 1000, 60'000, 0.5).count(), 2000);
  EXPECT_EQ(retry_delay(3, 1000, 60'000, 0.1).count(), 2000);  // jitter is clamped to [0.5, 1]
}

// Retry: a cancelled job runs again in a new attempt; its done items are not run twice.
TEST_F(supervisor_test, a_cancelled_job_retried_finishes_its_remaining_items) {
  settings_.jobs.workers = 1;
  settings_.jobs.batch_size = 1;
  start();
  auto job = submit(sleep_spec(60, 5));
  await_first_item(job.id);
  auto cancelled = ask_job(actors::cancel_atom::value, job.id);
  ASSERT_TRUE(cancelled) << caf::to_string(cancelled.error());
  ASSERT_EQ(cancelled->status, job_status::cancelled);
  auto again = ask_job(actors::retry_atom::value, job.id);
  ASSERT_TRUE(again) << caf::to_string(again.error());
  EXPECT_EQ(again->status, job_status::queued);
  auto twice = ask_job(actors::retry_atom::value, job.id);
  ASSERT_FALSE(twice) << "a queued job was retried";
  EXPECT_EQ(actors::code_of(twice.error()), actors::errc::conflict);
  for (auto events = events_until_end(); !events.empty() && events.back().type != "completed";)
    events = events_until_end();
  auto done = ask_job(caf::get_atom::value, job.id);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, job_status::completed);
  EXPECT_EQ(done->attempt, 2);
  EXPECT_EQ(done->processed_items, 60);
  std::vector<storage::item_record> items;
  storage::item_filter filter;
  filter.job_id = job.id;
  filter.limit = 100;
  self()->request(engine_.supervisor, k_wait, actors::items_atom::value, filter)
      .receive([&](std::vector<storage::item_record>& got) { items = std::move(got); },
               [](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
  ASSERT_EQ(items.size(), 60u);
  for (const auto& item : items)
    EXPECT_EQ(item.attempts, 1) << "item " << item.index << " ran more than once";
  auto finished = ask_job(actors::retry_atom::value, job.id);
  ASSERT_FALSE(finished) << "a completed job was retried";
  EXPECT_EQ(actors::code_of(finished.error()), actors::errc::conflict);
}
