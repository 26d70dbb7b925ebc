#pragma once
/// Token buckets per user on submissions and ingest (`limits.*`): a role's bucket holds `burst`
/// requests and refills at `per_s`; a request that finds it empty is refused with how long until
/// one is there (429 with `Retry-After`). Keyed by user id, so one user's burst never spends
/// another's budget; full buckets are forgotten once many users are tracked, so memory stays
/// bounded.

#include "config/settings.hpp"
#include "net/auth.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace jobmesh::net {

class rate_limiter {
public:
  using clock_fn = std::function<std::chrono::steady_clock::time_point()>;

  explicit rate_limiter(const config::limits_settings& limits, clock_fn now = nullptr);

  /// Takes one request from `who`'s bucket: nullopt when taken, else the wait until a token is
  /// there. Thread-safe.
  std::optional<std::chrono::milliseconds> take(const identity& who);

  /// The rule of `r`, for messages: "20 per second after a burst of 100".
  std::string describe(role r) const;

private:
  struct rule {
    double burst = 0;
    double per_s = 0;  ///< 0: unlimited
  };
  struct bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point at;
  };

  const rule& rule_of(role r) const;
  void forget_full_buckets(std::chrono::steady_clock::time_point now);

  rule user_, admin_, service_;
  clock_fn now_;
  std::mutex mutex_;
  std::unordered_map<std::string, bucket> buckets_;  ///< by role and user
};

}  // namespace jobmesh::net
