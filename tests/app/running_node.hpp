#pragma once
// A real node on a free loopback port over a temporary SQLite file, for tests that drive it
// like a client would (HTTP and WebSocket).

#include "app/node.hpp"
#include "test_client.hpp"
#include "tests/scratch_dir.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

namespace jobmesh::testing {

class running_node : public ::testing::Test {
protected:
  void SetUp() override {
    settings_.server.port = 0;
    settings_.storage.db = dir_.sqlite_url("jobmesh.db");
    settings_.log.level = "warn";
  }
  void TearDown() override { node_.reset(); }

  /// Starts the node with `settings_`; its port (also in `port_`).
  std::uint16_t start() {
    app::setup_logging(settings_.log.level);
    node_ = std::make_unique<app::node>(settings_);
    port_ = node_->start();
    return port_;
  }

  /// One request to the node started last.
  http_reply call(http::verb method, const std::string& target, const std::string& body = {},
                  const std::string& type = "application/json") {
    return http_call(port_, method, target, body, type);
  }

  void stop() { node_.reset(); }

  /// Job `id` on the node at `port` once it has ended, polled every 10 ms for at most `bound`
  /// (a failure is reported when it does not end in time).
  boost::json::object await_end(std::uint16_t port, const std::string& id,
                                std::chrono::seconds bound = std::chrono::seconds(60)) {
    auto deadline = std::chrono::steady_clock::now() + bound;
    boost::json::object job;
    while (std::chrono::steady_clock::now() < deadline) {
      job = http_call(port, http::verb::get, "/api/v1/jobs/" + id).json().as_object();
      auto status = job.at("status").as_string();
      if (status == "completed" || status == "failed" || status == "cancelled")
        return job;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "job " << id << " did not end within " << bound.count() << " s";
    return job;
  }

  /// Submits a job (JSON `body`, expecting 202) and awaits its end.
  boost::json::object run_job(const std::string& body) {
    auto submitted = call(http::verb::post, "/api/v1/jobs", body);
    EXPECT_EQ(submitted.status, 202u) << submitted.body;
    if (submitted.status != 202u)
      return {};
    return await_end(port_, std::string{submitted.json().at("id").as_string()});
  }

  /// Posts NDJSON records to `/api/v1/<plural>` (postings or candidates), expecting 200.
  void ingest(const std::string& plural, const std::string& ndjson) {
    auto reply = call(http::verb::post, "/api/v1/" + plural, ndjson, "application/x-ndjson");
    ASSERT_EQ(reply.status, 200u) << reply.body;
  }

  /// Starts a node of 2 shards flushing progress every 20 ms, holding `postings` and
  /// `candidates` (NDJSON) and `activity` (NDJSON, every event expected to be taken).
  void start_marketplace(const std::string& postings, const std::string& candidates, const std::string& activity) {
    settings_.matching.shards = 2;
    settings_.jobs.progress_flush_ms = 20;
    start();
    ingest("postings", postings);
    ingest("candidates", candidates);
    auto events = std::count(activity.begin(), activity.end(), '\n');
    auto posted = call(http::verb::post, "/api/v1/activity", activity, "application/x-ndjson");
    ASSERT_EQ(posted.status, 200u) << posted.body;
    ASSERT_EQ(posted.json().at("accepted").as_int64(), events) << posted.body;
  }

  /// The first 100 results of a finished job in the result's order, as (item key, result).
  std::vector<std::pair<std::string, boost::json::object>> results_of(const boost::json::object& job) {
    std::vector<std::pair<std::string, boost::json::object>> out;
    auto page = result_of(job, "?limit=100");
    for (const auto& item : page.at("results").as_array())
      out.emplace_back(std::string{item.at("key").as_string()}, item.at("result").as_object());
    return out;
  }

  /// `GET /api/v1/jobs/{id}/result` of a job `run_job` returned, with a query string.
  boost::json::object result_of(const boost::json::object& job, const std::string& query = {}) {
    auto reply = call(http::verb::get, "/api/v1/jobs/" + std::string{job.at("id").as_string()} + "/result" + query);
    EXPECT_EQ(reply.status, 200u) << reply.body;
    return reply.json().as_object();
  }

  /// Submits one job (JSON `body`), expecting 202; its id.
  std::string submit(std::uint16_t port, const std::string& body) {
    auto reply = http_call(port, http::verb::post, "/api/v1/jobs", body);
    EXPECT_EQ(reply.status, 202u) << reply.body;
    return std::string{reply.json().at("id").as_string()};
  }

  scratch_dir dir_{"jobmesh_node"};
  config::settings settings_;
  std::unique_ptr<app::node> node_;
  std::uint16_t port_ = 0;
};

}  // namespace jobmesh::testing
