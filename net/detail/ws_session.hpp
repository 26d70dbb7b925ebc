#pragma once
// One WebSocket client (API.md "WebSocket"). Client messages: subscribe, unsubscribe, ping.
// Hub frames reach the session through a sink the hub calls on its own thread, which queues
// them on the lane of the session's I/O thread (frame_lane.hpp); a small bridge actor is what
// the hub monitors (its exit ends the session's subscriptions). Both hold only the session's
// outlet or lane and a weak pointer to it (io_gate.hpp says why they hold nothing more). The
// write queue is bounded: past half its cap, a progress frame replaces the queued
// progress frame of the same topic (latest wins); past the cap, the oldest queued progress
// frame is dropped; terminal frames are never dropped, and a client so slow that even those
// pile up to four times the cap is disconnected.

#include "net/api.hpp"
#include "net/detail/connection_slot.hpp"
#include "net/detail/frame_lane.hpp"
#include "net/detail/frame_queue.hpp"
#include "net/detail/io_gate.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <deque>
#include <map>
#include <set>

namespace jobmesh::net::detail {

class ws_session final : public frame_target, public std::enable_shared_from_this<ws_session> {
public:
  /// `who` is the caller the upgrade request authenticated as; every subscription is checked
  /// against it (API.md "Auth": a user follows its own jobs and `user:<its id>` only).
  ws_session(boost::asio::ip::tcp::socket socket, std::shared_ptr<const api_context> ctx,
             std::shared_ptr<connection_slot> slot, std::shared_ptr<io_gate> gate, std::shared_ptr<frame_lane> lane,
             identity who);
  ~ws_session();

  /// Completes the upgrade `req` asked for, then serves the client.
  void run(request req);

  /// Queues a hub frame for writing, handed over at `at`, and starts writing. On the session's
  /// I/O thread only, like `queue` and `flush` (frame_lane.hpp).
  void enqueue(actors::shared_frame frame, frame_queue::clock::time_point at);
  bool queue(actors::shared_frame frame, frame_queue::clock::time_point at) override;
  void flush() override;


private:
  void on_accept(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec);
  void handle_message(std::string_view text);
  void authorize_then_subscribe(const std::string& topic, std::int64_t since);
  void subscribe(const std::string& topic, std::int64_t since);
  void send_local(std::string_view topic, std::string_view type, std::string_view data);
  void do_write();
  void on_write(boost::beast::error_code ec);

  /// On the socket itself, not a beast::tcp_stream: the WebSocket's own timer keeps its timeouts
  /// (idle, handshake), and a tcp_stream's layer cost each frame's write an operation of its own.
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  boost::beast::flat_buffer buffer_;
  bool closed_ = false;
  std::set<std::string> topics_;
  /// Job topics waiting for the supervisor's word on their job, each with its latest request's
  /// number (an unsubscribe removes it: the answer then subscribes to nothing).
  std::map<std::string, std::uint64_t> asking_;
  std::uint64_t asks_ = 0;
  class session_sink;
  caf::actor bridge_;
  std::shared_ptr<session_sink> sink_;
  std::shared_ptr<const api_context> ctx_;
  identity who_;
  std::shared_ptr<connection_slot> slot_;
  std::shared_ptr<outlet> outlet_;  ///< how actors reach this session
  std::shared_ptr<frame_lane> lane_;  ///< how the hub's frames reach it
  frame_queue queue_;
};

/// True for the topics API.md defines: `job:<id>`, `user:<id>`, `jobs`, `analytics`.
bool is_valid_topic(std::string_view topic);

}  // namespace jobmesh::net::detail
