#pragma once
/// What keeps a server safe from the browsers near it (API.md "Auth"), checked before any
/// handler runs:
/// - a state-changing request (POST, PUT, PATCH, DELETE) carries a JSON Content-Type (NDJSON
///   where the route takes it): a page elsewhere cannot send one without the browser asking
///   first, so a cross-site form or `text/plain` POST never reaches a handler (415);
/// - such a request, and the WebSocket upgrade, carrying an `Origin` must come from an allowed
///   origin: the server's own (the scheme and the `Host` the request was sent to) or one of
///   `server.allowed_origins` (403 `forbidden_origin`);
/// - with `auth.mode` off, every request's `Host` must name this loopback server (localhost,
///   127.0.0.1, [::1] or `server.host`), so a DNS name rebound to 127.0.0.1 cannot reach it
///   from a browser (403 `forbidden_host`).

#include "config/settings.hpp"
#include "net/http.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobmesh::net {

class exposure {
public:
  /// Throws std::invalid_argument when `server.allowed_origins` is malformed.
  explicit exposure(const config::settings& s);

  /// The refusal of `req`, or nullopt when it may go on. `ndjson_allowed`: its route takes
  /// `application/x-ndjson`.
  std::optional<response> check(const request& req, bool ndjson_allowed) const;

  /// The refusal of a WebSocket upgrade, or nullopt.
  std::optional<response> check_upgrade(const request& req) const;

private:
  std::optional<response> check_host(const request& req) const;
  std::optional<response> check_origin(const request& req) const;

  std::vector<std::string> origins_;
  std::vector<std::string> hosts_;  ///< names `Host` may carry (auth off); empty: any
};

/// Whether `method` changes state (POST, PUT, PATCH, DELETE).
bool changes_state(http::verb method);

}  // namespace jobmesh::net
