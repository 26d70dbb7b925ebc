// API.md's activity over HTTP on a real node (issue 10): events stored and bad ones named by
// line, engagement and its game read back, and a candidate climbing a posting's `proximity`
// ranking once their activity is acknowledged, the same after a restart.
#include "running_node.hpp"
#include "storage/activity_repository.hpp"
#include "storage/database.hpp"

#include <boost/json/parse.hpp>
#include <gmock/gmock.h>
#include <soci/soci.h>

#include <cmath>

using namespace jobmesh;
using namespace jobmesh::testing;

namespace {


// Three postings and three candidates in the same place and trade, so under `proximity` only
// the standing factors (activity, rating, track_record) tell the candidates apart.
constexpr auto k_berlin_postings =
    R"({"id":"p1","company":"Acme","title":"Backend Engineer","industry":"software","subcategory":"backend","country":"DE","city":"Berlin"}
{"id":"p2","company":"Beta","title":"Go Developer","industry":"software","subcategory":"backend","country":"DE","city":"Berlin"}
{"id":"p3","company":"Gamma","title":"SRE","industry":"software","subcategory":"backend","country":"DE","city":"Berlin"}
)";
// c_new states an engagement of 0.99: with activity tracking on, the engine ignores it.
constexpr auto k_berlin_candidates =
    R"({"id":"c_rated","industry":"software","subcategory":"backend","country":"DE","city":"Berlin","rating":4.0,"review_count":5,"completed_jobs":4}
{"id":"c_busy","industry":"software","subcategory":"backend","country":"DE","city":"Berlin","rating":4.5,"review_count":2,"completed_jobs":10}
{"id":"c_new","industry":"software","subcategory":"backend","country":"DE","city":"Berlin","engagement":0.99}
)";

class activity_api_test : public running_node {
protected:
  void SetUp() override {
    running_node::SetUp();
    settings_.matching.shards = 2;
    start();
    ingest("postings", k_berlin_postings);
    ingest("candidates", k_berlin_candidates);
  }

  /// p1's candidates under `proximity`, best first, with each one's `activity` factor.
  std::vector<std::pair<std::string, double>> ranking() {
    auto reply = call(http::verb::get, "/api/v1/postings/p1/matches?profile=proximity&top_k=10");
    EXPECT_EQ(reply.status, 200u) << reply.body;
    std::vector<std::pair<std::string, double>> out;
    auto body = reply.json();
    for (const auto& r : body.at("results").as_array())
      out.emplace_back(std::string{r.at("id").as_string()}, r.at("factors").at("activity").to_number<double>());
    return out;
  }

  static std::vector<std::string> ids(const std::vector<std::pair<std::string, double>>& ranked) {
    std::vector<std::string> out;
    for (const auto& [id, activity] : ranked)
      out.push_back(id);
    return out;
  }
};

// c_new applies ten times, logs in, and has three postings' work reviewed at five stars.
constexpr auto k_new_candidate_activity =
    R"({"candidate_id":"c_new","kind":"login"}
{"candidate_id":"c_new","kind":"apply","posting_id":"p1"}
{"candidate_id":"c_new","kind":"apply","posting_id":"p2"}
{"candidate_id":"c_new","kind":"apply","posting_id":"p3"}
{"candidate_id":"c_new","kind":"apply","posting_id":"p1"}
{"candidate_id":"c_new","kind":"apply","posting_id":"p2"}
{"candidate_id":"c_new","kind":"apply","posting_id":"p3"}
{"candidate_id":"c_new","kind":"apply","posting_id":"p1"}
{"candidate_id":"c_new","kind":"apply","posting_id":"p2"}
{"candidate_id":"c_new","kind":"apply","posting_id":"p3"}
{"candidate_id":"c_new","kind":"apply","posting_id":"p1"}
{"candidate_id":"c_new","kind":"review","posting_id":"p1","value":5}
{"candidate_id":"c_new","kind":"review","posting_id":"p2","value":5}
{"candidate_id":"c_new","kind":"review","posting_id":"p3","value":5}
)";

}  // namespace

TEST_F(activity_api_test, events_are_stored_and_bad_lines_named) {
  auto reply = call(http::verb::post, "/api/v1/activity",
                    "{\"candidate_id\":\"c_new\",\"kind\":\"login\",\"at\":\"2026-01-05T08:00:00Z\"}\n"
                    "{\"candidate_id\":\"c_new\",\"kind\":\"apply\"}\n"
                    "{\"candidate_id\":\"c_new\",\"kind\":\"apply\",\"posting_id\":\"p2\",\"at\":\"2026-01-05T09:00:00Z\"}\n"
                    "{\"candidate_id\":\"nobody\",\"kind\":\"login\"}\n"
                    "{\"candidate_id\":\"c_new\",\"kind\":\"view\",\"posting_id\":\"p404\"}\n"
                    "{\"candidate_id\":\"c_new\",\"kind\":\"session_end\",\"value\":900,\"at\":\"2026-01-05T10:00:00Z\"}\n",
                    k_ndjson);
  ASSERT_EQ(reply.status, 200u) << reply.body;
  EXPECT_EQ(reply.json().at("accepted").as_int64(), 3);
  auto rejected = reply.json().at("rejected").as_array();
  ASSERT_EQ(rejected.size(), 3u) << reply.body;
  EXPECT_EQ(rejected[0].at("line").as_int64(), 2);
  EXPECT_EQ(rejected[0].at("field").as_string(), "posting_id");
  EXPECT_EQ(rejected[1].at("line").as_int64(), 4);
  EXPECT_EQ(rejected[1].at("field").as_string(), "candidate_id");
  EXPECT_EQ(rejected[1].at("message").as_string(), "no candidate nobody");
  EXPECT_EQ(rejected[2].at("line").as_int64(), 5);
  EXPECT_EQ(rejected[2].at("message").as_string(), "no posting p404");
  auto none = call(http::verb::post, "/api/v1/activity", R"({"candidate_id":"c_new","kind":"wave"})");
  ASSERT_EQ(none.status, 400u);
  EXPECT_EQ(none.json().at("error").at("details").at("field"), "kind");
  auto unknown = call(http::verb::post, "/api/v1/activity", R"({"candidate_id":"ghost","kind":"login"})");
  ASSERT_EQ(unknown.status, 400u) << unknown.body;
  EXPECT_EQ(unknown.json().at("error").at("details").at("field"), "candidate_id");
  auto db = storage::open(settings_.storage.db);
  auto stored = storage::activity_of(*db, "c_new", 10);
  ASSERT_EQ(stored.size(), 3u);
  EXPECT_EQ(stored[0].kind, "login");
  EXPECT_EQ(stored[1].posting_id, "p2");
  EXPECT_EQ(stored[2].value, 900);
  EXPECT_EQ(stored[2].at - stored[0].at, 2 * 3'600'000);
  EXPECT_TRUE(storage::activity_of(*db, "ghost", 10).empty());
}

TEST_F(activity_api_test, a_candidate_climbs_a_postings_proximity_ranking_after_activity) {
  // Before: standing from the records alone. c_rated: rating 0.8 * .15 + track 0.2 * .10 = .14;
  // c_busy: 0.9 * .15 + 0.5 * .10 = .185; c_new: no reviews (0.5 * .15) = .075, and its own
  // engagement of 0.99 is ignored.
  auto before = ranking();
  EXPECT_THAT(ids(before), ::testing::ElementsAre("c_busy", "c_rated", "c_new"));
  EXPECT_EQ(before[2].second, 0.0) << "the record's engagement does not count";

  auto posted = call(http::verb::post, "/api/v1/activity", k_new_candidate_activity, k_ndjson);
  ASSERT_EQ(posted.status, 200u) << posted.body;
  ASSERT_EQ(posted.json().at("accepted").as_int64(), 14);

  // After, with no wait: engagement 1 - e^-3.1 (ten applies at 3, a login at 1; saturation 10)
  // = .955 * .15; rating 5/5 * .15; three postings' work done: 3/20 * .10. c_new is first.
  auto after = ranking();
  EXPECT_THAT(ids(after), ::testing::ElementsAre("c_new", "c_busy", "c_rated"));
  EXPECT_NEAR(after[0].second, 1 - std::exp(-3.1), 1e-6);

  auto report = call(http::verb::get, "/api/v1/candidates/c_new/engagement");
  ASSERT_EQ(report.status, 200u) << report.body;
  auto r = report.json();
  EXPECT_NEAR(r.at("engagement").to_number<double>(), 1 - std::exp(-3.1), 1e-6);
  EXPECT_EQ(r.at("points").as_int64(), 1 + 10 * 10 + 3 * 10);  // login 1, apply 10, review 2 per star
  EXPECT_EQ(r.at("level").as_int64(), 2);
  EXPECT_EQ(r.at("next_level_at").as_int64(), 150);
  EXPECT_EQ(r.at("badges"), boost::json::parse(R"(["first_application"])"));
  EXPECT_EQ(r.at("counts").at("applications").as_int64(), 10);
  EXPECT_EQ(r.at("counts").at("reviews").as_int64(), 3);
  EXPECT_EQ(r.at("counts").at("events").as_int64(), 14);
  EXPECT_EQ(r.at("rating").to_number<double>(), 5.0);
  EXPECT_EQ(r.at("review_count").as_int64(), 3);
  EXPECT_EQ(r.at("completed_jobs").as_int64(), 3);
  EXPECT_EQ(call(http::verb::get, "/api/v1/candidates/ghost/engagement").status, 404u);

  // A review joins the record's own: c_rated had 4.0 over 5; a 1-star review makes 21/6 = 3.5.
  ASSERT_EQ(call(http::verb::post, "/api/v1/activity",
                 R"({"candidate_id":"c_rated","kind":"review","posting_id":"p2","value":1})")
                .status,
            200u);
  auto rated = call(http::verb::get, "/api/v1/candidates/c_rated/engagement").json();
  EXPECT_DOUBLE_EQ(rated.at("rating").to_number<double>(), 3.5);
  EXPECT_EQ(rated.at("review_count").as_int64(), 6);
  EXPECT_EQ(rated.at("completed_jobs").as_int64(), 5);

  // A restart reads the stored activity back: the same ranking and the same standing.
  stop();
  start();
  auto restarted = ranking();
  EXPECT_THAT(ids(restarted), ::testing::ElementsAre("c_new", "c_busy", "c_rated"));
  EXPECT_NEAR(restarted[0].second, after[0].second, 1e-6);
  auto again = call(http::verb::get, "/api/v1/candidates/c_rated/engagement").json();
  EXPECT_DOUBLE_EQ(again.at("rating").to_number<double>(), 3.5);
}

TEST_F(activity_api_test, with_tracking_off_the_records_standing_counts_as_given) {
  stop();
  settings_.activity.tracking = "off";
  start();
  auto ranked = ranking();
  ASSERT_EQ(ranked.size(), 3u);
  EXPECT_EQ(ranked.front().first, "c_new") << "its stated engagement of 0.99 counts";
  EXPECT_NEAR(ranked.front().second, 0.99, 1e-9);
  ASSERT_EQ(call(http::verb::post, "/api/v1/activity", k_new_candidate_activity, k_ndjson).status, 200u);
  EXPECT_NEAR(ranking().front().second, 0.99, 1e-9) << "activity is stored but changes no standing";
}

// A restart answers no query before the stored activity is in the shards: with a table of
// events that takes the tracker a while to read (and only a handful of records to load), the
// first query after the start already ranks with it.
TEST_F(activity_api_test, the_first_query_after_a_restart_ranks_with_the_stored_activity) {
  stop();
  {
    auto db = storage::open(settings_.storage.db);
    std::vector<storage::activity_row> rows;
    constexpr int k_events = 200'000;
    rows.reserve(k_events);
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    for (int i = 0; i < k_events; ++i)
      rows.push_back({"c_new", "view", "p" + std::to_string(1 + i % 3), now - 1'000, 0, now, 0});
    soci::transaction tx{*db};
    storage::insert_activity(*db, rows);
    tx.commit();
  }
  start();
  auto first = ranking();
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[0].first, "c_new");
  EXPECT_GT(first[0].second, 0.99) << "200,000 views, engagement 1 - e^-10000";
}
