#pragma once
/// HTTP routing: method + path pattern (`/api/v1/jobs/{id}/progress`) to a handler. Unknown
/// paths answer 404 and known paths with another method 405 with `Allow`, here, once.

#include "net/auth.hpp"
#include "net/http.hpp"

#include <functional>
#include <map>
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

class router {
public:
  /// Routes `method` on `pattern` (segments; `{name}` matches one segment) to `h`.
  void add(http::verb method, std::string pattern, handler h);

  /// Calls the handler of `req`, or replies 400/404/405 itself.
  void dispatch(std::shared_ptr<const request> req, responder respond) const;

  /// True if some route matches the path of `target` (any method).
  bool knows(std::string_view target) const;

  /// Every route under `/api/` passes `g` first.
  void set_guard(guard g) { guard_ = std::move(g); }

private:
  struct route {
    http::verb method;
    std::vector<std::string> segments;
    handler h;
  };
  std::vector<route> routes_;
  guard guard_;
};

/// The segments of a path: "/a/b/" -> {"a", "b"}.
std::vector<std::string> split_path(std::string_view path);

}  // namespace jobmesh::net
