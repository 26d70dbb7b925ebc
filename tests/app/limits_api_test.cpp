// Limits a real node keeps (API.md "Errors"): a user's token bucket on submissions (429 with
// Retry-After), the queue's bound (503 with Retry-After), and connections per client address.
#include "jwt_node.hpp"

#include <gmock/gmock.h>

#include <chrono>
#include <thread>

using namespace jobmesh;
using namespace jobmesh::testing;
using ::testing::HasSubstr;

namespace {

const std::string k_job = R"({"type":"noop","params":{"items":1}})";

class limits_api_test : public jwt_node {
protected:
  unsigned submit(const std::string& bearer, const std::string& body = k_job) {
    return http_call(port_, http::verb::post, "/api/v1/jobs", body, "application/json", bearer).status;
  }
};

}  // namespace

TEST_F(limits_api_test, a_users_burst_is_taken_then_429_with_retry_after_and_nobody_else_waits) {
  settings_.limits.user_burst = 3;
  settings_.limits.user_per_s = 1;
  start();
  auto alice = token("alice", net::role::user);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(submit(alice), 202u) << "submission " << i << " of the burst";
  auto limited = http_call(port_, http::verb::post, "/api/v1/jobs", k_job, "application/json", alice);
  ASSERT_EQ(limited.status, 429u);
  EXPECT_EQ(limited.headers[http::field::retry_after], "1");
  EXPECT_EQ(std::string{limited.json().at("error").at("code").as_string()}, "rate_limited");
  EXPECT_THAT(std::string{limited.json().at("error").at("message").as_string()},
              HasSubstr("1 per second after a burst of 3"));
  // Malformed submissions spend the bucket too: a flood of garbage is a flood.
  EXPECT_EQ(submit(alice, "{"), 429u);
  EXPECT_EQ(submit(token("bob", net::role::user)), 202u) << "bob has a bucket of his own";
  auto admin = token("ops", net::role::admin);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(submit(admin), 202u) << "admin is unlimited unless configured";
  // One token a second: alice gets through again within a couple of seconds, no sooner than
  // the refill allows (the refusals above took nothing).
  auto refused_at = std::chrono::steady_clock::now();
  auto deadline = refused_at + std::chrono::seconds{5};
  unsigned status = 429;
  while (status == 429 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
    status = submit(alice);
  }
  EXPECT_EQ(status, 202u);
  auto jobs = http_call(port_, http::verb::get, "/api/v1/jobs?user=alice", {}, "application/json", alice);
  EXPECT_EQ(jobs.json().at("jobs").as_array().size(), 4u) << "three of the burst and one after the refill";
}

TEST_F(limits_api_test, a_full_queue_is_503_with_retry_after_and_stores_nothing) {
  settings_.jobs.queue_limit = 2;
  settings_.jobs.max_concurrent = 1;
  start();
  auto admin = token("ops", net::role::admin);
  const std::string slow = R"({"type":"sleep","params":{"items":100,"ms_per_item":50}})";
  auto first = http_call(port_, http::verb::post, "/api/v1/jobs", slow, "application/json", admin);
  ASSERT_EQ(first.status, 202u);
  auto first_url = "/api/v1/jobs/" + std::string{first.json().at("id").as_string()};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  std::string status;
  while (status != "running" && std::chrono::steady_clock::now() < deadline) {
    status = http_call(port_, http::verb::get, first_url, {}, "application/json", admin).json().at("status").as_string();
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  ASSERT_EQ(status, "running") << "the first job runs; the queue is empty";
  ASSERT_EQ(submit(admin, slow), 202u);  // waits
  ASSERT_EQ(submit(admin, slow), 202u);  // waits: the queue is at its bound
  auto full = http_call(port_, http::verb::post, "/api/v1/jobs", slow, "application/json", admin);
  ASSERT_EQ(full.status, 503u) << full.body;
  EXPECT_EQ(full.headers[http::field::retry_after], "1");
  EXPECT_EQ(std::string{full.json().at("error").at("code").as_string()}, "overloaded");
  EXPECT_THAT(std::string{full.json().at("error").at("message").as_string()}, HasSubstr("its limit is 2"));
  auto listed = http_call(port_, http::verb::get, "/api/v1/jobs", {}, "application/json", admin);
  EXPECT_EQ(listed.json().at("jobs").as_array().size(), 3u);
}

TEST_F(limits_api_test, connections_past_the_per_address_cap_are_refused_until_one_closes) {
  settings_.server.max_connections_per_ip = 2;
  start();
  {
    idle_connection first{port_};
    idle_connection second{port_};
    // Connections are accepted in the order they came: the two above are counted first.
    EXPECT_THROW(http_call(port_, http::verb::get, "/healthz"), std::runtime_error);
  }
  // The server sees the two close on its own time: poll, bounded.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{5};
  unsigned status = 0;
  while (status != 200 && std::chrono::steady_clock::now() < deadline) {
    try {
      status = http_call(port_, http::verb::get, "/healthz").status;
    } catch (const std::runtime_error&) {
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
  }
  EXPECT_EQ(status, 200u);
}
