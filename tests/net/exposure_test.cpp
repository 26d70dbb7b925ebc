// What a web page on another site must not get from a server near the browser (API.md
// "Auth"): a state-changing request without a JSON Content-Type, from a foreign Origin, or (with
// auth off) for another Host.
#include "config/origins.hpp"
#include "net/exposure.hpp"

#include <gmock/gmock.h>

using namespace jobmesh;
using ::testing::HasSubstr;

namespace {

net::request make(net::http::verb method, std::string host, std::string content_type = "application/json",
                  std::string origin = {}) {
  net::request req{method, "/api/v1/jobs", 11};
  req.set(net::http::field::host, host);
  if (!content_type.empty())
    req.set(net::http::field::content_type, content_type);
  if (!origin.empty())
    req.set(net::http::field::origin, origin);
  return req;
}

config::settings off_mode() {
  config::settings s;
  s.auth.mode = "off";
  return s;
}

config::settings jwt_mode() {
  config::settings s;
  s.auth.mode = "jwt";
  s.server.host = "0.0.0.0";
  s.server.allowed_origins = "https://app.example.com, http://localhost:3000";
  return s;
}

unsigned status_of(const std::optional<net::response>& refused) {
  return refused ? refused->result_int() : 0;
}

std::string body_of(const std::optional<net::response>& refused) {
  return refused ? refused->body() : std::string{};
}

}  // namespace

TEST(exposure, a_state_changing_request_needs_a_json_content_type) {
  net::exposure checks{off_mode()};
  using net::http::verb;
  EXPECT_EQ(status_of(checks.check(make(verb::post, "127.0.0.1:8080"), false)), 0u);
  EXPECT_EQ(status_of(checks.check(make(verb::post, "127.0.0.1:8080", "application/json; charset=utf-8"), false)), 0u);
  for (auto method : {verb::post, verb::put, verb::patch, verb::delete_}) {
    auto refused = checks.check(make(method, "127.0.0.1:8080", "text/plain"), false);
    EXPECT_EQ(status_of(refused), 415u);
    EXPECT_THAT(body_of(refused), HasSubstr("unsupported_media_type"));
    EXPECT_THAT(body_of(refused), HasSubstr("got 'text/plain'"));
  }
  EXPECT_THAT(body_of(checks.check(make(verb::post, "127.0.0.1:8080", ""), false)), HasSubstr("got none"));
  EXPECT_EQ(status_of(checks.check(make(verb::post, "127.0.0.1:8080", "application/x-www-form-urlencoded"), false)),
            415u);
  // NDJSON only where the route takes it.
  EXPECT_EQ(status_of(checks.check(make(verb::post, "127.0.0.1:8080", "application/x-ndjson"), true)), 0u);
  auto ndjson = checks.check(make(verb::post, "127.0.0.1:8080", "application/x-ndjson"), false);
  EXPECT_EQ(status_of(ndjson), 415u);
  EXPECT_THAT(body_of(ndjson), HasSubstr("needs Content-Type: application/json"));
  // Reads need none.
  EXPECT_EQ(status_of(checks.check(make(verb::get, "127.0.0.1:8080", ""), false)), 0u);
}

TEST(exposure, an_origin_must_be_the_servers_own_or_configured) {
  using net::http::verb;
  net::exposure off{off_mode()};
  EXPECT_EQ(status_of(off.check(make(verb::post, "127.0.0.1:8080", "application/json", "http://127.0.0.1:8080"), false)),
            0u);
  EXPECT_EQ(status_of(off.check(make(verb::post, "localhost:8080", "application/json", "http://LOCALHOST:8080"), false)),
            0u);
  auto foreign = off.check(make(verb::post, "127.0.0.1:8080", "application/json", "http://evil.example"), false);
  EXPECT_EQ(status_of(foreign), 403u);
  EXPECT_THAT(body_of(foreign), HasSubstr("forbidden_origin"));
  EXPECT_THAT(body_of(foreign), HasSubstr("server.allowed_origins"));
  // Another port of the same host is another origin; so is the opaque "null".
  EXPECT_EQ(status_of(off.check(make(verb::post, "127.0.0.1:8080", "application/json", "http://127.0.0.1:9999"), false)),
            403u);
  EXPECT_EQ(status_of(off.check(make(verb::post, "127.0.0.1:8080", "application/json", "null"), false)), 403u);
  // A foreign origin's read is not refused here: without CORS headers its page cannot read it.
  EXPECT_EQ(status_of(off.check(make(verb::get, "127.0.0.1:8080", "", "http://evil.example"), false)), 0u);

  net::exposure jwt{jwt_mode()};
  EXPECT_EQ(status_of(jwt.check(make(verb::post, "jobs.example.com", "application/json", "https://app.example.com"), false)),
            0u);
  EXPECT_EQ(status_of(jwt.check(make(verb::post, "jobs.example.com", "application/json", "https://jobs.example.com"), false)),
            0u);
  EXPECT_EQ(status_of(jwt.check(make(verb::post, "jobs.example.com", "application/json", "https://evil.example"), false)),
            403u);
}

TEST(exposure, with_auth_off_the_host_must_name_this_loopback_server) {
  using net::http::verb;
  net::exposure off{off_mode()};
  for (const char* host : {"127.0.0.1:8080", "localhost:8080", "[::1]:8080", "LOCALHOST"})
    EXPECT_EQ(status_of(off.check(make(verb::get, host, ""), false)), 0u) << host;
  for (const char* host : {"rebound.example:8080", "127.0.0.1.nip.io:8080", ""}) {
    auto refused = off.check(make(verb::get, host, ""), false);
    EXPECT_EQ(status_of(refused), 403u) << host;
    EXPECT_THAT(body_of(refused), HasSubstr("forbidden_host"));
  }
  EXPECT_EQ(status_of(off.check_upgrade(make(verb::get, "rebound.example:8080", ""))), 403u);
  // With tokens a rebound name gains nothing: any Host is fine.
  net::exposure jwt{jwt_mode()};
  EXPECT_EQ(status_of(jwt.check(make(verb::get, "rebound.example:8080", ""), false)), 0u);
}

TEST(exposure, the_websocket_upgrade_checks_the_origin) {
  using net::http::verb;
  net::exposure off{off_mode()};
  EXPECT_EQ(status_of(off.check_upgrade(make(verb::get, "127.0.0.1:8080", "", "http://127.0.0.1:8080"))), 0u);
  EXPECT_EQ(status_of(off.check_upgrade(make(verb::get, "127.0.0.1:8080", ""))), 0u);
  EXPECT_EQ(status_of(off.check_upgrade(make(verb::get, "127.0.0.1:8080", "", "http://evil.example"))), 403u);
}

TEST(exposure, allowed_origins_are_parsed_and_a_bad_one_is_named) {
  auto origins = config::parse_origins(" https://App.Example.com ,http://[::1]:3000,http://localhost:3000 ");
  ASSERT_TRUE(origins);
  EXPECT_EQ(*origins,
            (std::vector<std::string>{"https://app.example.com", "http://[::1]:3000", "http://localhost:3000"}));
  EXPECT_EQ(config::parse_origins("")->size(), 0u);
  for (const char* bad : {"app.example.com", "ftp://app.example.com", "https://app.example.com/path",
                          "https://app.example.com:port", "https://", "https://user@app.example.com"}) {
    std::string problem;
    EXPECT_FALSE(config::parse_origins(bad, &problem)) << bad;
    EXPECT_THAT(problem, HasSubstr(std::string{"'"} + bad + "'"));
  }
  config::settings s = off_mode();
  s.server.allowed_origins = "https://app.example.com/path";
  EXPECT_THROW(net::exposure{s}, std::invalid_argument);
}
