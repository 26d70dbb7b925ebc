#pragma once
// A real node on a free loopback port over a temporary SQLite file, for tests that drive it
// like a client would (HTTP and WebSocket).

#include "app/node.hpp"
#include "test_client.hpp"
#include "tests/scratch_dir.hpp"

#include <gtest/gtest.h>

#include <memory>

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
