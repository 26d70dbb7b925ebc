#include "net/rate_limit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace jobmesh::net {

namespace {

constexpr std::size_t k_forget_above = 100'000;  // users tracked before full buckets are dropped

}  // namespace

rate_limiter::rate_limiter(const config::limits_settings& l, clock_fn now)
    : user_{static_cast<double>(l.user_burst), static_cast<double>(l.user_per_s)},
      admin_{static_cast<double>(l.admin_burst), static_cast<double>(l.admin_per_s)},
      service_{static_cast<double>(l.service_burst), static_cast<double>(l.service_per_s)},
      now_(now ? std::move(now) : clock_fn{[] { return std::chrono::steady_clock::now(); }}) {}

const rate_limiter::rule& rate_limiter::rule_of(role r) const {
  switch (r) {
    case role::admin: return admin_;
    case role::service: return service_;
    case role::user: break;
  }
  return user_;
}

std::string rate_limiter::describe(role r) const {
  const auto& rl = rule_of(r);
  if (rl.per_s <= 0)
    return "unlimited";
  return fmt::format("{} per second after a burst of {}", rl.per_s, rl.burst);
}

std::optional<std::chrono::milliseconds> rate_limiter::take(const identity& who) {
  const auto& rl = rule_of(who.role);
  if (rl.per_s <= 0)
    return std::nullopt;
  auto now = now_();
  std::lock_guard lock{mutex_};
  if (buckets_.size() > k_forget_above)
    forget_full_buckets(now);
  auto key = std::string{to_string(who.role)} + ":" + who.user;
  auto [it, fresh] = buckets_.try_emplace(key, bucket{rl.burst, now});
  auto& b = it->second;
  if (!fresh) {
    std::chrono::duration<double> elapsed = now - b.at;
    b.tokens = std::min(rl.burst, b.tokens + std::max(0.0, elapsed.count()) * rl.per_s);
    b.at = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return std::nullopt;
  }
  auto wait_s = (1 - b.tokens) / rl.per_s;
  return std::chrono::milliseconds{static_cast<std::int64_t>(std::ceil(wait_s * 1000))};
}

void rate_limiter::forget_full_buckets(std::chrono::steady_clock::time_point now) {
  std::erase_if(buckets_, [&](const auto& entry) {
    auto role_name = std::string_view{entry.first}.substr(0, entry.first.find(':'));
    const auto& rl = rule_of(parse_role(role_name).value_or(role::user));
    std::chrono::duration<double> elapsed = now - entry.second.at;
    return entry.second.tokens + elapsed.count() * rl.per_s >= rl.burst;
  });
}

}  // namespace jobmesh::net
