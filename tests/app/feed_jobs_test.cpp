// The feed group's job types on a real node, over HTTP (issue 10), on a small fixed
// marketplace whose activity is worked out by hand: trending postings, each candidate's
// affinity, and feeds ranked by match score, affinity and trending.
#include "running_node.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gmock/gmock.h>

#include <algorithm>
#include <map>

using namespace jobmesh;
using namespace jobmesh::testing;

namespace {


constexpr auto k_feed_postings =
    R"({"id":"p1","company":"Acme","title":"Data Engineer","category":"Data","required_skills":["sql","python"]}
{"id":"p2","company":"Acme","title":"Analyst","category":"Data","required_skills":["sql"]}
{"id":"p3","company":"Beta","title":"Designer","category":"Design","required_skills":["figma"]}
{"id":"p4","company":"Gamma","title":"ML Engineer","category":"Data","required_skills":["python"]}
)";
constexpr auto k_feed_candidates =
    R"({"id":"c1","preferred_categories":["Data","Design"],"skills":["sql","python","figma"]}
{"id":"c2","preferred_categories":["Data"],"skills":["python"]}
{"id":"c3","preferred_categories":["Data"],"skills":["sql"]}
)";
// c1 looks at p3 twice and applies (Design, Beta: 1 + 1 + 3); c2 views p1 once and p4 twice
// and applies to p4 (Data: 1 + 2 + 3; Acme 1, Gamma 5). c3 does nothing.
constexpr auto k_feed_activity =
    R"({"candidate_id":"c1","kind":"view","posting_id":"p3"}
{"candidate_id":"c1","kind":"view","posting_id":"p3"}
{"candidate_id":"c1","kind":"apply","posting_id":"p3"}
{"candidate_id":"c2","kind":"view","posting_id":"p1"}
{"candidate_id":"c2","kind":"view","posting_id":"p4"}
{"candidate_id":"c2","kind":"view","posting_id":"p4"}
{"candidate_id":"c2","kind":"apply","posting_id":"p4"}
{"candidate_id":"c2","kind":"login"}
)";

class feed_jobs_test : public running_node {
protected:
  void SetUp() override {
    running_node::SetUp();
    start_marketplace(k_feed_postings, k_feed_candidates, k_feed_activity);
  }

  /// Item results of a finished job, by item key.
  std::map<std::string, boost::json::object> results_by_key(const boost::json::object& job) {
    auto results = results_of(job);
    return {results.begin(), results.end()};
  }
};

}  // namespace

TEST_F(feed_jobs_test, trending_counts_views_and_applications_in_the_window) {
  auto job = run_job(R"({"type":"trending-postings","params":{"window_hours":24}})");
  ASSERT_EQ(text(job.at("status")), "completed") << boost::json::serialize(job);
  EXPECT_EQ(job.at("total_items").as_int64(), 3) << "p2 had no activity";
  auto by_key = results_by_key(job);
  ASSERT_EQ(by_key.size(), 3u);
  EXPECT_EQ(by_key.at("p3").at("views").as_int64(), 2);
  EXPECT_EQ(by_key.at("p3").at("applications").as_int64(), 1);
  EXPECT_EQ(by_key.at("p3").at("score").to_number<double>(), 5.0);  // 2 + 3 * 1
  EXPECT_EQ(by_key.at("p4").at("score").to_number<double>(), 5.0);
  EXPECT_EQ(by_key.at("p1").at("score").to_number<double>(), 1.0);
  // Activity older than the window does not count.
  ASSERT_EQ(call(http::verb::post, "/api/v1/activity",
                 R"({"candidate_id":"c3","kind":"apply","posting_id":"p2","at":"2020-01-01T00:00:00Z"})")
                .status,
            200u);
  auto again = run_job(R"({"type":"trending-postings","params":{"window_hours":24}})");
  EXPECT_EQ(again.at("total_items").as_int64(), 3);
}

TEST_F(feed_jobs_test, affinity_is_each_candidates_share_per_category_and_company) {
  auto job = run_job(R"({"type":"affinity"})");
  ASSERT_EQ(text(job.at("status")), "completed") << boost::json::serialize(job);
  EXPECT_EQ(job.at("total_items").as_int64(), 2) << "c3 viewed and applied to nothing";
  auto by_key = results_by_key(job);
  EXPECT_EQ(by_key.at("c1").at("categories"), boost::json::parse(R"({"design":1.0})"));
  EXPECT_EQ(by_key.at("c1").at("companies"), boost::json::parse(R"({"beta":1.0})"));
  EXPECT_EQ(by_key.at("c2").at("categories"), boost::json::parse(R"({"data":1.0})"));
  // Gamma 5 of 6, Acme 1 of 6 (written to four places).
  EXPECT_NEAR(by_key.at("c2").at("companies").at("gamma").to_number<double>(), 0.8333, 1e-4);
  EXPECT_NEAR(by_key.at("c2").at("companies").at("acme").to_number<double>(), 0.1667, 1e-4);
}

// The feed group with its dependency on matching: enqueueing it runs match-scores first, then
// the feed is each candidate's matches ranked by 0.6 * score / 100 + 0.25 * affinity + 0.15 *
// trending, checked here against the live matches and the hand-worked affinity and trending.
TEST_F(feed_jobs_test, the_feed_group_runs_after_matching_and_ranks_each_candidates_matches) {
  auto group = call(http::verb::post, "/api/v1/job-groups/feed/enqueue", "{}");
  ASSERT_EQ(group.status, 202u) << group.body;
  auto jobs = group.json().at("jobs").as_array();
  std::vector<std::string> types;
  for (const auto& j : jobs)
    types.push_back(text(j.at("type")));
  EXPECT_THAT(types, ::testing::UnorderedElementsAre("match-scores", "trending-postings", "affinity", "feed-presort"));
  ASSERT_EQ(types.back(), "feed-presort");
  EXPECT_EQ(jobs.back().at("depends_on").as_array().size(), 3u) << "it waits for the other three";
  for (const auto& j : jobs)
    ASSERT_EQ(text(await_end(port_, text(j.at("id"))).at("status")), "completed") << text(j.at("type"));

  // c1: affinity design / beta 1.0; trending p3 = p4 = 5 (best), p1 = 1.
  std::map<std::string, double> affinity{{"p1", 0}, {"p2", 0}, {"p3", 1.0}, {"p4", 0}};
  std::map<std::string, double> trending{{"p1", 0.2}, {"p2", 0}, {"p3", 1.0}, {"p4", 1.0}};
  auto live = call(http::verb::get, "/api/v1/candidates/c1/matches?top_k=10").json();
  std::vector<std::pair<double, std::string>> want;
  for (const auto& m : live.at("results").as_array()) {
    auto id = text(m.at("id"));
    want.emplace_back(0.6 * m.at("score").to_number<double>() / 100 + 0.25 * affinity.at(id) + 0.15 * trending.at(id), id);
  }
  std::sort(want.begin(), want.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  auto feed = call(http::verb::get, "/api/v1/candidates/c1/feed");
  ASSERT_EQ(feed.status, 200u) << feed.body;
  auto postings = feed.json().at("postings").as_array();
  ASSERT_EQ(postings.size(), want.size()) << feed.body;
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(text(postings[i].at("posting_id")), want[i].second) << "rank " << i;
    EXPECT_NEAR(postings[i].at("score").to_number<double>(), want[i].first, 1e-9) << "rank " << i;
  }
  EXPECT_EQ(text(postings[0].at("posting_id")), "p3") << "c1's interest and the trend lift the design posting";
  EXPECT_EQ(text(feed.json().at("profile")), "fit");
  // c3 did nothing: its feed is its matches in match order.
  auto quiet = call(http::verb::get, "/api/v1/candidates/c3/feed");
  ASSERT_EQ(quiet.status, 200u);
  EXPECT_EQ(call(http::verb::get, "/api/v1/candidates/nobody/feed").status, 404u);
}

TEST_F(feed_jobs_test, a_feed_needs_stored_matches_and_says_so) {
  auto job = run_job(R"({"type":"feed-presort","params":{"candidate_ids":["c1"]}})");
  ASSERT_EQ(text(job.at("status")), "completed") << boost::json::serialize(job);
  EXPECT_THAT(text(results_by_key(job).at("c1").at("skipped")), ::testing::HasSubstr("run match-scores"));
  auto feed = call(http::verb::get, "/api/v1/candidates/c1/feed");
  ASSERT_EQ(feed.status, 200u) << "a known candidate without a feed has an empty one";
  EXPECT_TRUE(feed.json().at("postings").as_array().empty());
  EXPECT_TRUE(feed.json().at("computed_at").is_null());
  auto bad = call(http::verb::post, "/api/v1/jobs", R"({"type":"feed-presort","params":{"profile":"nope"}})");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_THAT(text(bad.json().at("error").at("message")), ::testing::HasSubstr("params.profile"));
}
