#pragma once
// A small Beast client for tests: HTTP calls and a WebSocket, every wait bounded by a timeout
// (asynchronous operations run with io_context::run_for), nothing sleeps. Beast's templates are
// instantiated once, in test_client.cpp, not in every test file that talks to a node.

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace jobmesh::testing {

namespace http = boost::beast::http;

inline constexpr std::chrono::seconds k_client_timeout{20};
/// The content type of NDJSON bodies (records, activity, bulk submits).
inline constexpr auto k_ndjson = "application/x-ndjson";

/// A JSON string's text (throws when `v` is not a string).
inline std::string text(const boost::json::value& v) {
  return std::string{v.as_string()};
}

struct http_reply {
  unsigned status = 0;
  std::string body;
  http::fields headers;

  boost::json::value json() const;
};

/// One request on a fresh connection; throws when it fails or takes longer than the timeout.
/// `content_type` goes with a body and with every state-changing request (empty: none);
/// `bearer`, when given, goes as `Authorization: Bearer <bearer>`.
http_reply http_call(std::uint16_t port, http::verb method, const std::string& target, const std::string& body = {},
                     const std::string& content_type = "application/json", const std::string& bearer = {});

/// A TCP connection to the server held open without a request (a connection-limit test's
/// filler).
class idle_connection {
public:
  explicit idle_connection(std::uint16_t port);
  ~idle_connection();

  /// Sends `bytes` as they are (a partial request, say).
  void send(const std::string& bytes);

  /// Whether the server closed the connection within `timeout` (anything it sent is skipped).
  bool closed_by_server_within(std::chrono::milliseconds timeout);

  /// What the server sent until it had sent `end` (or `timeout` passed, or it closed): the
  /// bytes up to and including the first `end`; what came after waits for the next call.
  std::string read_until(const std::string& end, std::chrono::milliseconds timeout);
  idle_connection(const idle_connection&) = delete;
  idle_connection& operator=(const idle_connection&) = delete;

private:
  struct socket;
  std::unique_ptr<socket> socket_;
};

/// A WebSocket on /api/v1/ws (or `target`).
class ws_client {
public:
  /// Connects and upgrades; throws when the server refuses. `origin`, when given, is sent as
  /// a browser would.
  explicit ws_client(std::uint16_t port, const std::string& target = "/api/v1/ws", const std::string& origin = {});
  ~ws_client();
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  void send(const std::string& text);

  /// The next message, or nullopt when none came within the timeout.
  std::optional<boost::json::object> next();

private:
  struct connection;
  std::unique_ptr<connection> connection_;
};

}  // namespace jobmesh::testing
