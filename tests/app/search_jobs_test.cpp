// The search group's job types on a real node, over HTTP (issue 10), on a small fixed
// marketplace: the skill index and co-occurring skills, worked out by hand.
#include "running_node.hpp"
#include "storage/database.hpp"
#include "storage/skill_repository.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gmock/gmock.h>
#include <soci/soci.h>

#include <map>

using namespace jobmesh;
using namespace jobmesh::testing;

namespace {

// Skills are normalised as the matcher holds them: "SQL" is sql, "js" is javascript.
constexpr auto k_search_postings =
    R"({"id":"p1","company":"Acme","title":"Data Engineer","required_skills":["SQL","Python"]}
{"id":"p2","company":"Acme","title":"Analyst","required_skills":["sql"]}
{"id":"p3","company":"Beta","title":"Designer","required_skills":["Figma"]}
)";
constexpr auto k_search_candidates =
    R"({"id":"c1","skills":["sql","python","figma"]}
{"id":"c2","skills":["python"]}
{"id":"c3","skills":["js"]}
)";

class search_jobs_test : public running_node {
protected:
  void SetUp() override {
    running_node::SetUp();
    settings_.matching.shards = 2;
    start();
    ingest("postings", k_search_postings);
    ingest("candidates", k_search_candidates);
  }

  /// A finished job's results in their order (ranked by score).
  std::vector<boost::json::object> results(const boost::json::object& job) {
    std::vector<boost::json::object> out;
    for (auto& [key, result] : results_of(job))
      out.push_back(std::move(result));
    return out;
  }
};

}  // namespace

TEST_F(search_jobs_test, the_skill_index_names_every_record_of_every_skill) {
  auto job = run_job(R"({"type":"skill-index","params":{"batch_size":2}})");
  ASSERT_EQ(text(job.at("status")), "completed") << boost::json::serialize(job);
  EXPECT_EQ(job.at("total_items").as_int64(), 4) << "figma, javascript, python, sql";
  auto ranked = results(job);
  ASSERT_EQ(ranked.size(), 4u);
  // python and sql are named by three records each (ties by name), figma by two, javascript one.
  EXPECT_EQ(text(ranked[0].at("skill")), "python");
  EXPECT_EQ(ranked[0].at("postings").as_int64(), 1);
  EXPECT_EQ(ranked[0].at("candidates").as_int64(), 2);
  EXPECT_EQ(text(ranked[1].at("skill")), "sql");
  EXPECT_EQ(ranked[1].at("sample").at("postings"), boost::json::parse(R"(["p1","p2"])"));
  EXPECT_EQ(ranked[1].at("sample").at("candidates"), boost::json::parse(R"(["c1"])"));
  EXPECT_EQ(text(ranked[2].at("skill")), "figma");
  EXPECT_EQ(text(ranked[3].at("skill")), "javascript") << "synonyms applied";
  auto db = storage::open(settings_.storage.db);
  auto sql = storage::records_with_skill(*db, "sql", 10);
  ASSERT_EQ(sql.size(), 3u);
  EXPECT_EQ(sql[0].record_kind + "/" + sql[0].record_id, "candidate/c1");
  EXPECT_EQ(sql[2].record_kind + "/" + sql[2].record_id, "posting/p2");

  // A record's skills change, and the next run says so; the rows of the last run are gone.
  ASSERT_EQ(call(http::verb::post, "/api/v1/candidates", R"({"id":"c1","skills":["go"]})").status, 200u);
  auto again = run_job(R"({"type":"skill-index"})");
  ASSERT_EQ(text(again.at("status")), "completed");
  EXPECT_EQ(storage::records_with_skill(*db, "sql", 10).size(), 2u);
  EXPECT_EQ(storage::records_with_skill(*db, "go", 10).size(), 1u);
  EXPECT_EQ(storage::records_with_skill(*db, "figma", 10).size(), 1u) << "p3 only";
}

TEST_F(search_jobs_test, skill_relationships_count_skills_named_together) {
  auto job = run_job(R"({"type":"skill-relationships","params":{"top":5}})");
  ASSERT_EQ(text(job.at("status")), "completed") << boost::json::serialize(job);
  std::map<std::string, boost::json::object> by_skill;
  for (auto& r : results(job))
    by_skill[text(r.at("skill"))] = r;
  ASSERT_EQ(by_skill.size(), 4u);
  // p1 names sql with python; c1 names figma, python and sql together.
  EXPECT_EQ(by_skill.at("sql").at("related"), boost::json::parse(R"([{"skill":"python","count":2},{"skill":"figma","count":1}])"));
  EXPECT_EQ(by_skill.at("sql").at("score").as_int64(), 3);
  EXPECT_EQ(by_skill.at("figma").at("related"), boost::json::parse(R"([{"skill":"python","count":1},{"skill":"sql","count":1}])"));
  EXPECT_TRUE(by_skill.at("javascript").at("related").as_array().empty());
  auto group = call(http::verb::post, "/api/v1/job-groups/search/enqueue", "{}");
  ASSERT_EQ(group.status, 202u) << group.body;
  EXPECT_EQ(group.json().at("jobs").as_array().size(), 2u);
}
