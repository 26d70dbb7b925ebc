#pragma once
/// Many WebSocket clients for the `ws` suite, speaking API.md's WebSocket protocol
/// (`{"op":"subscribe","topic":...}`; frames `{"topic","seq","type","data","sent_at"}`) to a
/// numeric address: each client follows one topic, and inside a measured window every
/// `progress` frame of its topic counts as a delivery with its latency (the receive time minus
/// the frame's `sent_at`, both on this machine's clock). The replay of a topic's latest event
/// that follows `subscribed` is not a delivery: only frames with a `seq` past the one
/// `subscribed` carried count. Every wait is bounded.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace jobmesh::bench {

struct ws_clients_options {
  std::string host = "127.0.0.1";  ///< a numeric address
  std::uint16_t port = 0;
  std::string target = "/api/v1/ws";
  std::size_t clients = 10'000;
  unsigned threads = 1;                ///< threads, each an epoll loop; the clients are spread over them
  std::size_t connects_in_flight = 256;  ///< handshakes under way at once, at most
  double timeout_s = 30;               ///< to connect and shake hands
};

/// What one window saw, over every client.
struct ws_window {
  double seconds = 0;
  std::uint64_t deliveries = 0;  ///< progress frames of the followed topics, received in the window
  double deliveries_per_s = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  std::uint64_t errors = 0;  ///< clients whose connection failed or closed, since the start
  std::vector<std::string> problems;  ///< the first few errors, as text
};

/// Topic of client `i` (0-based).
using topic_of_client = std::function<std::string(std::size_t i)>;

class ws_clients {
public:
  /// Starts the threads; connects nobody yet. Throws std::invalid_argument for a host that is
  /// not a numeric address or no clients.
  explicit ws_clients(ws_clients_options options);
  /// Stops the threads and closes every connection.
  ~ws_clients();
  ws_clients(const ws_clients&) = delete;
  ws_clients& operator=(const ws_clients&) = delete;

  /// Connects every client and subscribes client i to `topic(i)`; returns once each has its
  /// `subscribed` frame. Throws std::runtime_error naming how many got there when some did
  /// not within `bound_s`, or when a client failed.
  void connect(const topic_of_client& topic, double bound_s);

  /// Every client leaves its topic and follows `topic(i)` instead; returns once each has the
  /// new topic's `subscribed` frame (same errors as connect).
  void follow(const topic_of_client& topic, double bound_s);

  /// Counts deliveries for `seconds` from now, blocking meanwhile.
  ws_window measure(double seconds);

  std::size_t size() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace jobmesh::bench
