#pragma once
// Counting open connections against server.max_connections and, per client address,
// server.max_connections_per_ip: a slot is taken at accept and given back when the last session
// holding it goes away (HTTP or, after an upgrade, WebSocket), on whatever thread that is.

#include <boost/asio/ip/address.hpp>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

namespace jobmesh::net::detail {

/// Open connections, in all and by client address.
class connection_counts {
public:
  /// Counts one more from `peer` unless that would pass either limit; false when refused.
  bool try_open(const boost::asio::ip::address& peer, std::int64_t max_total, std::int64_t max_per_peer) {
    std::lock_guard lock{mutex_};
    auto& mine = by_peer_[peer];
    if (total_ >= max_total || mine >= max_per_peer) {
      if (mine == 0)
        by_peer_.erase(peer);
      return false;
    }
    ++mine;
    ++total_;
    return true;
  }

  void close(const boost::asio::ip::address& peer) {
    std::lock_guard lock{mutex_};
    --total_;
    if (auto it = by_peer_.find(peer); it != by_peer_.end() && --it->second <= 0)
      by_peer_.erase(it);
  }

  std::int64_t total() const {
    std::lock_guard lock{mutex_};
    return total_;
  }

private:
  mutable std::mutex mutex_;
  std::int64_t total_ = 0;
  std::map<boost::asio::ip::address, std::int64_t> by_peer_;
};

class connection_slot {
public:
  connection_slot(std::shared_ptr<connection_counts> counts, boost::asio::ip::address peer)
      : counts_(std::move(counts)), peer_(std::move(peer)) {}
  ~connection_slot() { counts_->close(peer_); }
  connection_slot(const connection_slot&) = delete;
  connection_slot& operator=(const connection_slot&) = delete;

private:
  std::shared_ptr<connection_counts> counts_;
  boost::asio::ip::address peer_;
};

}  // namespace jobmesh::net::detail
