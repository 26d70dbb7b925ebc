#pragma once
// One HTTP connection: reads a request (header within the idle timeout, body within the read
// timeout, both within the size limits), routes it, writes the reply, and repeats while the
// client keeps the connection alive. An upgrade on /api/v1/ws becomes a WebSocket session.
// While the engine works on a request, a timer (not the actor that answers) keeps the session
// alive: actors reach it only through its outlet and a weak pointer (io_gate.hpp says why).

#include "net/api.hpp"
#include "net/detail/connection_slot.hpp"
#include "net/detail/frame_lane.hpp"
#include "net/detail/io_gate.hpp"
#include "net/exposure.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <optional>

namespace jobmesh::net::detail {

/// Writes `res` into `out` as it goes on the wire: start line, fields, the blank line, and the
/// body when `with_body` (not for a HEAD). `res` must carry its framing (Content-Length).
void write_reply(const response& res, bool with_body, std::string& out);

class http_session : public std::enable_shared_from_this<http_session> {
public:
  http_session(boost::asio::ip::tcp::socket socket, std::shared_ptr<const api_context> ctx,
               std::shared_ptr<const router> routes, std::shared_ptr<connection_slot> slot,
               std::shared_ptr<io_gate> gate, std::shared_ptr<frame_lane> lane,
               std::shared_ptr<const exposure> checks);
  ~http_session();

  /// Starts reading; the session keeps itself alive while it has work.
  void run();

private:
  /// How much of a large body one read may take (see on_read_header).
  static constexpr std::size_t k_body_read_block = 64 * 1024;
  /// The reply buffer kept between replies; one grown past it by a large reply is freed.
  static constexpr std::size_t k_reply_buffer_kept = 64 * 1024;

  void do_read();
  void on_read_header(boost::beast::error_code ec);
  void read_body();
  void on_read(boost::beast::error_code ec);
  void reply_to_read_error(boost::beast::error_code ec);
  void handle(request req);
  void await_answer(unsigned version, bool keep_alive);
  void on_answer(response res);
  void do_write(response res);
  void on_write(bool keep_alive, boost::beast::error_code ec);
  void do_close();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string out_;  ///< the reply being written, whole (write_reply)
  boost::asio::steady_timer answer_timer_;
  bool awaiting_answer_ = false;
  bool head_ = false;  ///< the request being answered is a HEAD: its reply goes without the body
  std::shared_ptr<const api_context> ctx_;
  std::shared_ptr<const router> routes_;
  std::shared_ptr<connection_slot> slot_;
  std::shared_ptr<io_gate> gate_;
  std::shared_ptr<frame_lane> lane_;  ///< its I/O thread's, handed on to a WebSocket session
  std::shared_ptr<outlet> outlet_;  ///< how actors reach this session
  std::shared_ptr<const exposure> checks_;  ///< Host and Origin of the WebSocket upgrade
};

}  // namespace jobmesh::net::detail
