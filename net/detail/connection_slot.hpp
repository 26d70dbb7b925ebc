#pragma once
// Counting open connections against server.max_connections: a slot is taken at accept and
// given back when the last session holding it goes away (HTTP or, after an upgrade, WebSocket).

#include <atomic>
#include <memory>

namespace jobmesh::net::detail {

class connection_slot {
public:
  explicit connection_slot(std::shared_ptr<std::atomic<std::int64_t>> open) : open_(std::move(open)) { ++*open_; }
  ~connection_slot() { --*open_; }
  connection_slot(const connection_slot&) = delete;
  connection_slot& operator=(const connection_slot&) = delete;

private:
  std::shared_ptr<std::atomic<std::int64_t>> open_;
};

}  // namespace jobmesh::net::detail
