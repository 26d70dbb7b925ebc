#pragma once
/// HTTP/1.1 keep-alive load for the benches that measure the server over the network
/// (`match-query`, later `http` and `submit`): N connections, each sending its next request as
/// soon as the previous reply arrived (closed loop: the server's capacity, where latency is
/// mostly the wait behind the other connections), or at a fixed total rate (open loop: latency
/// at a given load, measured from when each request was due, so a slow reply also counts
/// against the requests it held up), for a fixed window after a warm-up, every latency
/// recorded. Beside it, one blocking keep-alive connection for a suite's setup steps
/// (ingest, readiness). Both speak to a numeric address only (the benches use loopback), and
/// every wait is bounded by a timeout.

#include <boost/beast/http/verb.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace jobmesh::bench {

/// One request to send.
struct http_request {
  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string target;        ///< origin form: "/path?query"
  std::string body;          ///< sent (with Content-Length) only when not empty
  std::string content_type;  ///< set only with a body
  std::string authorization; ///< the `Authorization` field, e.g. "Bearer <token>"; none when empty
};

/// A reply as a suite checks it.
struct http_reply {
  unsigned status = 0;
  std::string body;
};

/// The request the `sequence`-th request of the whole run sends (0, 1, 2, ... across every
/// connection, in the order they are sent). Called on a load thread: with `threads` > 1 it
/// must be safe to call from several threads at once.
using request_source = std::function<http_request(std::uint64_t sequence)>;

/// True when a 2xx reply is what the suite expected; a false one counts in `rejected`, with
/// `problem` (if set) as its description. Same threading rule as `request_source`.
using reply_check = std::function<bool(unsigned status, std::string_view body, std::string& problem)>;

struct http_load_options {
  std::string host = "127.0.0.1";  ///< a numeric address
  std::uint16_t port = 0;
  std::size_t connections = 32;
  /// 0: closed loop. Otherwise requests per second over all connections, spread evenly; a
  /// connection whose reply is late sends its next request at once, late.
  double rate_per_s = 0;
  unsigned threads = 1;       ///< io_context threads; the connections are spread over them
  double warm_up_s = 2;       ///< connections open and requests run, nothing recorded
  double duration_s = 10;     ///< the measured window
  std::chrono::milliseconds timeout{10'000};  ///< to connect, and for each request
  /// Called on a load thread when the window opens (true) and closes (false), e.g. to read a
  /// server's CPU time at both ends. May be empty.
  std::function<void(bool opening)> on_window;
};

/// What the window saw. A request counts when its reply arrived inside the window.
struct http_load_result {
  double seconds = 0;            ///< the window's length as measured
  double client_cpu_s = 0;       ///< this process's CPU time inside the window
  std::uint64_t requests = 0;    ///< replies inside the window, any status
  std::uint64_t non_2xx = 0;     ///< among `requests`
  std::uint64_t rejected = 0;    ///< 2xx replies the check refused, among `requests`
  std::uint64_t errors = 0;      ///< connect, write, read errors and timeouts, over the whole run
  std::uint64_t reconnects = 0;  ///< after an error or a reply without keep-alive
  double requests_per_s = 0;
  double mean_ms = 0, p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
  std::vector<std::string> problems;  ///< the first few errors, statuses and refusals, as text

  /// True when every request inside the window got a 2xx that passed the check, and no error.
  bool clean() const { return non_2xx == 0 && rejected == 0 && errors == 0 && requests > 0; }
};

/// Runs the load and blocks until the window closed and the requests still in flight ended
/// (each bounded by `timeout`). Throws std::invalid_argument for a bad option (no
/// connections, a host that is not a numeric address).
http_load_result run_http_load(const http_load_options& options, const request_source& source,
                               const reply_check& check = {});

/// One keep-alive connection with blocking calls, for setup steps. Not thread-safe.
class http_connection {
public:
  http_connection(std::string host, std::uint16_t port, std::chrono::milliseconds timeout);
  ~http_connection();
  http_connection(const http_connection&) = delete;
  http_connection& operator=(const http_connection&) = delete;

  /// Sends `request` (connecting first when needed) and returns the reply. Throws
  /// std::runtime_error naming the step on an error or a timeout; the connection is closed
  /// then, and the next call connects again.
  http_reply send(const http_request& request);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace jobmesh::bench
