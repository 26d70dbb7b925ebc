#pragma once
// A small Beast client for tests: HTTP calls and a WebSocket, every wait bounded by a timeout
// (asynchronous operations run with io_context::run_for), nothing sleeps.

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

namespace jobmesh::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

inline constexpr std::chrono::seconds k_client_timeout{20};

struct http_reply {
  unsigned status = 0;
  std::string body;
  http::fields headers;

  boost::json::value json() const { return boost::json::parse(body); }
};

// Runs `ioc` until `done` or the timeout; throws on timeout.
inline void run_until(asio::io_context& ioc, const bool& done, const char* what) {
  ioc.restart();
  ioc.run_for(k_client_timeout);
  if (!done)
    throw std::runtime_error(std::string{"timed out: "} + what);
}

/// One request on a fresh connection.
/// `bearer`, when given, goes as `Authorization: Bearer <bearer>`.
inline http_reply http_call(std::uint16_t port, http::verb method, const std::string& target,
                            const std::string& body = {}, const std::string& content_type = "application/json",
                            const std::string& bearer = {}) {
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  stream.connect(asio::ip::tcp::endpoint{asio::ip::make_address("127.0.0.1"), port});
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!bearer.empty())
    req.set(http::field::authorization, "Bearer " + bearer);
  if (!body.empty()) {
    req.set(http::field::content_type, content_type);
    req.body() = body;
  }
  req.prepare_payload();
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  bool done = false;
  beast::error_code error;
  http::async_write(stream, req, [&](beast::error_code ec, std::size_t) {
    if (ec) {
      error = ec;
      done = true;
      return;
    }
    http::async_read(stream, buffer, res, [&](beast::error_code ec2, std::size_t) {
      error = ec2;
      done = true;
    });
  });
  run_until(ioc, done, "http call");
  if (error)
    throw std::runtime_error("http call: " + error.message());
  return {res.result_int(), res.body(), res.base()};
}

/// A WebSocket on /api/v1/ws.
class ws_client {
public:
  explicit ws_client(std::uint16_t port, const std::string& target = "/api/v1/ws") : ws_(ioc_) {
    beast::get_lowest_layer(ws_).connect(asio::ip::tcp::endpoint{asio::ip::make_address("127.0.0.1"), port});
    ws_.handshake("127.0.0.1", target);
  }

  void send(const std::string& text) { ws_.write(asio::buffer(text)); }

  /// The next message, or nullopt when none came within the timeout.
  std::optional<boost::json::object> next() {
    bool done = false;
    beast::error_code error;
    buffer_.clear();
    ws_.async_read(buffer_, [&](beast::error_code ec, std::size_t) {
      error = ec;
      done = true;
    });
    ioc_.restart();
    ioc_.run_for(k_client_timeout);
    if (!done || error)
      return std::nullopt;
    return boost::json::parse(beast::buffers_to_string(buffer_.data())).as_object();
  }

private:
  asio::io_context ioc_;
  beast::websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
};

}  // namespace jobmesh::testing
