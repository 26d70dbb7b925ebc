#pragma once
/// HTTP routing: method + path pattern (`/api/v1/jobs/{id}/progress`) to a handler. Unknown
/// paths answer 404 and known paths with another method 405 with `Allow`, here, once.

#include "actors/metrics.hpp"
#include "net/auth.hpp"
#include "net/http.hpp"

#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

namespace jobmesh::net {

/// Sends the reply of one request; callable from any thread, exactly once.
using responder = std::function<void(response)>;

/// What a handler gets: the request, the `{name}` segments of its path, its decoded query.
struct route_request {
  std::shared_ptr<const request> req;
  std::map<std::string, std::string> path;
  std::map<std::string, std::string> query;
  identity who;  ///< the caller, as the guard found it (routes under /api/)
};

using handler = std::function<void(route_request, responder)>;

/// Decides who a request under `/api/` acts as before its handler runs: the caller, or the
/// reply that refuses the request (401).
using guard = std::function<std::variant<identity, response>(const request&, const std::map<std::string, std::string>&)>;

/// The bodies a route takes: JSON, or also NDJSON (many records in one request).
enum class body_kinds : std::uint8_t { json, json_or_ndjson };

/// Looks at every request a route matched before its guard: the refusal, or nullopt to go on
/// (exposure.hpp: Host, Origin, Content-Type).
using screen = std::function<std::optional<response>(const request&, body_kinds)>;

class router {
public:
  /// Routes `method` on `pattern` (segments; `{name}` matches one segment) to `h`.
  void add(http::verb method, std::string pattern, handler h, body_kinds accepts = body_kinds::json);

  /// Routes like `add`, but the guard does not run: the route needs no token (health, the
  /// OpenAPI document).
  void add_open(http::verb method, std::string pattern, handler h);

  /// Every route as (method, pattern), in the order added.
  std::vector<std::pair<http::verb, std::string>> routes() const;

  /// Calls the handler of `req`, or replies 400/404/405 itself.
  void dispatch(std::shared_ptr<const request> req, responder respond) const;

  /// True if some route matches the path of `target` (any method).
  bool knows(std::string_view target) const;

  /// Every route under `/api/` passes `g` first.
  void set_guard(guard g) { guard_ = std::move(g); }

  /// Every matched request passes `s` first.
  void set_screen(screen s) { screen_ = std::move(s); }

  /// Every request is counted in `m`, by route pattern and status code, with its latency.
  void set_metrics(std::shared_ptr<actors::metrics> m) { metrics_ = std::move(m); }

private:
  struct route {
    http::verb method;
    std::vector<std::string> segments;
    handler h;
    body_kinds accepts;
    bool open = false;  ///< no guard
    std::string pattern;
  };
  std::vector<route> routes_;
  guard guard_;
  screen screen_;
  std::shared_ptr<actors::metrics> metrics_;
};

/// The segments of a path: "/a/b/" -> {"a", "b"}.
std::vector<std::string> split_path(std::string_view path);

}  // namespace jobmesh::net
