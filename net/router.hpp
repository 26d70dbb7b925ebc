#pragma once
/// HTTP routing: method + path pattern (`/api/v1/jobs/{id}/progress`) to a handler. Unknown
/// paths answer 404 and known paths with another method 405 with `Allow`, here, once.

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
};

using handler = std::function<void(route_request, responder)>;

class router {
public:
  /// Routes `method` on `pattern` (segments; `{name}` matches one segment) to `h`.
  void add(http::verb method, std::string pattern, handler h);

  /// Calls the handler of `req`, or replies 400/404/405 itself.
  void dispatch(std::shared_ptr<const request> req, responder respond) const;

  /// True if some route matches the path of `target` (any method).
  bool knows(std::string_view target) const;

private:
  struct route {
    http::verb method;
    std::vector<std::string> segments;
    handler h;
  };
  std::vector<route> routes_;
};

/// The segments of a path: "/a/b/" -> {"a", "b"}.
std::vector<std::string> split_path(std::string_view path);

}  // namespace jobmesh::net
