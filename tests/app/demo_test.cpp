// `serve --demo` (API.md `serve`, README's first command): an empty database gets the generated
// demo marketplace; until its records are in, /readyz answers 503 and a posting or candidate
// not found says the demo is still loading; a database that holds records gets nothing, and a
// node started without the demo loads nothing and is ready at once.
#include "running_node.hpp"

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <string>
#include <thread>

using namespace jobmesh;
using namespace jobmesh::testing;

namespace {

constexpr auto k_loading = "the demo marketplace is still loading";

class demo_test : public running_node {
protected:
  void SetUp() override {
    running_node::SetUp();
    settings_.matching.shards = 2;
    settings_.demo.postings = 2'000;
    settings_.demo.candidates = 300;
  }

  /// Starts the node as `serve --demo` does: loading until load_demo() ends.
  void start_demo() {
    app::setup_logging(settings_.log.level);
    node_ = std::make_unique<app::node>(settings_);
    port_ = node_->start(true);
  }

  bool says_loading(const http_reply& r) const { return r.body.find(k_loading) != std::string::npos; }
};

}  // namespace

TEST_F(demo_test, the_server_says_it_is_loading_until_the_demo_records_are_in) {
  start_demo();
  auto ready = call(http::verb::get, "/readyz");
  EXPECT_EQ(ready.status, 503u) << ready.body;
  EXPECT_TRUE(says_loading(ready)) << ready.body;
  auto early = call(http::verb::get, "/api/v1/candidates/c0000001/matches?top_k=3");
  EXPECT_EQ(early.status, 404u) << early.body;
  EXPECT_NE(early.body.find(std::string{"no candidate c0000001; "} + k_loading), std::string::npos) << early.body;
  auto early_record = call(http::verb::get, "/api/v1/postings/p0000001");
  EXPECT_EQ(early_record.status, 404u) << early_record.body;
  EXPECT_TRUE(says_loading(early_record)) << early_record.body;

  // While it loads, whenever /readyz says ready the last demo record is there.
  std::jthread loader{[&] { node_->load_demo(); }};
  bool was_ready = false;
  for (int polls = 0; polls < 6'000 && !was_ready; ++polls) {  // 60 s at most
    auto r = call(http::verb::get, "/readyz");
    if (r.status == 200u) {
      was_ready = true;
    } else {
      EXPECT_EQ(r.status, 503u) << r.body;
      EXPECT_TRUE(says_loading(r)) << r.body;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ASSERT_TRUE(was_ready) << "/readyz never said ready";
  EXPECT_EQ(call(http::verb::get, "/api/v1/candidates/c0000300").status, 200u);
  loader.join();

  auto matches = call(http::verb::get, "/api/v1/candidates/c0000001/matches?top_k=3");
  ASSERT_EQ(matches.status, 200u) << matches.body;
  EXPECT_EQ(matches.json().at("results").as_array().size(), 3u);
  EXPECT_EQ(call(http::verb::get, "/api/v1/postings/p0002000").status, 200u);
  // Once loaded, a record that is not there is a plain 404.
  auto missing = call(http::verb::get, "/api/v1/postings/p0002001");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_FALSE(says_loading(missing)) << missing.body;
}

TEST_F(demo_test, a_database_that_holds_records_gets_no_demo_and_plain_serve_loads_nothing) {
  start();
  EXPECT_EQ(call(http::verb::get, "/readyz").status, 200u);
  auto none = call(http::verb::get, "/api/v1/candidates/c0000001/matches");
  EXPECT_EQ(none.status, 404u);
  EXPECT_FALSE(says_loading(none)) << none.body;
  ingest("postings", R"({"id":"p1","company":"Acme","title":"Data Engineer","category":"Data"})");
  stop();

  start_demo();
  node_->load_demo();
  EXPECT_EQ(call(http::verb::get, "/readyz").status, 200u);
  EXPECT_EQ(call(http::verb::get, "/api/v1/postings/p1").status, 200u);
  auto generated = call(http::verb::get, "/api/v1/postings/p0000001");
  EXPECT_EQ(generated.status, 404u) << "a demo was generated into a database that held a posting";
  EXPECT_FALSE(says_loading(generated)) << generated.body;
}

TEST_F(demo_test, demo_postings_link_to_their_own_page_so_a_candidates_matches_can_be_imported) {
  start_demo();
  node_->load_demo();
  auto posting = call(http::verb::get, "/api/v1/postings/p0000042");
  ASSERT_EQ(posting.status, 200u) << posting.body;
  auto own = "http://127.0.0.1:" + std::to_string(port_) + "/api/v1/postings/p0000042";
  EXPECT_EQ(posting.json().at("url").as_string(), own) << posting.body;

  // A browser (Accept: text/html) gets the posting as a page; the same URL answers JSON to
  // anyone else, as above.
  idle_connection browser{port_};
  browser.send("GET /api/v1/postings/p0000042 HTTP/1.1\r\nHost: localhost\r\n"
               "Accept: text/html,application/xhtml+xml,*/*;q=0.8\r\nConnection: close\r\n\r\n");
  auto page = browser.read_until("</html>\n", std::chrono::seconds(10));
  EXPECT_NE(page.find("Content-Type: text/html; charset=utf-8"), std::string::npos) << page;
  EXPECT_NE(page.find("<h1>" + text(posting.json().at("title")) + "</h1>"), std::string::npos) << page;
  EXPECT_NE(page.find("<p class=\"id\">Posting p0000042</p>"), std::string::npos) << page;

  // import-postings by candidate fetches each best match's page (the server's own, asked for as
  // a browser asks) and stores it on the posting as its detail.
  auto import = [&] {
    auto job = run_job(R"({"type":"import-postings","params":{"candidate_id":"c0000001","min_score":0,"top_k":3}})");
    EXPECT_EQ(job.at("status").as_string(), "completed") << boost::json::serialize(job);
    EXPECT_EQ(job.at("failed_items").as_int64(), 0) << boost::json::serialize(job);
    EXPECT_GE(job.at("total_items").as_int64(), 1);
    return job;
  };
  auto results = result_of(import()).at("results").as_array();
  ASSERT_FALSE(results.empty());
  auto fetched = std::string{results[0].at("result").at("posting_id").as_string()};
  auto detail_of = [&] {
    auto stored = call(http::verb::get, "/api/v1/postings/" + fetched);
    EXPECT_EQ(stored.status, 200u) << stored.body;
    return stored.json().at("detail").as_object();
  };
  auto detail = detail_of();
  EXPECT_EQ(detail.at("status").as_int64(), 200);
  EXPECT_EQ(detail.at("content_type").as_string(), "text/html; charset=utf-8");
  auto body = text(detail.at("body"));
  EXPECT_NE(body.find("<p class=\"id\">Posting " + fetched + "</p>"), std::string::npos) << body;

  // The page shows the posting, not the detail stored beside it: importing it again stores the
  // same page, not one that holds the last (which grew with every import).
  import();
  EXPECT_EQ(text(detail_of().at("body")), body);

  // Fetching `urls`, the job asks for records first: the same URL gives it the JSON record.
  auto by_url = run_job(R"({"type":"import-postings","params":{"urls":[")" + own + R"("]}})");
  EXPECT_EQ(by_url.at("failed_items").as_int64(), 0) << boost::json::serialize(by_url);
  auto taken = result_of(by_url).at("results").as_array();
  ASSERT_EQ(taken.size(), 1u) << boost::json::serialize(by_url);
  EXPECT_EQ(taken[0].at("result").at("accepted").as_int64(), 1) << boost::json::serialize(taken[0]);
}
