// The token buckets of `limits.*` on a clock the test moves.
#include "net/rate_limit.hpp"

#include <gmock/gmock.h>

using namespace jobmesh;
using namespace std::chrono_literals;

namespace {

struct fake_clock {
  std::chrono::steady_clock::time_point now{};
};

net::identity user(std::string name, net::role r = net::role::user) {
  return {std::move(name), r};
}

}  // namespace

TEST(rate_limiter, a_burst_then_the_rate_and_the_wait_is_exact) {
  config::limits_settings limits;
  limits.user_burst = 100;
  limits.user_per_s = 20;
  auto clock = std::make_shared<fake_clock>();
  net::rate_limiter limiter{limits, [clock] { return clock->now; }};
  for (int i = 0; i < 100; ++i)
    ASSERT_EQ(limiter.take(user("alice")), std::nullopt) << i;
  auto wait = limiter.take(user("alice"));
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 50ms) << "one token every 1/20 s";
  clock->now += 25ms;
  EXPECT_EQ(limiter.take(user("alice")), 25ms);
  clock->now += 25ms;
  EXPECT_EQ(limiter.take(user("alice")), std::nullopt);
  // A second of rest gives 20 more, never more than the burst.
  clock->now += 1s;
  for (int i = 0; i < 20; ++i)
    ASSERT_EQ(limiter.take(user("alice")), std::nullopt) << i;
  EXPECT_TRUE(limiter.take(user("alice")));
  clock->now += 1h;
  for (int i = 0; i < 100; ++i)
    ASSERT_EQ(limiter.take(user("alice")), std::nullopt) << i;
  EXPECT_TRUE(limiter.take(user("alice")));
}

TEST(rate_limiter, each_user_has_a_bucket_and_roles_follow_their_own_rule) {
  config::limits_settings limits;
  limits.user_burst = 2;
  limits.user_per_s = 1;
  limits.service_burst = 5;
  limits.service_per_s = 10;
  auto clock = std::make_shared<fake_clock>();
  net::rate_limiter limiter{limits, [clock] { return clock->now; }};
  EXPECT_EQ(limiter.take(user("alice")), std::nullopt);
  EXPECT_EQ(limiter.take(user("alice")), std::nullopt);
  EXPECT_EQ(limiter.take(user("alice")), 1000ms);
  EXPECT_EQ(limiter.take(user("bob")), std::nullopt) << "alice's burst is not bob's";
  for (int i = 0; i < 10'000; ++i)
    ASSERT_EQ(limiter.take(user("ops", net::role::admin)), std::nullopt) << "admin: per_s 0 is unlimited";
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(limiter.take(user("feed", net::role::service)), std::nullopt);
  EXPECT_EQ(limiter.take(user("feed", net::role::service)), 100ms);
  EXPECT_EQ(limiter.describe(net::role::user), "1 per second after a burst of 2");
  EXPECT_EQ(limiter.describe(net::role::admin), "unlimited");
}
