// Malformed input from a client, each kind on a real node with tokens on: every one gets the
// documented status and API.md's error shape, and none changes what is stored.
#include "jwt_node.hpp"

#include <gmock/gmock.h>
#include <jwt.h>

#include <chrono>
#include <cstdlib>

using namespace jobmesh;
using namespace jobmesh::testing;

namespace {

class malformed_input_test : public jwt_node {
protected:
  void SetUp() override {
    jwt_node::SetUp();
    settings_.server.body_limit_bytes = 64 << 10;
    settings_.server.idle_timeout_ms = 300;
    settings_.server.read_timeout_ms = 1'000;
    start();
    admin_ = token("ops", net::role::admin);
    ASSERT_EQ(as(admin_, http::verb::post, "/api/v1/jobs", R"({"type":"noop"})").status, 202u);
    ASSERT_EQ(as(admin_, http::verb::post, "/api/v1/postings", R"({"id":"p1","company":"A","title":"t"})").status, 200u);
    before_ = stored();
  }

  void TearDown() override {
    EXPECT_EQ(stored(), before_) << "a refused request changed what is stored";
    jwt_node::TearDown();
  }

  // What is stored: the ids of this user's jobs (the scheduler's own may come any time) and of
  // the postings, with each posting's title.
  std::string stored() {
    std::string out;
    auto jobs = as(admin_, http::verb::get, "/api/v1/jobs?user=ops").json();
    for (const auto& job : jobs.at("jobs").as_array())
      out += std::string{job.at("id").as_string()} + " ";
    auto postings = as(admin_, http::verb::get, "/api/v1/postings").json();
    for (const auto& p : postings.at("postings").as_array())
      out += std::string{p.at("id").as_string()} + "=" + std::string{p.at("title").as_string()} + " ";
    return out;
  }

  // The reply is `status` with API.md's error shape; its code.
  static std::string error_code(const http_reply& reply, unsigned status) {
    EXPECT_EQ(reply.status, status) << reply.body;
    auto error = reply.json().at("error").as_object();
    EXPECT_TRUE(error.contains("message") && error.contains("details")) << reply.body;
    EXPECT_FALSE(error.at("message").as_string().empty());
    return std::string{error.at("code").as_string()};
  }

  std::string admin_;
  std::string before_;
};

std::string field_of(const http_reply& reply) {
  return std::string{reply.json().at("error").at("details").at("field").as_string()};
}

}  // namespace

TEST_F(malformed_input_test, bodies_that_are_not_what_they_claim) {
  using http::verb;
  EXPECT_EQ(error_code(as(admin_, verb::post, "/api/v1/jobs", R"({"type":"noop",)"), 400), "invalid_request");
  auto wrong_type = as(admin_, verb::post, "/api/v1/jobs", R"({"type":5})");
  EXPECT_EQ(error_code(wrong_type, 400), "invalid_request");
  EXPECT_EQ(field_of(wrong_type), "type");
  auto wrong_priority = as(admin_, verb::post, "/api/v1/jobs", R"({"type":"noop","priority":[1]})");
  EXPECT_EQ(field_of(wrong_priority), "priority");
  auto huge = as(admin_, verb::post, "/api/v1/jobs", R"({"type":"noop","max_attempts":99999999999999999999999})");
  EXPECT_EQ(error_code(huge, 400), "invalid_request");
  auto huge_param = as(admin_, verb::post, "/api/v1/jobs", R"({"type":"sleep","params":{"items":1e300}})");
  EXPECT_EQ(huge_param.status, 400u) << huge_param.body;
  auto deep = as(admin_, verb::post, "/api/v1/jobs",
                 R"({"type":"noop","params":{"x":)" + std::string(5000, '[') + std::string(5000, ']') + "}}");
  EXPECT_EQ(error_code(deep, 400), "invalid_request");
  auto bad_utf8 = as(admin_, verb::post, "/api/v1/jobs", "{\"type\":\"no\xff\xfeop\"}");
  EXPECT_EQ(error_code(bad_utf8, 400), "invalid_request");
  auto twice = as(admin_, verb::post, "/api/v1/jobs", R"({"type":"noop","type":"sleep"})");
  EXPECT_EQ(field_of(twice), "type");
  auto big = as(admin_, verb::post, "/api/v1/jobs", R"({"type":"noop","idempotency_key":")" + std::string(70'000, 'k') + "\"}");
  EXPECT_EQ(error_code(big, 413), "payload_too_large");
  EXPECT_EQ(error_code(as(admin_, verb::post, "/api/v1/jobs", R"({"type":"noop"})", "text/plain"), 415),
            "unsupported_media_type");
  // Records: a bad line is named and the rest are taken, but a body with no good line stores
  // nothing; the schedule body parser (Boost.JSON) refuses the same shapes.
  auto record = as(admin_, verb::post, "/api/v1/postings", "{\"id\":\"p2\",\"company\":\"A\",\"title\":\"\xff\"}");
  EXPECT_EQ(record.status, 400u) << record.body;
  auto deep_schedule = as(admin_, verb::put, "/api/v1/schedules/deep",
                          R"({"cron":"* * * * *","type":"noop","params":{"x":)" + std::string(5000, '[') +
                              std::string(5000, ']') + "}}");
  EXPECT_EQ(deep_schedule.status, 400u) << deep_schedule.body;
}

TEST_F(malformed_input_test, tokens_that_are_not_good) {
  using http::verb;
  auto expired = token("ops", net::role::admin, -3600);
  auto forged = token("ops", net::role::admin, 600, "another secret that is 32 chars long");
  // alg "none": a token with no signature that claims to be admin.
  jwt_t* j = nullptr;
  jwt_new(&j);
  jwt_add_grant(j, "sub", "ops");
  jwt_add_grant(j, "role", "admin");
  jwt_add_grant_int(j, "exp", std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::system_clock::now().time_since_epoch()).count() + 600);
  jwt_set_alg(j, JWT_ALG_NONE, nullptr, 0);
  char* text = jwt_encode_str(j);
  std::string unsigned_token = text ? text : "";
  std::free(text);
  jwt_free(j);
  for (const auto& bad : {std::string{}, std::string{"not-a-token"}, expired, forged, unsigned_token}) {
    auto reply = as(bad, verb::post, "/api/v1/jobs", R"({"type":"noop"})");
    EXPECT_EQ(error_code(reply, 401), "unauthorized") << bad;
    EXPECT_EQ(reply.headers[http::field::www_authenticate], "Bearer");
  }
}

TEST_F(malformed_input_test, a_header_that_never_ends_is_cut_off) {
  idle_connection slow{port_};
  slow.send("POST /api/v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl");
  // server.idle_timeout_ms is 300 here: the server lets go well within two seconds.
  EXPECT_TRUE(slow.closed_by_server_within(std::chrono::seconds{2}));
  idle_connection slow_body{port_};
  slow_body.send("POST /api/v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 "Content-Length: 100\r\n\r\n{\"type\":");
  // server.read_timeout_ms is 1 s here for the whole request once its header is in.
  EXPECT_TRUE(slow_body.closed_by_server_within(std::chrono::seconds{5}));
}

TEST_F(malformed_input_test, paths_and_cursors_that_name_nothing) {
  using http::verb;
  // error_code() parses the body with Boost.JSON, which refuses bytes that are not UTF-8: a
  // path's %ff is quoted in the message as U+FFFD.
  EXPECT_EQ(error_code(as(admin_, verb::get, "/api/v1/jobs/%ff"), 404), "not_found");
  EXPECT_EQ(error_code(as(admin_, verb::get, "/api/v1/postings/%ff%fe"), 404), "not_found");
  EXPECT_EQ(error_code(as(admin_, verb::get, "/api/v1/nothing%c3"), 404), "not_found");
  // The items of a job that does not exist are a 404 for an admin too, as its other routes are.
  EXPECT_EQ(error_code(as(admin_, verb::get, "/api/v1/jobs/01M819SZZC4RY7478857NQTNXP/items"), 404), "not_found");
  EXPECT_EQ(error_code(as(admin_, verb::get, "/api/v1/jobs/nope/items"), 404), "not_found");
  for (const char* cursor : {"garbage", "zzzz", "!!!"}) {
    auto page = as(admin_, verb::get, std::string{"/api/v1/jobs?after="} + cursor);
    EXPECT_EQ(error_code(page, 400), "invalid_request") << cursor;
    EXPECT_EQ(field_of(page), "after") << cursor;
  }
}

TEST_F(malformed_input_test, head_is_answered_as_get_without_the_body) {
  auto get = as(admin_, http::verb::get, "/healthz");
  ASSERT_EQ(get.status, 200u);
  // Two requests on one connection: the second reply must follow the first's header at once,
  // which it does only when the HEAD's reply carried no body.
  idle_connection c{port_};
  c.send("HEAD /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  auto head = c.read_until("\r\n\r\n", std::chrono::seconds{5});
  EXPECT_THAT(head, ::testing::StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(head, ::testing::HasSubstr("Content-Length: " + std::to_string(get.body.size()) + "\r\n"));
  auto next = c.read_until("\r\n\r\n", std::chrono::seconds{5});
  EXPECT_THAT(next, ::testing::StartsWith("HTTP/1.1 200"));
  // An error's reply to a HEAD comes without its body too.
  idle_connection e{port_};
  e.send("HEAD /api/v1/nothing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_THAT(e.read_until("\r\n\r\n", std::chrono::seconds{5}), ::testing::StartsWith("HTTP/1.1 404"));
  EXPECT_THAT(e.read_until("\r\n\r\n", std::chrono::seconds{5}), ::testing::StartsWith("HTTP/1.1 200"));
  auto refused = as(admin_, http::verb::patch, "/healthz", "{}");
  EXPECT_EQ(refused.status, 405u);
  EXPECT_EQ(refused.headers[http::field::allow], "GET, HEAD");
}
