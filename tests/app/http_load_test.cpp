// The HTTP load generator of the bench suites (bench/http_load.hpp) against a real node and
// against a loopback server that closes each connection or never answers: what it counts as a
// request, a refusal, a non-2xx reply, a reconnect and an error, and that an open loop keeps
// its rate.
#include "bench/http_load.hpp"
#include "tests/loopback_http_server.hpp"
#include "running_node.hpp"

#include <gmock/gmock.h>

#include <atomic>
#include <optional>
#include <stdexcept>
#include <string>

using namespace jobmesh;
using namespace jobmesh::testing;
using ::testing::HasSubstr;

namespace {

class http_load_test : public running_node {
protected:
  bench::http_load_options options(std::uint16_t port) const {
    bench::http_load_options o;
    o.port = port;
    o.connections = 4;
    o.threads = 2;
    o.warm_up_s = 0.1;
    o.duration_s = 0.5;
    o.timeout = std::chrono::milliseconds(5'000);
    return o;
  }

  static std::string first_problem(const bench::http_load_result& r) {
    return r.problems.empty() ? std::string{} : r.problems.front();
  }
};

bench::request_source get(std::string target) {
  return [target = std::move(target)](std::uint64_t) {
    bench::http_request r;
    r.target = target;
    return r;
  };
}

}  // namespace

TEST_F(http_load_test, a_closed_loop_posts_bodies_and_counts_every_checked_reply) {
  start();
  std::atomic<std::uint64_t> checked{0}, highest_sequence{0};
  auto source = [&](std::uint64_t sequence) {
    highest_sequence = std::max<std::uint64_t>(highest_sequence, sequence);
    bench::http_request r;
    r.method = http::verb::post;
    r.target = "/api/v1/jobs";
    r.content_type = "application/json";
    r.body = R"({"type":"noop"})";
    return r;
  };
  auto check = [&](unsigned status, std::string_view body, std::string& problem) {
    ++checked;
    if (status == 202 && body.find(R"("id":")") != std::string_view::npos)
      return true;
    problem = std::string{body.substr(0, 100)};
    return false;
  };
  auto r = bench::run_http_load(options(port_), source, check);
  EXPECT_TRUE(r.clean()) << first_problem(r);
  EXPECT_GT(r.requests, 20u);
  EXPECT_EQ(r.reconnects, 0u) << "a keep-alive server's connections were opened again";
  // Replies before and after the window are checked only inside it, and each counted once.
  EXPECT_EQ(checked.load(), r.requests);
  EXPECT_GE(highest_sequence.load() + 1, r.requests);
  EXPECT_GT(r.p50_ms, 0.0);
  EXPECT_LE(r.p50_ms, r.p99_ms);
  EXPECT_LE(r.p99_ms, r.max_ms);
  EXPECT_LT(r.max_ms, 5'000.0);
  EXPECT_NEAR(r.requests_per_s, static_cast<double>(r.requests) / 0.5, 1e-6);
}

TEST_F(http_load_test, non_2xx_replies_and_refused_ones_are_counted_and_named) {
  start();
  auto missing = bench::run_http_load(options(port_), get("/api/v1/no-such-route"));
  EXPECT_GT(missing.requests, 0u);
  EXPECT_EQ(missing.non_2xx, missing.requests);
  EXPECT_EQ(missing.errors, 0u) << first_problem(missing);
  EXPECT_FALSE(missing.clean());
  EXPECT_THAT(first_problem(missing), HasSubstr("status 404 for /api/v1/no-such-route"));

  auto refused = bench::run_http_load(options(port_), get("/healthz"), [](unsigned, std::string_view, std::string& problem) {
    problem = "not what the suite wanted";
    return false;
  });
  EXPECT_GT(refused.requests, 0u);
  EXPECT_EQ(refused.rejected, refused.requests);
  EXPECT_EQ(refused.non_2xx, 0u);
  EXPECT_THAT(first_problem(refused), HasSubstr("refused reply for /healthz: not what the suite wanted"));
}

TEST_F(http_load_test, an_open_loop_sends_at_its_rate) {
  start();
  auto o = options(port_);
  o.rate_per_s = 200;
  o.duration_s = 1.0;
  auto r = bench::run_http_load(o, get("/healthz"));
  EXPECT_TRUE(r.clean()) << first_problem(r);
  // 200 a second for a second; a late reply sends the next request at once, so a slow moment
  // delays requests without losing them.
  EXPECT_GE(r.requests, 140u);
  EXPECT_LE(r.requests, 260u);
}

TEST_F(http_load_test, a_server_that_closes_each_connection_is_reconnected_without_errors) {
  loopback_server server{[](const loopback::request&) {
    loopback::response res{http::status::ok, 11};
    res.body() = R"({"ok":true})";
    return res;
  }};
  auto o = options(server.port());
  o.connections = 1;
  o.threads = 1;
  auto r = bench::run_http_load(o, get("/closing"));
  EXPECT_TRUE(r.clean()) << first_problem(r);
  EXPECT_GT(r.requests, 0u);
  EXPECT_GE(r.reconnects, r.requests) << "every reply said Connection: close";
}

TEST_F(http_load_test, a_reply_that_never_comes_is_an_error_after_the_timeout) {
  loopback_server server{[](const loopback::request&) { return std::optional<loopback::response>{}; }};
  auto o = options(server.port());
  o.connections = 1;
  o.threads = 1;
  o.timeout = std::chrono::milliseconds(200);
  auto r = bench::run_http_load(o, get("/silent"));
  EXPECT_EQ(r.requests, 0u);
  EXPECT_GT(r.errors, 0u);
  EXPECT_THAT(first_problem(r), HasSubstr("read: timed out"));
}

TEST_F(http_load_test, bad_options_are_refused) {
  auto o = options(1);
  o.host = "localhost";
  EXPECT_THROW(bench::run_http_load(o, get("/")), std::invalid_argument);
  o.host = "127.0.0.1";
  o.connections = 0;
  EXPECT_THROW(bench::run_http_load(o, get("/")), std::invalid_argument);
}
