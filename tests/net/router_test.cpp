#include "net/detail/ws_session.hpp"
#include "net/router.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

using namespace jobmesh::net;

namespace {

std::shared_ptr<const request> make_request(http::verb method, std::string target) {
  auto req = std::make_shared<request>(method, target, 11);
  return req;
}

struct recorded {
  response res;
  bool called = false;
};

recorded route(const router& r, http::verb method, std::string target) {
  recorded out;
  r.dispatch(make_request(method, std::move(target)), [&](response res) {
    out.res = std::move(res);
    out.called = true;
  });
  return out;
}

std::string code_of(const response& res) {
  return std::string{boost::json::parse(res.body()).at("error").at("code").as_string()};
}

}  // namespace

TEST(router, captures_path_segments_and_query) {
  router r;
  std::string seen_id, seen_status;
  r.add(http::verb::get, "/api/v1/jobs/{id}/items", [&](route_request rr, responder respond) {
    seen_id = rr.path.at("id");
    seen_status = rr.query["status"];
    respond(response{http::status::ok, 11});
  });
  auto out = route(r, http::verb::get, "/api/v1/jobs/01ABC/items?status=failed&limit=3");
  ASSERT_TRUE(out.called);
  EXPECT_EQ(out.res.result(), http::status::ok);
  EXPECT_EQ(seen_id, "01ABC");
  EXPECT_EQ(seen_status, "failed");
}

TEST(router, unknown_path_is_404_and_wrong_method_is_405_with_allow) {
  router r;
  r.add(http::verb::get, "/api/v1/jobs/{id}", [](route_request, responder respond) { respond(response{}); });
  r.add(http::verb::post, "/api/v1/jobs/{id}/cancel", [](route_request, responder respond) { respond(response{}); });
  auto missing = route(r, http::verb::get, "/api/v1/nothing");
  EXPECT_EQ(missing.res.result(), http::status::not_found);
  EXPECT_EQ(code_of(missing.res), "not_found");
  auto wrong = route(r, http::verb::delete_, "/api/v1/jobs/x");
  EXPECT_EQ(wrong.res.result(), http::status::method_not_allowed);
  EXPECT_EQ(wrong.res[http::field::allow], "GET, HEAD");
  EXPECT_EQ(code_of(wrong.res), "method_not_allowed");
}

TEST(router, a_method_two_matching_routes_allow_is_named_once) {
  router r;
  r.add(http::verb::get, "/healthz", [](route_request, responder respond) { respond(response{}); });
  r.add(http::verb::get, "/{file}", [](route_request, responder respond) { respond(response{}); });
  r.add(http::verb::post, "/{file}", [](route_request, responder respond) { respond(response{}); });
  auto wrong = route(r, http::verb::patch, "/healthz");
  EXPECT_EQ(wrong.res.result(), http::status::method_not_allowed);
  EXPECT_EQ(wrong.res[http::field::allow], "GET, HEAD, POST");
}

TEST(router, head_is_routed_as_get) {
  router r;
  int gets = 0;
  r.add(http::verb::get, "/healthz", [&](route_request, responder respond) {
    ++gets;
    response res{http::status::ok, 11};
    res.body() = R"({"status":"ok"})";
    res.prepare_payload();
    respond(std::move(res));
  });
  auto head = route(r, http::verb::head, "/healthz");  // the session drops the body (node tests)
  ASSERT_TRUE(head.called);
  EXPECT_EQ(gets, 1);
  EXPECT_EQ(head.res.result(), http::status::ok);
  EXPECT_EQ(route(r, http::verb::head, "/nothing/here").res.result(), http::status::not_found);
}

TEST(router, decodes_percent_escapes_in_queries) {
  router r;
  std::string seen;
  r.add(http::verb::get, "/x", [&](route_request rr, responder respond) {
    seen = rr.query["type"];
    respond(response{});
  });
  route(r, http::verb::get, "/x?type=a%20b");
  EXPECT_EQ(seen, "a b");
}

// A bare `?`, a trailing `&` and `&&` name no option (routes that refuse unknown options
// answered them 400 "unknown option ''"); an option with no name but a value is still given.
TEST(router, empty_query_segments_are_no_options) {
  router r;
  std::map<std::string, std::string> seen;
  r.add(http::verb::get, "/x", [&](route_request rr, responder respond) {
    seen = rr.query;
    respond(response{});
  });
  for (const auto* target : {"/x?", "/x?&", "/x?top_k=2&", "/x?&&top_k=2"}) {
    seen.clear();
    EXPECT_TRUE(route(r, http::verb::get, target).called) << target;
    EXPECT_EQ(seen.size(), std::string_view{target}.find("top_k") == std::string_view::npos ? 0u : 1u) << target;
  }
  route(r, http::verb::get, "/x?=3");
  EXPECT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[""], "3");
  route(r, http::verb::get, "/x?=");
  EXPECT_EQ(seen.size(), 1u) << "an option with no name and an empty value is still given";
}

// A route's error that quotes the path (http_test.cpp has the rule itself).
TEST(router, errors_that_quote_a_path_are_utf8) {
  router r;
  r.add(http::verb::get, "/api/v1/jobs/{id}", [](route_request rr, responder respond) {
    respond(error_response(*rr.req, http::status::not_found, "not_found", "no job with id " + rr.path.at("id"),
                           {{"id", rr.path.at("id")}}));
  });
  for (const char* target : {"/api/v1/jobs/%ff", "/nothing%ff", "/api/v1/jobs/x?%fe=1&%fe=2"}) {
    auto out = route(r, http::verb::get, target);
    ASSERT_TRUE(out.called) << target;
    EXPECT_NO_THROW(boost::json::parse(out.res.body())) << target;  // Boost.JSON refuses bytes that are not UTF-8
  }
  auto missing = route(r, http::verb::get, "/api/v1/jobs/%ff");
  EXPECT_EQ(boost::json::parse(missing.res.body()).at("error").at("message").as_string(), "no job with id \xEF\xBF\xBD");
}

TEST(ws_topics, only_api_topics_are_valid) {
  using jobmesh::net::detail::is_valid_topic;
  EXPECT_TRUE(is_valid_topic("jobs"));
  EXPECT_TRUE(is_valid_topic("analytics"));
  EXPECT_TRUE(is_valid_topic("job:01ABC"));
  EXPECT_TRUE(is_valid_topic("user:demo"));
  EXPECT_FALSE(is_valid_topic("job:"));
  EXPECT_FALSE(is_valid_topic("posting:1"));
  EXPECT_FALSE(is_valid_topic(""));
  EXPECT_FALSE(is_valid_topic("job:" + std::string(65, 'x')));
}
