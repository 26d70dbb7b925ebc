// The jobs API beyond one submission, over HTTP: many jobs in one NDJSON request, job groups,
// dependencies, queue statistics and schedules, as API.md describes them.
#include "actors/engine.hpp"
#include "actors/job_json.hpp"
#include "running_node.hpp"

#include <gmock/gmock.h>

#include <set>
#include <thread>

using namespace jobmesh;
using namespace jobmesh::testing;
using ::testing::HasSubstr;

namespace {

class jobs_api_test : public running_node {};

}  // namespace

TEST_F(jobs_api_test, ndjson_submits_many_jobs_in_one_request_and_names_the_bad_lines) {
  auto port = start();
  std::string body = R"({"type":"noop","params":{"items":2}})"
                     "\n\n"
                     R"({"type":"nope"})"
                     "\n"
                     R"({"type":"sleep","params":{"items":1,"ms_per_item":1},"idempotency_key":"k1"})"
                     "\n"
                     R"({"type":"noop","params":{"items":-1}})"
                     "\n"
                     R"({not json)"
                     "\n";
  auto reply = http_call(port, http::verb::post, "/api/v1/jobs", body, "application/x-ndjson");
  ASSERT_EQ(reply.status, 202u) << reply.body;
  auto json = reply.json().as_object();
  auto jobs = json.at("jobs").as_array();
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].at("line").as_int64(), 1);
  EXPECT_EQ(text(jobs[0].at("type")), "noop");
  EXPECT_EQ(jobs[1].at("line").as_int64(), 4);
  EXPECT_TRUE(jobs[1].at("created").as_bool());
  auto rejected = json.at("rejected").as_array();
  ASSERT_EQ(rejected.size(), 3u);
  EXPECT_EQ(rejected[0].at("line").as_int64(), 3);
  EXPECT_EQ(text(rejected[0].at("field")), "type");
  EXPECT_EQ(rejected[1].at("line").as_int64(), 5);
  EXPECT_EQ(text(rejected[1].at("field")), "params.items");
  EXPECT_EQ(rejected[2].at("line").as_int64(), 6);
  for (const auto& j : jobs)
    EXPECT_EQ(text(await_end(port, text(j.at("id"))).at("status")), "completed");
  // Every line already stored (same key): 200, the same job, nothing new.
  auto again = http_call(port, http::verb::post, "/api/v1/jobs",
                         R"({"type":"sleep","params":{"items":1,"ms_per_item":1},"idempotency_key":"k1"})",
                         "application/x-ndjson");
  ASSERT_EQ(again.status, 200u) << again.body;
  EXPECT_EQ(again.json().at("jobs").at(0).at("id"), jobs[1].at("id"));
  EXPECT_FALSE(again.json().at("jobs").at(0).at("created").as_bool());
  auto none_taken = http_call(port, http::verb::post, "/api/v1/jobs", "{\"type\":\"nope\"}\n", "application/x-ndjson");
  ASSERT_EQ(none_taken.status, 400u);
  EXPECT_EQ(none_taken.json().at("error").at("code"), "invalid_request") << "a 400 carries API.md's error too";
  EXPECT_EQ(none_taken.json().at("rejected").at(0).at("field"), "type");
  EXPECT_EQ(none_taken.json().at("error").at("details").at("field"), "type") << "the first rejected line is named";
  EXPECT_EQ(none_taken.json().at("error").at("details").at("line"), 1);
  auto empty = http_call(port, http::verb::post, "/api/v1/jobs", "\n\n", "application/x-ndjson");
  EXPECT_EQ(empty.status, 400u);
}

TEST_F(jobs_api_test, a_dependency_chain_and_a_group_enqueue_over_http) {
  auto port = start();
  auto first = submit(port, R"({"type":"sleep","params":{"items":2,"ms_per_item":5}})");
  auto second = submit(port, R"({"type":"noop","params":{"items":1},"depends_on":[")" + first + R"("]})");
  auto ended = await_end(port, second);
  EXPECT_EQ(text(ended.at("status")), "completed");
  EXPECT_EQ(text(ended.at("depends_on").at(0)), first);
  auto bad = http_call(port, http::verb::post, "/api/v1/jobs", R"({"type":"noop","depends_on":["x"]})");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(text(bad.json().at("error").at("details").at("field")), "depends_on");
  // The matching group: compatibility depends on match-scores (same group), both made; a type
  // whose params are required gets them by name.
  auto needs_params = http_call(port, http::verb::post, "/api/v1/job-groups/matching/enqueue", "{}");
  EXPECT_EQ(needs_params.status, 400u);
  EXPECT_THAT(text(needs_params.json().at("error").at("message")), HasSubstr("params.compatibility"));
  auto group = http_call(port, http::verb::post, "/api/v1/job-groups/matching/enqueue",
                         R"({"params":{"compatibility":{"candidate_id":"c1"}}})");
  ASSERT_EQ(group.status, 202u) << group.body;
  auto jobs = group.json().at("jobs").as_array();
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(text(jobs[0].at("type")), "match-scores");
  EXPECT_EQ(text(jobs[1].at("type")), "compatibility");
  EXPECT_EQ(jobs[1].at("depends_on").at(0), jobs[0].at("id"));
  auto unknown = http_call(port, http::verb::post, "/api/v1/job-groups/nothing/enqueue", "{}");
  EXPECT_EQ(unknown.status, 404u);
}

TEST_F(jobs_api_test, queue_statistics_list_every_type) {
  auto port = start();
  auto id = submit(port, R"({"type":"noop","params":{"items":3}})");
  EXPECT_EQ(text(await_end(port, id).at("status")), "completed");
  auto reply = http_call(port, http::verb::get, "/api/v1/queue/statistics");
  ASSERT_EQ(reply.status, 200u);
  auto noop = reply.json().at("types").at("noop").as_object();
  EXPECT_EQ(noop.at("completed_today").as_int64(), 1);
  EXPECT_EQ(noop.at("failed_today").as_int64(), 0);
  EXPECT_EQ(noop.at("queue_depth").as_int64(), 0);
  EXPECT_EQ(noop.at("processing_count").as_int64(), 0);
  EXPECT_TRUE(noop.contains("average_processing_time_ms"));
  EXPECT_TRUE(noop.contains("peak_queue_depth"));
  EXPECT_TRUE(reply.json().at("types").as_object().contains("match-scores"));
}

// A paused queue takes submissions and starts none of them (a quick job is otherwise started
// while its submission is handled, so the statistics asked after the reply see it running or
// ended); resumed, they run. Pausing twice is no error; the state shows in the statistics.
TEST_F(jobs_api_test, a_paused_queue_holds_its_jobs_until_resumed) {
  auto port = start();
  auto paused = http_call(port, http::verb::post, "/api/v1/queue/pause");
  ASSERT_EQ(paused.status, 200u) << paused.body;
  EXPECT_TRUE(paused.json().at("paused").as_bool());
  EXPECT_TRUE(http_call(port, http::verb::post, "/api/v1/queue/pause").json().at("paused").as_bool());
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i)
    ids.push_back(submit(port, R"({"type":"noop","params":{"items":2}})"));
  auto stats = http_call(port, http::verb::get, "/api/v1/queue/statistics").json();
  EXPECT_TRUE(stats.at("paused").as_bool());
  EXPECT_EQ(stats.at("types").at("noop").at("queue_depth").as_int64(), 3);
  EXPECT_EQ(stats.at("types").at("noop").at("processing_count").as_int64(), 0);
  for (const auto& id : ids)
    EXPECT_EQ(text(http_call(port, http::verb::get, "/api/v1/jobs/" + id).json().at("status")), "queued");
  auto resumed = http_call(port, http::verb::post, "/api/v1/queue/resume");
  ASSERT_EQ(resumed.status, 200u) << resumed.body;
  EXPECT_FALSE(resumed.json().at("paused").as_bool());
  for (const auto& id : ids)
    EXPECT_EQ(text(await_end(port, id).at("status")), "completed");
  EXPECT_FALSE(http_call(port, http::verb::get, "/api/v1/queue/statistics").json().at("paused").as_bool());
}

// The error's `details.field` and `message` of a 400 reply.
std::pair<std::string, std::string> field_and_message(const http_reply& reply) {
  EXPECT_EQ(reply.status, 400u) << reply.body;
  auto json = reply.json();
  const auto& error = json.at("error").as_object();
  const auto* details = error.at("details").as_object().if_contains("field");
  return {details ? text(*details) : std::string{}, text(error.at("message"))};
}

// API.md: a request that breaks a rule gets 400 with the offending field named, also when the
// rule is the engine's (a type it does not know, a param its type refuses, a profile).
TEST_F(jobs_api_test, a_refused_request_names_its_field_also_when_the_engine_refused_it) {
  auto port = start();
  auto type = field_and_message(http_call(port, http::verb::post, "/api/v1/jobs", R"({"type":"nope"})"));
  EXPECT_EQ(type.first, "type");
  EXPECT_THAT(type.second, HasSubstr("unknown job type 'nope'"));
  auto items = field_and_message(http_call(port, http::verb::post, "/api/v1/jobs", R"({"type":"noop","params":{"items":-1}})"));
  EXPECT_EQ(items.first, "params.items");
  EXPECT_THAT(items.second, HasSubstr("got -1"));
  auto profile = field_and_message(
      http_call(port, http::verb::post, "/api/v1/jobs", R"({"type":"match-scores","params":{"profile":"nope"}})"));
  EXPECT_EQ(profile.first, "params.profile");
  auto group = field_and_message(
      http_call(port, http::verb::post, "/api/v1/job-groups/matching/enqueue", R"({"params":{"noop":{}}})"));
  EXPECT_EQ(group.first, "params.noop");
  auto query = field_and_message(http_call(port, http::verb::get, "/api/v1/candidates/c1/matches?profile=nearest"));
  EXPECT_EQ(query.first, "profile");
  EXPECT_THAT(query.second, HasSubstr("unknown profile 'nearest'"));
}

TEST_F(jobs_api_test, schedules_are_stored_listed_and_checked_field_by_field) {
  auto port = start();
  auto put = http_call(port, http::verb::put, "/api/v1/schedules/nightly-noop",
                       R"({"cron":"0 3 * * *","type":"noop","params":{"items":1}})");
  ASSERT_EQ(put.status, 200u) << put.body;
  auto stored = put.json();
  EXPECT_EQ(text(stored.at("cron")), "0 3 * * *");
  EXPECT_THAT(text(stored.at("next_due_at")), HasSubstr("T03:00:00"));
  auto [cron_field, cron_message] =
      field_and_message(http_call(port, http::verb::put, "/api/v1/schedules/x", R"({"cron":"61 * * * *","type":"noop"})"));
  EXPECT_EQ(cron_field, "cron");
  EXPECT_THAT(cron_message, HasSubstr("minute"));
  auto type_error =
      field_and_message(http_call(port, http::verb::put, "/api/v1/schedules/x", R"({"cron":"* * * * *","type":"nope"})"));
  EXPECT_EQ(type_error.first, "type");
  auto unknown_field = field_and_message(http_call(port, http::verb::put, "/api/v1/schedules/x",
                                                   R"({"cron":"* * * * *","type":"noop","every":"day"})"));
  EXPECT_EQ(unknown_field.first, "every");
  stop();
  port = start();  // stored: still there after a restart
  auto listed = http_call(port, http::verb::get, "/api/v1/schedules");
  ASSERT_EQ(listed.status, 200u);
  auto all = listed.json();
  std::set<std::string> names;
  for (const auto& s : all.at("schedules").as_array())
    names.insert(text(s.at("name")));
  EXPECT_EQ(names, (std::set<std::string>{"expired-job-cleanup", "nightly-noop"}));
}

// GET of a finished job is answered from the engine's memory, with no read of storage
// (actors/finished_jobs.hpp): it answers what storage holds, and a retry shows in the very next
// GET, never the end before it.
TEST_F(jobs_api_test, a_finished_job_is_read_from_memory_as_stored_and_a_retry_shows_at_once) {
  start();
  auto ended = run_job(R"({"type":"flaky","params":{"items":3,"fail_probability":1},"max_attempts":1})");
  ASSERT_EQ(text(ended.at("status")), "failed");
  auto id = text(ended.at("id"));
  ASSERT_NE(node_->engine().finished->find(id, actors::now_ms()), nullptr) << "its end is held";
  auto from_memory = call(http::verb::get, "/api/v1/jobs/" + id);
  ASSERT_EQ(from_memory.status, 200u);

  stop();
  start();  // the same database, nothing held yet: storage answers
  ASSERT_EQ(node_->engine().finished->find(id, actors::now_ms()), nullptr);
  auto from_storage = call(http::verb::get, "/api/v1/jobs/" + id);
  ASSERT_EQ(from_storage.status, 200u);
  EXPECT_EQ(from_memory.body, from_storage.body);

  // Round 0 retries the job as storage had it, the later rounds as memory holds its new end.
  for (int round = 0; round < 3; ++round) {
    auto before = call(http::verb::get, "/api/v1/jobs/" + id).json().as_object();
    ASSERT_EQ(text(before.at("status")), "failed");
    auto attempt = before.at("attempt").as_int64();
    ASSERT_EQ(before.at("failed_items").as_int64(), 3);
    auto retried = call(http::verb::post, "/api/v1/jobs/" + id + "/retry");
    ASSERT_EQ(retried.status, 202u) << retried.body;
    auto now = call(http::verb::get, "/api/v1/jobs/" + id).json().as_object();
    EXPECT_FALSE(text(now.at("status")) == "failed" && now.at("attempt").as_int64() == attempt)
        << "round " << round << ": the GET after the retry answered the end before it: " << now;
    auto again = await_end(port_, id);
    EXPECT_EQ(text(again.at("status")), "failed");
    EXPECT_EQ(again.at("attempt").as_int64(), attempt + 1);
  }
}

// A retried job's failed items run again, its done ones are kept: the reply counts them as its
// runner will when it starts (the failed attempt's failures are gone, its successes stay).
TEST_F(jobs_api_test, a_retry_counts_the_failed_items_as_not_yet_run) {
  start();
  auto ended = run_job(R"({"type":"flaky","params":{"items":10,"fail_probability":0.5,"seed":7},"max_attempts":1})");
  ASSERT_EQ(text(ended.at("status")), "failed");
  auto done = ended.at("processed_items").as_int64();
  ASSERT_GT(done, 0) << "seed 7 makes some items pass: " << ended;
  ASSERT_GT(ended.at("failed_items").as_int64(), 0) << ended;
  auto retried = call(http::verb::post, "/api/v1/jobs/" + text(ended.at("id")) + "/retry");
  ASSERT_EQ(retried.status, 202u) << retried.body;
  auto queued = retried.json().as_object();
  EXPECT_EQ(text(queued.at("status")), "queued");
  EXPECT_EQ(queued.at("failed_items").as_int64(), 0) << queued;
  EXPECT_EQ(queued.at("processed_items").as_int64(), done) << queued;
  EXPECT_DOUBLE_EQ(queued.at("progress_percentage").to_number<double>(), 10.0 * static_cast<double>(done)) << queued;
  await_end(port_, text(ended.at("id")));
}

// Single submissions from many connections at once go to the supervisor together (the submit
// lane): each request still gets its own answer. Every thread submits its own jobs plus one
// shared key; one request in each thread is bad. The shared key made one job, answered 202
// once and 200 to everyone else, and every other job is its own.
TEST_F(jobs_api_test, concurrent_single_submits_each_get_their_own_answer) {
  auto port = start();
  constexpr int k_threads = 8, k_each = 12;
  struct seen {
    std::vector<std::string> own;
    std::string shared;
    unsigned shared_status = 0;
    unsigned bad_status = 0;
    std::string bad_body;
    std::vector<std::string> unexpected;  ///< replies of keyed submits that were not 202
  };
  std::vector<seen> got(k_threads);
  {
    std::vector<std::jthread> clients;
    for (int t = 0; t < k_threads; ++t)
      clients.emplace_back([&, t] {
        for (int i = 0; i < k_each; ++i) {
          auto reply = http_call(port, http::verb::post, "/api/v1/jobs",
                                 R"({"type":"noop","params":{"items":1},"idempotency_key":"t)" + std::to_string(t) +
                                     "-" + std::to_string(i) + R"("})");
          if (reply.status == 202u)
            got[t].own.push_back(text(reply.json().at("id")));
          else
            got[t].unexpected.push_back(std::to_string(reply.status) + " " + reply.body);
        }
        auto shared = http_call(port, http::verb::post, "/api/v1/jobs",
                                R"({"type":"noop","params":{"items":1},"idempotency_key":"shared"})");
        got[t].shared_status = shared.status;
        if (shared.status == 200u || shared.status == 202u)
          got[t].shared = text(shared.json().at("id"));
        auto bad = http_call(port, http::verb::post, "/api/v1/jobs", R"({"type":"noop","params":{"items":-1}})");
        got[t].bad_status = bad.status;
        got[t].bad_body = bad.body;
      });
  }
  std::set<std::string> own;
  int shared_created = 0;
  for (const auto& g : got) {
    EXPECT_EQ(g.own.size(), static_cast<std::size_t>(k_each));
    EXPECT_THAT(g.unexpected, ::testing::IsEmpty());
    own.insert(g.own.begin(), g.own.end());
    EXPECT_EQ(g.shared, got[0].shared);
    EXPECT_TRUE(g.shared_status == 200u || g.shared_status == 202u) << g.shared_status;
    shared_created += g.shared_status == 202u ? 1 : 0;
    EXPECT_EQ(g.bad_status, 400u);
    EXPECT_THAT(g.bad_body, HasSubstr("items")) << "the refusal names what was wrong";
  }
  EXPECT_EQ(own.size(), static_cast<std::size_t>(k_threads * k_each)) << "every keyed submit made its own job";
  EXPECT_EQ(shared_created, 1);
  EXPECT_FALSE(own.contains(got[0].shared));
  EXPECT_EQ(text(await_end(port, got[0].shared).at("status")), "completed");
}
