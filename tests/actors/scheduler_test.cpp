// Schedules on an injected clock (no test waits for a real due time) and the cleanup of
// expired jobs they run by default.
#include "actors/scheduler.hpp"
#include "engine_fixture.hpp"

#include <gmock/gmock.h>

using namespace jobmesh;
using namespace jobmesh::testing;
using ::testing::HasSubstr;
using storage::job_status;
using storage::schedule_record;

namespace {

constexpr std::int64_t k_minute = 60'000;
constexpr std::int64_t k_hour = 60 * k_minute;
constexpr std::int64_t k_day = 24 * k_hour;
constexpr std::int64_t k_new_year = 1'893'456'000'000;  // 2030-01-01T00:00:00Z (a Tuesday)

class scheduler_test : public engine_fixture {
protected:
  caf::expected<schedule_record> put(schedule_record s) {
    caf::expected<schedule_record> out{caf::error{}};
    self()->request(engine_.scheduler, k_wait, caf::put_atom::value, std::move(s))
        .receive([&](schedule_record& r) { out = std::move(r); }, [&](caf::error& e) { out = std::move(e); });
    return out;
  }

  schedule_record nightly() {
    return {"nightly", "0 3 * * *", "noop", R"({"items":1})", 0, true, 0, 0, 0};
  }

  /// Runs one check at the clock's time; the jobs it submitted for `schedule` (the default
  /// expired-job-cleanup schedule fires too, hourly).
  std::vector<storage::job_record> tick(const std::string& schedule = "nightly") {
    std::vector<storage::job_record> out;
    self()->request(engine_.scheduler, k_wait, actors::tick_atom::value)
        .receive(
            [&](std::vector<storage::job_record>& jobs) {
              std::copy_if(jobs.begin(), jobs.end(), std::back_inserter(out),
                           [&](const auto& j) { return j.schedule == schedule; });
            },
            [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    return out;
  }

  std::vector<schedule_record> schedules() {
    std::vector<schedule_record> out;
    self()->request(engine_.scheduler, k_wait, caf::get_atom::value)
        .receive([&](std::vector<schedule_record>& all) { out = std::move(all); },
                 [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    return out;
  }

  /// The jobs of `type` stored now, newest first.
  std::vector<storage::job_record> jobs_of(const std::string& type) {
    std::vector<storage::job_record> out;
    storage::job_filter filter;
    filter.type = type;
    self()->request(engine_.supervisor, k_wait, actors::list_atom::value, filter)
        .receive([&](std::vector<storage::job_record>& jobs) { out = std::move(jobs); },
                 [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    return out;
  }

  /// Restarts the engine on the same database (a stop, then a start at the clock's time).
  void restart() {
    stop();
    start();
  }
};

}  // namespace

TEST_F(scheduler_test, each_due_time_fires_once_and_the_job_names_its_schedule) {
  clock_ms_ = k_new_year + 30'000;
  start();
  ASSERT_TRUE(put(nightly()));
  clock_ms_ = k_new_year + 3 * k_hour - k_minute;
  EXPECT_TRUE(tick().empty()) << "02:59 is not due";
  clock_ms_ = k_new_year + 3 * k_hour + 5'000;
  auto fired = tick();
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].schedule, "nightly");
  EXPECT_EQ(fired[0].type, "noop");
  EXPECT_EQ(fired[0].user_id, "scheduler");
  EXPECT_EQ(fired[0].idempotency_key, "schedule:nightly:" + std::to_string(k_new_year + 3 * k_hour));
  EXPECT_TRUE(tick().empty()) << "the same due time does not fire twice";
  clock_ms_ = k_new_year + k_day + 3 * k_hour;
  auto next_day = tick();
  ASSERT_EQ(next_day.size(), 1u);
  EXPECT_NE(next_day[0].id, fired[0].id);
  EXPECT_EQ(await_end(fired[0].id).status, job_status::completed);
  EXPECT_EQ(jobs_of("noop").size(), 2u);
}

TEST_F(scheduler_test, a_due_time_missed_while_down_fires_once_at_start_within_the_grace) {
  settings_.schedules.grace_s = 3600;
  clock_ms_ = k_new_year + k_hour;
  start();
  ASSERT_TRUE(put(nightly()));
  stop();
  clock_ms_ = k_new_year + 3 * k_hour + 30 * k_minute;  // down over 03:00, back 30 min later
  start();
  tick();  // after the load's own check: a fired job is stored by the time this answers
  auto deadline = std::chrono::steady_clock::now() + k_wait;
  while (jobs_of("noop").empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto jobs = jobs_of("noop");
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].idempotency_key, "schedule:nightly:" + std::to_string(k_new_year + 3 * k_hour));
  restart();
  // The stop may have come before the due time was stored as handled: then the same job comes
  // back (an idempotent replay), never a second one.
  for (const auto& again : tick())
    EXPECT_EQ(again.id, jobs[0].id);
  EXPECT_EQ(jobs_of("noop").size(), 1u) << "a restart does not fire it again";
}

TEST_F(scheduler_test, a_due_time_missed_beyond_the_grace_is_skipped) {
  settings_.schedules.grace_s = 60;
  clock_ms_ = k_new_year + k_hour;
  start();
  ASSERT_TRUE(put(nightly()));
  stop();
  clock_ms_ = k_new_year + 3 * k_hour + 30 * k_minute;
  start();
  EXPECT_TRUE(tick().empty());
  EXPECT_TRUE(jobs_of("noop").empty());
  auto all = schedules();
  auto it = std::find_if(all.begin(), all.end(), [](const auto& s) { return s.name == "nightly"; });
  ASSERT_NE(it, all.end());
  EXPECT_EQ(it->last_due_at, k_new_year + 3 * k_hour) << "the skipped due time counts as handled";
}

TEST_F(scheduler_test, a_submission_stored_before_a_crash_is_not_made_twice) {
  clock_ms_ = k_new_year + k_hour;
  start();
  ASSERT_TRUE(put(nightly()));
  clock_ms_ = k_new_year + 3 * k_hour;
  ASSERT_EQ(tick().size(), 1u);
  // As if the process died after storing the job but before storing the due time as handled.
  auto stored = schedules();
  auto it = std::find_if(stored.begin(), stored.end(), [](const auto& s) { return s.name == "nightly"; });
  ASSERT_NE(it, stored.end());
  auto before = *it;
  before.last_due_at = k_new_year + k_hour;
  storage::write_batch batch;
  batch.schedules.push_back(before);
  self()->request(engine_.writer, k_wait, actors::write_atom::value, batch)
      .receive([](caf::ok_atom) {}, [](caf::error& e) { FAIL() << caf::to_string(e); });
  restart();
  tick();
  EXPECT_EQ(jobs_of("noop").size(), 1u);
}

TEST_F(scheduler_test, a_bad_schedule_is_refused_naming_the_field) {
  start();
  auto s = nightly();
  s.cron = "0 24 * * *";
  auto bad_cron = put(s);
  ASSERT_FALSE(bad_cron);
  EXPECT_THAT(actors::message_of(bad_cron.error()), HasSubstr("cron: hour: 24 is out of range 0-23"));
  s = nightly();
  s.type = "no-such-type";
  EXPECT_THAT(actors::message_of(put(s).error()), HasSubstr("type: unknown job type 'no-such-type'"));
  s = nightly();
  s.params = R"({"items": -1})";
  EXPECT_THAT(actors::message_of(put(s).error()), HasSubstr("params: "));
  for (const auto& stored : schedules())
    EXPECT_NE(stored.name, "nightly") << "nothing refused is stored";
}

TEST_F(scheduler_test, the_default_cleanup_deletes_expired_jobs_and_their_items_only) {
  start();
  auto all = schedules();
  auto cleanup = std::find_if(all.begin(), all.end(), [](const auto& s) { return s.name == "expired-job-cleanup"; });
  ASSERT_NE(cleanup, all.end());
  EXPECT_EQ(cleanup->cron, "15 * * * *");
  auto old_job = await_end(submit(sleep_spec(3, 0)).id);
  auto recent = await_end(submit(sleep_spec(2, 0)).id);
  ASSERT_EQ(old_job.status, job_status::completed);
  old_job.expires_at = actors::now_ms() - 1;  // its retention is over
  storage::write_batch batch;
  batch.updated_jobs.push_back(old_job);
  self()->request(engine_.writer, k_wait, actors::write_atom::value, batch)
      .receive([](caf::ok_atom) {}, [](caf::error& e) { FAIL() << caf::to_string(e); });
  actors::job_spec spec;
  spec.type = "expired-job-cleanup";
  spec.user_id = "tester";
  auto run = await_end(submit(spec).id);
  EXPECT_EQ(run.status, job_status::completed) << run.error_message;
  auto gone = ask_job(caf::get_atom::value, old_job.id);
  ASSERT_FALSE(gone);
  EXPECT_EQ(actors::code_of(gone.error()), actors::errc::not_found);
  storage::item_filter items;
  items.job_id = old_job.id;
  self()->request(engine_.supervisor, k_wait, actors::items_atom::value, items)
      .receive([](std::vector<storage::item_record>& left) { EXPECT_TRUE(left.empty()); },
               [](caf::error& e) { FAIL() << caf::to_string(e); });
  EXPECT_TRUE(ask_job(caf::get_atom::value, recent.id)) << "a job not yet expired stays";
  storage::item_filter results;
  results.job_id = run.id;
  self()->request(engine_.supervisor, k_wait, actors::items_atom::value, results)
      .receive(
          [](std::vector<storage::item_record>& done) {
            ASSERT_EQ(done.size(), 1u);
            EXPECT_EQ(done[0].result, R"({"deleted":1})");
          },
          [](caf::error& e) { FAIL() << caf::to_string(e); });
}
