// API.md "Data" over HTTP on a real node: ingest (one JSON record, NDJSON with bad lines),
// read, page, delete, and live matches with their reply shape and errors.
#include "match/generator.hpp"
#include "running_node.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

using namespace jobmesh;
using namespace jobmesh::testing;

namespace {


class records_api_test : public running_node {
protected:
  void SetUp() override {
    running_node::SetUp();
    settings_.matching.shards = 2;
    start();
  }
};

}  // namespace

TEST_F(records_api_test, ndjson_ingest_takes_good_lines_and_names_bad_ones) {
  auto reply = call(http::verb::post, "/api/v1/postings",
                    "{\"id\":\"p1\",\"company\":\"Acme\",\"title\":\"Data Engineer\",\"category\":\"Data\","
                    "\"required_skills\":[\"Go\",\"SQL\"],\"source\":\"feed-7\"}\n"
                    "{\"id\":\"p2\",\"company\":\"Beta\"}\n"
                    "  {\"id\":\"p3\", \"company\":\"Gamma\",\"title\":\"Analyst\",\"category\":\"Data\",\"salary_min\":4e4}\r\n",
                    k_ndjson);
  ASSERT_EQ(reply.status, 200u) << reply.body;
  auto body = reply.json().as_object();
  EXPECT_EQ(body.at("accepted").as_int64(), 2);
  auto rejected = body.at("rejected").as_array();
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].at("line").as_int64(), 2);
  EXPECT_EQ(rejected[0].at("field").as_string(), "title");
  // One record as plain JSON, spread over lines as people write it.
  auto one = call(http::verb::post, "/api/v1/candidates",
                  "{\n  \"id\": \"c1\",\n  \"full_name\": \"Ada  \\\"Al\\\" Lovelace\",\n  \"skills\": [\"go\"],\n"
                  "  \"preferred_categories\": [\"Data\"]\n}\n");
  ASSERT_EQ(one.status, 200u) << one.body;
  EXPECT_EQ(one.json().at("accepted").as_int64(), 1);

  auto stored = call(http::verb::get, "/api/v1/postings/p1");
  ASSERT_EQ(stored.status, 200u);
  EXPECT_EQ(stored.json().at("source").as_string(), "feed-7");  // unknown fields come back
  auto page = call(http::verb::get, "/api/v1/postings?limit=1");
  ASSERT_EQ(page.status, 200u);
  EXPECT_EQ(page.json().at("postings").as_array().size(), 1u);
  EXPECT_EQ(page.json().at("next_after").as_string(), "p1");
  auto rest = call(http::verb::get, "/api/v1/postings?limit=1&after=p1");
  EXPECT_EQ(rest.json().at("postings").as_array()[0].at("id").as_string(), "p3");
  EXPECT_EQ(call(http::verb::get, "/api/v1/postings?limit=0").status, 400u);

  // Stored as given: the line without the whitespace around it (numbers as they were written),
  // and a plain JSON record on one line, the whitespace between its tokens out and its strings
  // untouched.
  EXPECT_EQ(call(http::verb::get, "/api/v1/postings/p3").body,
            R"({"id":"p3", "company":"Gamma","title":"Analyst","category":"Data","salary_min":4e4})");
  EXPECT_EQ(call(http::verb::get, "/api/v1/candidates/c1").body,
            R"({"id":"c1","full_name":"Ada  \"Al\" Lovelace","skills":["go"],"preferred_categories":["Data"]})");
}

TEST_F(records_api_test, matches_reply_with_scores_factors_and_explanations) {
  call(http::verb::post, "/api/v1/postings",
       "{\"id\":\"p1\",\"company\":\"Acme\",\"title\":\"t\",\"category\":\"Data\",\"required_skills\":[\"Go\",\"SQL\"]}\n"
       "{\"id\":\"p2\",\"company\":\"Acme\",\"title\":\"t\",\"category\":\"Data\",\"required_skills\":[\"Go\"]}\n"
       "{\"id\":\"p3\",\"company\":\"Beta\",\"title\":\"t\",\"category\":\"Web\"}\n",
       k_ndjson);
  call(http::verb::post, "/api/v1/candidates", R"({"id":"c1","skills":["go"],"preferred_categories":["Data"]})");
  auto reply = call(http::verb::get, "/api/v1/candidates/c1/matches?top_k=2&top_per_company=true");
  ASSERT_EQ(reply.status, 200u) << reply.body;
  auto body = reply.json().as_object();
  EXPECT_EQ(body.at("source").as_string(), "c1");
  EXPECT_EQ(body.at("profile").as_string(), "fit");
  auto results = body.at("results").as_array();
  ASSERT_EQ(results.size(), 2u);  // the best of Acme, then Beta
  EXPECT_EQ(results[0].at("id").as_string(), "p2");
  EXPECT_EQ(results[1].at("id").as_string(), "p3");
  EXPECT_EQ(results[0].at("factors").as_object().size(), 5u);
  EXPECT_EQ(results[0].at("factors").at("skills").to_number<double>(), 1.0);
  EXPECT_EQ(results[0].at("explain").at("matched_skills").as_array().size(), 1u);
  auto p1 = call(http::verb::get, "/api/v1/postings/p1/matches?profile=fit");
  ASSERT_EQ(p1.status, 200u) << p1.body;
  auto missing = p1.json().at("results").as_array()[0].at("explain").at("missing_skills").as_array();
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].as_string(), "sql");

  EXPECT_EQ(call(http::verb::get, "/api/v1/candidates/nobody/matches").status, 404u);
  auto bad = call(http::verb::get, "/api/v1/candidates/c1/matches?top_k=0");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(bad.json().at("error").at("details").at("field").as_string(), "top_k");
  EXPECT_EQ(call(http::verb::get, "/api/v1/candidates/c1/matches?profile=nearest").status, 400u);
  EXPECT_EQ(call(http::verb::get, "/api/v1/postings/p1/matches?top_per_company=true").status, 400u);
  EXPECT_EQ(call(http::verb::get, "/api/v1/candidates/c1/matches?work_mode=office").status, 400u);
  // An empty filter would match nothing and answer like a candidate with no match; an option
  // given twice would count one of its values, silently.
  for (const auto& [target, field] : {std::pair{"/api/v1/candidates/c1/matches?country=", "country"},
                                      std::pair{"/api/v1/candidates/c1/matches?category=%20", "category"},
                                      std::pair{"/api/v1/candidates/c1/matches?top_k=1&top_k=2", "top_k"}}) {
    auto refused = call(http::verb::get, target);
    EXPECT_EQ(refused.status, 400u) << target;
    EXPECT_EQ(refused.json().at("error").at("details").at("field").as_string(), field) << target;
  }

  ASSERT_EQ(call(http::verb::delete_, "/api/v1/postings/p2").status, 200u);
  EXPECT_EQ(call(http::verb::get, "/api/v1/postings/p2").status, 404u);
  EXPECT_EQ(call(http::verb::delete_, "/api/v1/postings/p2").status, 404u);
  auto after = call(http::verb::get, "/api/v1/candidates/c1/matches?top_k=2&top_per_company=true").json();
  EXPECT_EQ(after.at("results").as_array()[0].at("id").as_string(), "p1");
}

// Issue 7: a request of 10,000 NDJSON lines is taken under the default body limit (a body over
// the limit is 413: node_test.limits_routes_and_health).
// curl sends `Expect: 100-continue` with a body over 1 MB and holds the body until the server
// says go on (or a second passes): the interim reply comes before the body is sent.
TEST_F(records_api_test, a_client_that_expects_100_continue_gets_it_before_sending_the_body) {
  std::string body = R"({"id":"p100","company":"Acme","title":"Go developer"})";
  idle_connection c{port_};
  c.send(fmt::format("POST /api/v1/postings HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     "Expect: 100-continue\r\nContent-Length: {}\r\n\r\n",
                     body.size()));
  EXPECT_EQ(c.read_until("\r\n\r\n", std::chrono::seconds{5}), "HTTP/1.1 100 Continue\r\n\r\n");
  c.send(body);
  auto reply = c.read_until(R"("rejected":[]})", std::chrono::seconds{5});
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 200")) << reply;
  EXPECT_NE(reply.find(R"("accepted":1)"), std::string::npos) << reply;
  EXPECT_EQ(call(http::verb::get, "/api/v1/postings/p100").status, 200u);
}

TEST_F(records_api_test, ten_thousand_lines_in_one_request_are_taken) {
  std::ostringstream postings, candidates;
  match::generate({10'000, 1, 5}, postings, candidates);
  ASSERT_LE(postings.str().size(), static_cast<std::size_t>(settings_.server.body_limit_bytes));
  auto reply = call(http::verb::post, "/api/v1/postings", postings.str(), k_ndjson);
  ASSERT_EQ(reply.status, 200u) << reply.body.substr(0, 300);
  EXPECT_EQ(reply.json().at("accepted").as_int64(), 10'000);
  EXPECT_TRUE(reply.json().at("rejected").as_array().empty());
  auto last = call(http::verb::get, "/api/v1/postings?after=p0009999&limit=5").json().at("postings").as_array();
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].at("id").as_string(), "p0010000");
}

// Activity: good events are stored before the reply (read back from the database file while
// the node runs), bad lines are named, and a body with nothing good is a 400 storing nothing.
