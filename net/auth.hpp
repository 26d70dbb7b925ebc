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
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
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

/// Tokens a server verified, so that a client's next request with the same token skips
/// libjwt's decode and HMAC (~4.5 µs a token in a loop on a 2-vCPU VM; ~3 µs of the ~25 µs of
/// server CPU a GET of a finished job took with JWT auth on). Keyed by the whole token, its signature included, and
/// holding only tokens that passed, each until its `exp` (with the leeway): a hit answers what
/// verify_token would. One per server (its secret); at most `capacity` tokens, all dropped
/// when it is full. Thread-safe.
class token_cache {
public:
  static constexpr std::size_t k_capacity = 4096;

  explicit token_cache(std::size_t capacity = k_capacity) : capacity_(capacity) {}

  /// The identity `token` was verified as, if it was and has not expired at `now_s`.
  std::optional<identity> find(const std::string& token, std::int64_t now_s, std::int64_t leeway_s);
  /// Keeps `token`, verified as `who`, until `exp_s` (+ leeway).
  void keep(const std::string& token, identity who, std::int64_t exp_s);
  std::size_t size() const;

private:
  struct entry {
    identity who;
    std::int64_t exp_s = 0;
  };
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, entry> tokens_;  ///< guarded by mutex_
};

/// The identity of `req` (its decoded `query` holds `access_token`, if any); with `verified`,
/// a token verified before is taken from it and a token that passes is kept there.
std::variant<identity, auth_failure> authenticate(const config::auth_settings& auth, const request& req,
                                                  const std::map<std::string, std::string>& query,
                                                  token_cache* verified = nullptr);

/// Checks `token` at `now_s` (seconds since the Unix epoch).
std::variant<identity, auth_failure> verify_token(std::string_view token, const std::string& secret,
                                                  std::int64_t leeway_s, std::int64_t now_s);

/// A token for `sub` with `role`, issued at `now_s`, expiring `ttl_s` later (`jobmesh token`).
/// Throws std::runtime_error when libjwt cannot make one.
std::string issue_token(const std::string& secret, const std::string& sub, role r, std::int64_t now_s,
                        std::int64_t ttl_s);

}  // namespace jobmesh::net
