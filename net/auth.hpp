#pragma once
/// Who a request acts as (API.md "Auth"). With `auth.mode` = `off` (the embedded demo, loopback
/// only) everyone is `demo` with role `admin`. With `jwt` a request carries a bearer token
/// (`Authorization: Bearer <token>`, or `?access_token=` on the WebSocket upgrade, where a
/// browser cannot set headers): HS256 only (the algorithm is pinned, never taken from the
/// token), signed with `auth.secret`, `exp` required and checked with `auth.leeway_s` of clock
/// leeway, `sub` the user and `role` one of `user`, `admin`, `service`. Tokens are made and
/// checked by libjwt; no cryptography is written here.

#include "config/settings.hpp"
#include "net/http.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace jobmesh::net {

/// `user` sees and acts on its own jobs; `admin` and `service` (another system) on everyone's
/// and write marketplace data; `admin` alone runs operations (stalled jobs, schedules).
enum class role : std::uint8_t { user, admin, service };

std::optional<role> parse_role(std::string_view text);
std::string_view to_string(role r);

/// The caller of a request.
struct identity {
  std::string user;
  net::role role = role::user;

  /// Runs operations: the stalled-job routes, schedules (admin).
  bool is_admin() const { return role == role::admin; }
  /// Sees and acts on every user's jobs and topics (admin, service).
  bool sees_all_jobs() const { return role != role::user; }
  /// Writes postings, candidates and activity (admin, service).
  bool writes_data() const { return role != role::user; }
};

/// Why a request has no identity: it gets 401 with this message.
struct auth_failure {
  std::string message;
};

/// The identity of `req` (its decoded `query` holds `access_token`, if any).
std::variant<identity, auth_failure> authenticate(const config::auth_settings& auth, const request& req,
                                                  const std::map<std::string, std::string>& query);

/// Checks `token` at `now_s` (seconds since the Unix epoch).
std::variant<identity, auth_failure> verify_token(std::string_view token, const std::string& secret,
                                                  std::int64_t leeway_s, std::int64_t now_s);

/// A token for `sub` with `role`, issued at `now_s`, expiring `ttl_s` later (`jobmesh token`).
/// Throws std::runtime_error when libjwt cannot make one.
std::string issue_token(const std::string& secret, const std::string& sub, role r, std::int64_t now_s,
                        std::int64_t ttl_s);

}  // namespace jobmesh::net
