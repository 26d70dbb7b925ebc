// The maintenance group's stats-reconcile and orphan-cleanup on a real node, over HTTP (issue
// 10), on a small fixed marketplace: drift made by writing events behind the node's back, and
// rows left behind by deleted records.
#include "running_node.hpp"

#include "actors/job_json.hpp"
#include "storage/activity_repository.hpp"
#include "storage/database.hpp"

#include <boost/json/serialize.hpp>
#include <gmock/gmock.h>
#include <soci/soci.h>

#include <map>

using namespace jobmesh;
using namespace jobmesh::testing;

namespace {


constexpr auto k_maintenance_postings =
    R"({"id":"p1","company":"Acme","title":"Data Engineer","category":"Data","required_skills":["sql","python"]}
{"id":"p2","company":"Beta","title":"Designer","category":"Design","required_skills":["figma"]}
)";
constexpr auto k_maintenance_candidates =
    R"({"id":"c1","preferred_categories":["Data"],"skills":["sql","python"],"rating":4,"review_count":1}
{"id":"c2","preferred_categories":["Design"],"skills":["figma","sketch"]}
)";
// c1: a view, an application and a 5-star review for p1 (rating (4 + 5) / 2, one job done).
// c2: a login, a view of p2 and a 2-star review for it.
constexpr auto k_maintenance_activity =
    R"({"candidate_id":"c1","kind":"view","posting_id":"p1"}
{"candidate_id":"c1","kind":"apply","posting_id":"p1"}
{"candidate_id":"c1","kind":"review","posting_id":"p1","value":5}
{"candidate_id":"c2","kind":"login"}
{"candidate_id":"c2","kind":"view","posting_id":"p2"}
{"candidate_id":"c2","kind":"review","posting_id":"p2","value":2}
)";

class maintenance_jobs_test : public running_node {
protected:
  void SetUp() override {
    running_node::SetUp();
    start_marketplace(k_maintenance_postings, k_maintenance_candidates, k_maintenance_activity);
  }

  /// Item results of a finished, completed job, by item key.
  std::map<std::string, boost::json::object> completed(const std::string& body) {
    auto job = run_job(body);
    EXPECT_EQ(text(job.at("status")), "completed") << boost::json::serialize(job);
    auto results = results_of(job);
    return {results.begin(), results.end()};
  }

  /// The one item result of a stats-reconcile run over every candidate (they fit one batch).
  boost::json::object reconcile(const std::string& params = "{}") {
    auto results = completed(R"({"type":"stats-reconcile","params":)" + params + "}");
    EXPECT_EQ(results.size(), 1u);
    return results.empty() ? boost::json::object{} : results.begin()->second;
  }

  /// `GET /api/v1/candidates/{id}/engagement`, expecting 200.
  boost::json::object engagement(const std::string& id) {
    auto reply = call(http::verb::get, "/api/v1/candidates/" + id + "/engagement");
    EXPECT_EQ(reply.status, 200u) << reply.body;
    return reply.json().as_object();
  }

  /// Events stored straight into the database, as another writer (a restore, a second node)
  /// would: the node's tracker and shards do not hear of them.
  void store_behind_the_nodes_back(const std::vector<storage::activity_row>& rows) {
    auto db = storage::open(settings_.storage.db);
    soci::transaction tx{*db};
    storage::insert_activity(*db, rows);
    tx.commit();
  }
};

}  // namespace

TEST_F(maintenance_jobs_test, stats_reconcile_finds_drift_reports_it_and_repairs_it) {
  auto clean = reconcile();
  EXPECT_EQ(clean.at("checked").as_int64(), 2);
  EXPECT_EQ(clean.at("events").as_int64(), 6);
  EXPECT_EQ(clean.at("drifted").as_int64(), 0) << boost::json::serialize(clean);
  EXPECT_TRUE(clean.at("shards_checked").as_bool());
  auto before = engagement("c1");
  EXPECT_DOUBLE_EQ(before.at("rating").to_number<double>(), 4.5);
  EXPECT_EQ(before.at("review_count").as_int64(), 2);
  EXPECT_EQ(before.at("completed_jobs").as_int64(), 1);

  // A 1-star review of p2 for c1 and an application of c2's, stored behind the node's back.
  auto at = actors::now_ms() - 1000;
  store_behind_the_nodes_back({{"c1", "review", "p2", at, 1, at, 0}, {"c2", "apply", "p2", at, 0, at, 0}});
  EXPECT_EQ(engagement("c1").at("review_count").as_int64(), 2) << "the shards have not heard of it";

  auto reported = reconcile(R"({"repair":false})");
  EXPECT_EQ(reported.at("events").as_int64(), 8);
  EXPECT_EQ(reported.at("drifted").as_int64(), 2) << boost::json::serialize(reported);
  EXPECT_FALSE(reported.at("repaired").as_bool());
  std::map<std::string, std::pair<double, double>> c1_drift;  // where.field -> held, recounted
  for (const auto& d : reported.at("drift").as_array())
    if (text(d.at("candidate_id")) == "c1")
      c1_drift[text(d.at("where")) + "." + text(d.at("field"))] = {d.at("held").to_number<double>(),
                                                                   d.at("recounted").to_number<double>()};
  EXPECT_EQ(c1_drift["tracker.reviews"], std::make_pair(1.0, 2.0));
  EXPECT_EQ(c1_drift["tracker.stars"], std::make_pair(5.0, 6.0));
  EXPECT_EQ(c1_drift["tracker.completed"], std::make_pair(1.0, 2.0));
  EXPECT_EQ(c1_drift["shards.reviews"], std::make_pair(1.0, 2.0));
  EXPECT_EQ(c1_drift["shards.completed"], std::make_pair(1.0, 2.0));
  EXPECT_EQ(c1_drift.count("tracker.engagement"), 0u) << "a review weighs nothing in engagement";
  EXPECT_EQ(engagement("c1").at("review_count").as_int64(), 2) << "a report-only run changes nothing";

  auto repaired = reconcile();
  EXPECT_EQ(repaired.at("drifted").as_int64(), 2);
  EXPECT_TRUE(repaired.at("repaired").as_bool());
  auto after = engagement("c1");
  EXPECT_EQ(after.at("review_count").as_int64(), 3);
  EXPECT_DOUBLE_EQ(after.at("rating").to_number<double>(), (4.0 + 5.0 + 1.0) / 3.0);
  EXPECT_EQ(after.at("completed_jobs").as_int64(), 2) << "p1 and p2 reviewed";
  EXPECT_EQ(reconcile().at("drifted").as_int64(), 0) << "repaired drift stays repaired";

  // Some candidates only; bad params are named.
  auto one = reconcile(R"({"candidate_ids":["c2"]})");
  EXPECT_EQ(one.at("checked").as_int64(), 1);
  auto bad = call(http::verb::post, "/api/v1/jobs", R"({"type":"stats-reconcile","params":{"batch_size":0}})");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_THAT(text(bad.json().at("error").at("message")), ::testing::HasSubstr("params.batch_size"));
}

TEST_F(maintenance_jobs_test, orphan_cleanup_removes_the_rows_of_deleted_records_and_their_standing) {
  auto group = call(http::verb::post, "/api/v1/job-groups/feed/enqueue", "{}");
  ASSERT_EQ(group.status, 202u) << group.body;
  auto jobs = group.json().at("jobs").as_array();
  for (const auto& j : jobs)
    ASSERT_EQ(text(await_end(port_, text(j.at("id"))).at("status")), "completed") << text(j.at("type"));
  completed(R"({"type":"skill-index"})");
  ASSERT_EQ(call(http::verb::delete_, "/api/v1/candidates/c2").status, 200u);
  ASSERT_EQ(call(http::verb::delete_, "/api/v1/postings/p2").status, 200u);

  // What c2 and p2 left: c2's 3 events, stored matches, feed and affinity (category design,
  // company beta), p2's trending row, and their skill index entries (p2: figma; c2: figma,
  // sketch).
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> want{
      {"activity", {3, 1}},          {"match_results", {1, 1}},      {"candidate_affinity", {2, 1}},
      {"candidate_feeds", {1, 1}},   {"trending_postings", {1, 1}},  {"skill_index (postings)", {1, 1}},
      {"skill_index (candidates)", {2, 1}}};
  auto counted = completed(R"({"type":"orphan-cleanup","params":{"dry_run":true}})");
  ASSERT_EQ(counted.size(), want.size());
  for (const auto& [table, rows_records] : want) {
    EXPECT_EQ(counted.at(table).at("rows").as_int64(), rows_records.first) << table;
    EXPECT_EQ(counted.at(table).at("records").as_int64(), rows_records.second) << table;
  }
  auto deleted = completed(R"({"type":"orphan-cleanup","params":{"batch_size":1}})");
  for (const auto& [table, rows_records] : want) {
    EXPECT_EQ(deleted.at(table).at("rows").as_int64(), rows_records.first) << table;
    EXPECT_EQ(deleted.at(table).at("records").as_int64(), rows_records.second) << table;
  }
  EXPECT_EQ(deleted.at("activity").at("sample"), boost::json::array{"c2"});
  for (const auto& [table, result] : completed(R"({"type":"orphan-cleanup","params":{"dry_run":true}})"))
    EXPECT_EQ(result.at("rows").as_int64(), 0) << table << " is clean";

  // c1 keeps its events, standing and feed.
  auto c1 = engagement("c1");
  EXPECT_EQ(c1.at("counts").at("events").as_int64(), 3);
  EXPECT_EQ(c1.at("review_count").as_int64(), 2);
  EXPECT_EQ(call(http::verb::get, "/api/v1/candidates/c1/feed").json().at("postings").as_array().empty(), false);
  // The tracker and the shards forgot c2's review: stored again, c2 is as given.
  ingest("candidates", R"({"id":"c2","preferred_categories":["Design"],"skills":["figma","sketch"]})");
  auto c2 = engagement("c2");
  EXPECT_EQ(c2.at("counts").at("events").as_int64(), 0);
  EXPECT_EQ(c2.at("review_count").as_int64(), 0) << boost::json::serialize(c2);
  EXPECT_EQ(c2.at("completed_jobs").as_int64(), 0);
  EXPECT_EQ(reconcile().at("drifted").as_int64(), 0);
}
