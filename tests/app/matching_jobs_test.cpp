// The marketplace's job types on a real node, over HTTP (issue 7): match-scores stores what
// `jobmesh match` computes, bulk-analysis ranks, compatibility explains stored matches, and
// import-postings fails only the fetches that fail, against a loopback server the test runs.
#include "tests/loopback_http_server.hpp"
#include "match/generator.hpp"
#include "match/kernel.hpp"
#include "match/ndjson.hpp"
#include "match/reference.hpp"
#include "storage/database.hpp"
#include "storage/record_repository.hpp"
#include "running_node.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/parse.hpp>
#include <gmock/gmock.h>
#include <soci/soci.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

using namespace jobmesh;
using namespace jobmesh::testing;
using ::testing::HasSubstr;

namespace {


class matching_jobs_test : public running_node {
protected:
  void SetUp() override {
    running_node::SetUp();
    settings_.matching.shards = 3;
    settings_.jobs.progress_flush_ms = 20;
    settings_.imports.connect_timeout_ms = 1000;
    settings_.imports.read_timeout_ms = 300;
    start();
  }

  // Generated records, ingested over HTTP; kept as text for the offline comparison.
  void load_marketplace(std::size_t postings, std::size_t candidates, std::uint64_t seed) {
    std::ostringstream p, c;
    match::generate({postings, candidates, seed}, p, c);
    postings_ = p.str();
    candidates_ = c.str();
    ASSERT_EQ(call(http::verb::post, "/api/v1/postings", postings_, k_ndjson).json().at("accepted").as_int64(),
              static_cast<std::int64_t>(postings));
    ASSERT_EQ(call(http::verb::post, "/api/v1/candidates", candidates_, k_ndjson).json().at("accepted").as_int64(),
              static_cast<std::int64_t>(candidates));
  }

  std::string postings_, candidates_;
};

}  // namespace

TEST_F(matching_jobs_test, match_scores_stores_what_jobmesh_match_computes) {
  load_marketplace(400, 150, 3);
  auto job = run_job(R"({"type":"match-scores","params":{"top_k":5,"batch_size":40}})");
  ASSERT_EQ(text(job.at("status")), "completed") << boost::json::serialize(job);
  EXPECT_EQ(job.at("total_items").as_int64(), 150);
  EXPECT_EQ(job.at("processed_items").as_int64(), 150);
  EXPECT_EQ(job.at("failed_items").as_int64(), 0);

  // The same computation offline, as `jobmesh match` does it (same reader, kernel and writer).
  match::normaliser words{settings_.matching.synonyms};
  auto postings = match::prepare_all(match::read_postings(postings_).records, words);
  auto candidates = match::prepare_all(match::read_candidates(candidates_).records, words);
  match::query q;
  q.top_k = 5;
  auto expected = match::batch_matcher{postings, candidates}.run(q, 1);
  ASSERT_EQ(expected.size(), 150u);
  auto db = storage::open(settings_.storage.db);
  std::size_t with_results = 0;
  for (const auto& source : expected) {
    auto stored = storage::find_stored_matches(*db, source.source, "fit");
    ASSERT_TRUE(stored.has_value()) << source.source;
    EXPECT_EQ(stored->results, match::results_to_json(source, match::fit_profile())) << source.source;
    EXPECT_EQ(stored->job_id, text(job.at("id")));
    with_results += source.results.empty() ? 0 : 1;
  }
  EXPECT_GT(with_results, 100u);  // the comparison is not one of empty lists

  auto page = result_of(job, "?limit=10");
  EXPECT_FALSE(page.at("partial").as_bool());
  auto results = page.at("results").as_array();
  ASSERT_EQ(results.size(), 10u);
  EXPECT_EQ(text(results[0].at("key")), expected[0].source);  // generated ids sort in input order
  EXPECT_EQ(results[0].at("result").at("results").as_array().size(), expected[0].results.size());
  EXPECT_EQ(page.at("next_after").as_int64(), 9);
  EXPECT_EQ(result_of(job, "?after=9&limit=500").at("results").as_array().size(), 140u);
}

TEST_F(matching_jobs_test, bulk_analysis_ranks_candidates_and_compatibility_explains_stored_matches) {
  load_marketplace(300, 60, 4);
  auto posting = match::read_postings(postings_).records.at(7).id;
  auto all = run_job(R"({"type":"bulk-analysis","params":{"posting_id":")" + posting + R"(","batch_size":16}})");
  ASSERT_EQ(text(all.at("status")), "completed") << boost::json::serialize(all);
  EXPECT_EQ(all.at("total_items").as_int64(), 60);
  auto ranked = result_of(all, "?limit=500");
  EXPECT_TRUE(ranked.at("ranked").as_bool());
  auto results = ranked.at("results").as_array();
  ASSERT_EQ(results.size(), 60u) << boost::json::serialize(ranked);
  for (std::size_t i = 1; i < results.size(); ++i)
    EXPECT_GE(results[i - 1].at("result").at("score").to_number<double>(),
              results[i].at("result").at("score").to_number<double>());
  // Each score is the reference scorer's for the pair.
  match::normaliser words{settings_.matching.synonyms};
  auto p = match::prepare(match::read_postings(postings_).records.at(7), words);
  for (const auto& c : match::prepare_all(match::read_candidates(candidates_).records, words)) {
    auto it = std::find_if(results.begin(), results.end(), [&](const auto& r) { return text(r.at("key")) == c.id; });
    ASSERT_NE(it, results.end()) << c.id;
    EXPECT_DOUBLE_EQ(it->at("result").at("score").to_number<double>(),
                     match::combine(match::fit_profile(), match::reference_factors(p, c)));
    EXPECT_TRUE(it->at("result").at("explain").as_object().contains("matched_skills"));
  }

  // Unknown ids: a candidate fails its item (and the job, by default); a posting fails the job
  // at once, without retries.
  auto some = run_job(R"({"type":"bulk-analysis","params":{"posting_id":")" + posting +
                      R"(","candidate_ids":["c0000001","nobody"]}})");
  EXPECT_EQ(text(some.at("status")), "failed");
  EXPECT_EQ(some.at("failed_items").as_int64(), 1);
  EXPECT_THAT(text(some.at("error_message")), HasSubstr("no candidate nobody"));
  auto errors = result_of(some).at("errors").as_array();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(text(errors[0].at("key")), "nobody");
  auto failed = call(http::verb::get, "/api/v1/jobs/" + text(some.at("id")) + "/items?status=failed");
  ASSERT_EQ(failed.status, 200u) << failed.body;
  auto items = failed.json().at("items").as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("attempts").as_int64(), 1) << "a record that does not exist is not looked for again";
  auto no_posting = run_job(R"({"type":"bulk-analysis","params":{"posting_id":"nothing-here"}})");
  EXPECT_EQ(text(no_posting.at("status")), "failed");
  EXPECT_EQ(no_posting.at("attempt").as_int64(), 1);
  EXPECT_THAT(text(no_posting.at("error_message")), HasSubstr("no posting nothing-here"));

  // compatibility needs stored matches; after match-scores it explains each of them.
  auto candidate = match::read_candidates(candidates_).records.at(0).id;
  auto early = run_job(R"({"type":"compatibility","params":{"candidate_id":")" + candidate + R"("}})");
  EXPECT_EQ(text(early.at("status")), "failed");
  EXPECT_THAT(text(early.at("error_message")), HasSubstr("run match-scores first"));
  ASSERT_EQ(text(run_job(R"({"type":"match-scores","params":{"candidate_ids":[")" + candidate + R"("]}})")
                     .at("status")),
            "completed");
  auto explained = run_job(R"({"type":"compatibility","params":{"candidate_id":")" + candidate + R"("}})");
  ASSERT_EQ(text(explained.at("status")), "completed") << boost::json::serialize(explained);
  auto db = storage::open(settings_.storage.db);
  auto stored = boost::json::parse(storage::find_stored_matches(*db, candidate, "fit")->results).at("results").as_array();
  ASSERT_FALSE(stored.empty());
  auto pairs = result_of(explained).at("results").as_array();
  ASSERT_EQ(pairs.size(), stored.size());
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    EXPECT_EQ(text(pairs[i].at("key")), candidate + "/" + text(stored[i].at("id")));
    EXPECT_EQ(pairs[i].at("result").at("score"), stored[i].at("score"));
  }
  // A stored match whose posting was deleted since is skipped, saying so; the job still completes
  // and explains the others.
  auto gone = text(stored[0].at("id"));
  ASSERT_EQ(call(http::verb::delete_, "/api/v1/postings/" + gone).status, 200u);
  auto after_delete = run_job(R"({"type":"compatibility","params":{"candidate_id":")" + candidate + R"("}})");
  ASSERT_EQ(text(after_delete.at("status")), "completed") << boost::json::serialize(after_delete);
  EXPECT_EQ(after_delete.at("failed_items").as_int64(), 0);
  auto now_pairs = result_of(after_delete).at("results").as_array();
  ASSERT_EQ(now_pairs.size(), stored.size());
  for (std::size_t i = 0; i < now_pairs.size(); ++i) {
    const auto& r = now_pairs[i].at("result").as_object();
    if (i == 0) {
      EXPECT_EQ(text(r.at("id")), gone);
      EXPECT_THAT(text(r.at("skipped")), HasSubstr("the posting " + gone + " was deleted"));
      EXPECT_FALSE(r.contains("score"));
    } else {
      EXPECT_EQ(r.at("score"), stored[i].at("score"));
    }
  }
  auto given = run_job(R"({"type":"compatibility","params":{"pairs":[{"candidate_id":")" + candidate +
                       R"(","posting_id":"nope"}]},"max_failed_ratio":0})");
  EXPECT_EQ(given.at("status"), "failed");
  EXPECT_THAT(text(given.at("error_message")), HasSubstr("no posting nope"));
}

TEST_F(matching_jobs_test, bad_params_are_refused_naming_the_param) {
  auto refused = [&](const std::string& body) {
    auto reply = call(http::verb::post, "/api/v1/jobs", body);
    EXPECT_EQ(reply.status, 400u) << body;
    return reply.body;
  };
  EXPECT_THAT(refused(R"({"type":"match-scores","params":{"profile":"nope"}})"), HasSubstr("params.profile"));
  EXPECT_THAT(refused(R"({"type":"match-scores","params":{"top_k":0}})"), HasSubstr("params.top_k"));
  EXPECT_THAT(refused(R"({"type":"match-scores","params":{"candidate_ids":["a b"]}})"),
              HasSubstr("params.candidate_ids[0]"));
  EXPECT_THAT(refused(R"({"type":"bulk-analysis","params":{}})"), HasSubstr("params.posting_id"));
  EXPECT_THAT(refused(R"({"type":"compatibility","params":{}})"), HasSubstr("either pairs or candidate_id"));
  EXPECT_THAT(refused(R"({"type":"import-postings","params":{"urls":["ftp://x/y"]}})"), HasSubstr("params.urls[0]"));
  EXPECT_THAT(refused(R"({"type":"import-postings","params":{"urls":["http://x/"],"parallel_workers":99}})"),
              HasSubstr("params.parallel_workers"));
  EXPECT_THAT(refused(R"({"type":"noop","max_failed_ratio":2})"), HasSubstr("max_failed_ratio"));
}

TEST_F(matching_jobs_test, import_postings_fails_only_the_fetches_that_fail) {
  namespace lb = jobmesh::testing::loopback;
  auto posting = [](const std::string& id, const std::string& extra = {}) {
    return R"({"id":")" + id + R"(","company":"Imported","title":"Data Engineer","category":"Data",)" +
           R"("required_skills":["SQL","Python"])" + extra + "}";
  };
  std::mutex hits_mutex;
  std::map<std::string, int> hits;  // fetches of each path
  loopback_server pages{[&](const lb::request& req) -> std::optional<lb::response> {
    std::string target{req.target()};
    {
      std::lock_guard lock{hits_mutex};
      ++hits[target];
    }
    lb::response res{lb::http::status::ok, 11};
    res.set(lb::http::field::content_type, "application/json");
    if (target == "/one.json") {
      res.body() = "{\n  " + posting("imp-1").substr(1);  // spread over lines, as people write it
    } else if (target == "/two.ndjson") {
      res.body() = posting("imp-2") + "\n" + posting("imp-3") + "\n";
    } else if (target == "/moved") {
      res.result(lb::http::status::found);
      res.set(lb::http::field::location, "/four.json");
    } else if (target == "/four.json") {
      res.body() = posting("imp-4");
    } else if (target == "/bad.json") {
      res.body() = posting("imp-5", R"(,"salary_min":90000,"salary_max":1000)");
    } else if (target == "/mixed.ndjson") {  // a good line, then one without a title
      res.body() = posting("imp-6") + "\n" + R"({"id":"imp-7","company":"Acme"})" + "\n";
    } else if (target == "/loop") {  // a redirect to itself: more than 3 redirects, every time
      res.result(lb::http::status::found);
      res.set(lb::http::field::location, "/loop");
    } else if (target == "/slow") {
      return std::nullopt;  // says nothing: the fetch times out
    } else {
      res.result(lb::http::status::not_found);
      res.body() = "{}";
    }
    return res;
  }};
  std::string urls;
  for (auto path : {"/one.json", "/two.ndjson", "/missing", "/moved", "/bad.json", "/slow", "/loop", "/mixed.ndjson"})
    urls += (urls.empty() ? "\"" : ",\"") + pages.url(path) + "\"";
  auto job = run_job(R"({"type":"import-postings","params":{"parallel_workers":3,"urls":[)" + urls + "]}}");
  ASSERT_EQ(text(job.at("status")), "completed") << boost::json::serialize(job);  // max_failed_ratio 1
  EXPECT_EQ(job.at("total_items").as_int64(), 8);
  EXPECT_EQ(job.at("processed_items").as_int64(), 3);
  EXPECT_EQ(job.at("failed_items").as_int64(), 5);
  auto errors = result_of(job).at("errors").as_array();
  std::map<std::string, std::string> error_of;
  for (const auto& e : errors)
    error_of[text(e.at("key"))] = text(e.at("error"));
  EXPECT_THAT(error_of[pages.url("/missing")], HasSubstr("HTTP 404"));
  EXPECT_THAT(error_of[pages.url("/slow")], HasSubstr("timed out"));
  EXPECT_THAT(error_of[pages.url("/bad.json")], HasSubstr("bad record: line 1, field salary_min"));
  EXPECT_EQ(error_of[pages.url("/loop")], "more than 3 redirects");
  // A page of good and bad lines fails its item, and says which of its postings were stored.
  EXPECT_EQ(error_of[pages.url("/mixed.ndjson")],
            "bad record: line 2, field title: title is required; its other posting was stored: imp-6");
  EXPECT_EQ(error_of.size(), 5u);
  // A page's result names the postings it stored.
  std::map<std::string, boost::json::object> result_by_url;
  for (auto& [key, result] : results_of(job))
    result_by_url[key] = result;
  EXPECT_EQ(boost::json::serialize(result_by_url[pages.url("/two.ndjson")].at("ids")), R"(["imp-2","imp-3"])");
  // A 404, a bad record or a redirect loop would come again: fetched once (the loop's first
  // request and its 3 redirects). A timeout may not: tried again.
  {
    std::lock_guard lock{hits_mutex};
    EXPECT_EQ(hits["/missing"], 1);
    EXPECT_EQ(hits["/bad.json"], 1);
    EXPECT_EQ(hits["/loop"], 4);
    EXPECT_EQ(hits["/slow"], settings_.jobs.item_max_attempts);
  }
  // The good pages' postings are stored and in the shards (a match query finds its source there).
  for (auto id : {"imp-1", "imp-2", "imp-3", "imp-4", "imp-6"}) {
    EXPECT_EQ(call(http::verb::get, std::string{"/api/v1/postings/"} + id).status, 200u) << id;
    EXPECT_EQ(call(http::verb::get, std::string{"/api/v1/postings/"} + id + "/matches").status, 200u) << id;
  }
  EXPECT_EQ(call(http::verb::get, "/api/v1/postings/imp-5").status, 404u);
}

TEST_F(matching_jobs_test, import_postings_stores_the_detail_pages_of_a_candidates_matches) {
  namespace lb = jobmesh::testing::loopback;
  loopback_server pages{[&](const lb::request& req) -> std::optional<lb::response> {
    lb::response res{req.target() == "/detail/1" ? lb::http::status::ok : lb::http::status::not_found, 11};
    res.set(lb::http::field::content_type, "text/html");
    res.body() = req.target() == "/detail/1" ? "<h1>Data Engineer at Acme</h1>" : "gone";
    return res;
  }};
  auto posting = [](const std::string& id, const std::string& company, const std::string& url) {
    return R"({"id":")" + id + R"(","company":")" + company + R"(","title":"Data Engineer","category":"Data",)" +
           R"("required_skills":["SQL","Python"],"lat":52.52,"lon":13.405)" +
           (url.empty() ? "" : R"(,"url":")" + url + "\"") + "}\n";
  };
  ASSERT_EQ(call(http::verb::post, "/api/v1/postings",
                 posting("d1", "Acme", pages.url("/detail/1")) + posting("d2", "Beta", pages.url("/detail/2")) +
                     posting("d3", "Gamma", "") + posting("d4", "Acme", pages.url("/detail/4")),
                 k_ndjson)
                .json()
                .at("accepted")
                .as_int64(),
            4);
  ASSERT_EQ(call(http::verb::post, "/api/v1/candidates",
                 R"({"id":"c1","skills":["SQL","Python"],"preferred_categories":["Data"]})")
                .status,
            200u);
  auto job = run_job(R"({"type":"import-postings","params":{"candidate_id":"c1","min_score":0}})");
  ASSERT_EQ(text(job.at("status")), "completed") << boost::json::serialize(job);
  // One posting per company: d1 and d4 tie for Acme, and d1 ranks first by id.
  EXPECT_EQ(job.at("total_items").as_int64(), 3);
  EXPECT_EQ(job.at("failed_items").as_int64(), 2);
  auto result = result_of(job);
  std::map<std::string, std::string> error_of;
  for (const auto& e : result.at("errors").as_array())
    error_of[text(e.at("key"))] = text(e.at("error"));
  EXPECT_THAT(error_of["d2"], HasSubstr("HTTP 404"));
  EXPECT_THAT(error_of["d3"], HasSubstr("has no http(s) url field"));
  auto reply = call(http::verb::get, "/api/v1/postings/d1");
  auto stored = reply.json();
  EXPECT_EQ(text(stored.at("detail").at("body")), "<h1>Data Engineer at Acme</h1>");
  // The record comes back as given, the page beside it: its numbers as they were written
  // (Boost.JSON's own writer gave "lat":5.252E1).
  EXPECT_THAT(reply.body, HasSubstr(R"("lat":52.52,"lon":13.405)"));
  EXPECT_EQ(stored.at("detail").at("status").as_int64(), 200);
  // API.md: times are RFC 3339 UTC strings ("2026-12-06T22:04:34.213Z"), not milliseconds.
  EXPECT_THAT(text(stored.at("detail").at("fetched_at")), ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z"));
  EXPECT_FALSE(call(http::verb::get, "/api/v1/postings/d4").json().as_object().contains("detail"));
  auto missing = run_job(R"({"type":"import-postings","params":{"candidate_id":"nobody"}})");
  EXPECT_EQ(text(missing.at("status")), "failed");
  EXPECT_THAT(text(missing.at("error_message")), HasSubstr("no candidate nobody"));
}
