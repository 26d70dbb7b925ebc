// The ws bench suite's load generator (bench/ws_load.hpp) against a real node: its handshake,
// subscriptions and frame reading, what it counts as a delivery, and how it reports a server
// that does not speak WebSocket.
#include "bench/ws_load.hpp"
#include "running_node.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>

#include <string>
#include <vector>

using namespace jobmesh;
using namespace jobmesh::testing;
using ::testing::HasSubstr;

namespace {

class ws_load_test : public running_node {};

}  // namespace

TEST_F(ws_load_test, clients_follow_their_jobs_and_count_each_progress_event_once) {
  start();
  // Two jobs of 10 ms items (30 s: they run through the test, which cancels them): each item's
  // end is a progress event on the job's topic.
  std::vector<std::string> ids;
  for (int j = 0; j < 2; ++j) {
    auto reply = call(http::verb::post, "/api/v1/jobs",
                      R"({"type":"sleep","params":{"items":3000,"ms_per_item":10,"parallelism":1}})");
    ASSERT_EQ(reply.status, 202u) << reply.body;
    ids.emplace_back(reply.json().at("id").as_string());
  }
  bench::ws_clients_options o;
  o.port = port_;
  o.clients = 40;
  o.threads = 2;
  bench::ws_clients clients{o};
  clients.connect([](std::size_t i) { return fmt::format("user:quiet-{}", i); }, 30);
  clients.follow([&](std::size_t i) { return "job:" + ids[i % ids.size()]; }, 30);
  auto window = clients.measure(1.0);
  EXPECT_EQ(window.errors, 0u) << (window.problems.empty() ? "" : window.problems.front());
  // 40 clients, each job ~100 events a second: ~4,000 deliveries; far fewer means frames were
  // lost or miscounted, more means one was counted twice.
  EXPECT_GT(window.deliveries, 1'000u) << window.deliveries_per_s << " deliveries/s";
  EXPECT_LT(window.deliveries_per_s, 40 * 110.0) << "more deliveries than the jobs made events";
  // Latency is the receipt minus each frame's sent_at: some time passed for some frame, and
  // none took seconds on loopback (a sent_at misread, say as seconds or as 0, would be off by
  // years).
  EXPECT_GT(window.max_ms, 0.0);
  EXPECT_LT(window.max_ms, 10'000.0);
  for (const auto& id : ids)
    call(http::verb::post, "/api/v1/jobs/" + id + "/cancel");
}

TEST_F(ws_load_test, a_server_that_refuses_the_handshake_is_named_in_the_error) {
  start();
  bench::ws_clients_options o;
  o.port = port_;
  o.target = "/api/v1/no-such-socket";
  o.clients = 3;
  bench::ws_clients clients{o};
  try {
    clients.connect([](std::size_t) { return std::string{"jobs"}; }, 30);
    FAIL() << "clients connected to a path that is no WebSocket";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("0 of 3 clients subscribed"));
    EXPECT_THAT(e.what(), HasSubstr("handshake: the server answered 'HTTP/1.1 404"));
  }
}
