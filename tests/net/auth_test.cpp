// Tokens as API.md "Auth" wants them: HS256 only, signed with the server's secret, `exp`
// required (with leeway), `sub` and a known `role`; a token that passed is kept by its server
// until it expires, and nothing else is.
#include "net/auth.hpp"

#include <gmock/gmock.h>
#include <jwt.h>

#include <chrono>
#include <cstdlib>

using namespace jobmesh;
namespace http = boost::beast::http;
using ::testing::HasSubstr;

namespace {

const std::string k_secret = "0123456789abcdef0123456789abcdef";
constexpr std::int64_t k_now = 1'900'000'000;

std::string failure_of(const std::variant<net::identity, net::auth_failure>& v) {
  const auto* f = std::get_if<net::auth_failure>(&v);
  return f ? f->message : std::string{"(accepted)"};
}

// A token made by libjwt directly, to build the ones jobmesh must refuse.
std::string raw_token(jwt_alg_t alg, const std::string& key, bool with_exp, const char* role = "user") {
  jwt_t* j = nullptr;
  jwt_new(&j);
  jwt_add_grant(j, "sub", "alice");
  jwt_add_grant(j, "role", role);
  if (with_exp)
    jwt_add_grant_int(j, "exp", k_now + 60);
  jwt_set_alg(j, alg, alg == JWT_ALG_NONE ? nullptr : reinterpret_cast<const unsigned char*>(key.data()),
              alg == JWT_ALG_NONE ? 0 : static_cast<int>(key.size()));
  char* text = jwt_encode_str(j);
  std::string out = text ? text : "";
  std::free(text);
  jwt_free(j);
  return out;
}

}  // namespace

TEST(auth, a_token_jobmesh_issued_names_its_user_and_role) {
  auto token = net::issue_token(k_secret, "alice", net::role::service, k_now, 3600);
  auto who = net::verify_token(token, k_secret, 30, k_now + 10);
  ASSERT_TRUE(std::holds_alternative<net::identity>(who)) << failure_of(who);
  EXPECT_EQ(std::get<net::identity>(who).user, "alice");
  EXPECT_EQ(std::get<net::identity>(who).role, net::role::service);
}

TEST(auth, expiry_is_checked_with_the_leeway) {
  auto token = net::issue_token(k_secret, "alice", net::role::user, k_now, 60);
  EXPECT_TRUE(std::holds_alternative<net::identity>(net::verify_token(token, k_secret, 30, k_now + 80)));
  EXPECT_THAT(failure_of(net::verify_token(token, k_secret, 30, k_now + 100)), HasSubstr("expired"));
}

TEST(auth, a_wrong_secret_another_algorithm_none_or_garbage_is_refused) {
  auto token = net::issue_token(k_secret, "alice", net::role::admin, k_now, 60);
  EXPECT_THAT(failure_of(net::verify_token(token, "another secret, also 32 characters", 30, k_now)),
              HasSubstr("signature"));
  EXPECT_THAT(failure_of(net::verify_token(raw_token(JWT_ALG_HS512, k_secret, true), k_secret, 30, k_now)),
              HasSubstr("HS256"));
  EXPECT_NE(failure_of(net::verify_token(raw_token(JWT_ALG_NONE, k_secret, true), k_secret, 30, k_now)), "(accepted)");
  EXPECT_NE(failure_of(net::verify_token("not.a.token", k_secret, 30, k_now)), "(accepted)");
  EXPECT_NE(failure_of(net::verify_token("", k_secret, 30, k_now)), "(accepted)");
}

TEST(auth, exp_sub_and_a_known_role_are_required) {
  EXPECT_THAT(failure_of(net::verify_token(raw_token(JWT_ALG_HS256, k_secret, false), k_secret, 30, k_now)),
              HasSubstr("exp"));
  EXPECT_THAT(failure_of(net::verify_token(raw_token(JWT_ALG_HS256, k_secret, true, "root"), k_secret, 30, k_now)),
              HasSubstr("role"));
}

namespace {

net::request with_bearer(const std::string& token) {
  net::request req{http::verb::get, "/api/v1/jobs", 11};
  req.set(http::field::authorization, "Bearer " + token);
  return req;
}

config::auth_settings jwt_settings() {
  config::auth_settings auth;
  auth.mode = "jwt";
  auth.secret = k_secret;
  return auth;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

TEST(token_cache, a_verified_token_is_kept_until_it_expires_with_the_leeway) {
  net::token_cache cache;
  cache.keep("t", net::identity{"alice", net::role::service}, k_now + 60);
  auto who = cache.find("t", k_now + 80, 30);
  ASSERT_TRUE(who);
  EXPECT_EQ(who->user, "alice");
  EXPECT_EQ(who->role, net::role::service);
  EXPECT_FALSE(cache.find("t", k_now + 100, 30));
  EXPECT_EQ(cache.size(), 0u);  // dropped once found expired
  EXPECT_FALSE(cache.find("another", k_now, 30));
}

TEST(token_cache, holds_at_most_its_capacity) {
  net::token_cache cache{3};
  for (int i = 0; i < 7; ++i)
    cache.keep("t" + std::to_string(i), net::identity{"u" + std::to_string(i), net::role::user}, k_now + 60);
  EXPECT_LE(cache.size(), 3u);
  auto last = cache.find("t6", k_now, 30);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->user, "u6");
}

TEST(token_cache, authenticate_keeps_only_tokens_that_pass) {
  auto auth = jwt_settings();
  net::token_cache cache;
  auto good = net::issue_token(k_secret, "alice", net::role::admin, unix_now(), 3600);
  for (int i = 0; i < 2; ++i) {
    auto who = net::authenticate(auth, with_bearer(good), {}, &cache);
    ASSERT_TRUE(std::holds_alternative<net::identity>(who)) << failure_of(who);
    EXPECT_EQ(std::get<net::identity>(who).user, "alice");
  }
  EXPECT_EQ(cache.size(), 1u);
  auto forged = net::issue_token("another secret, also 32 characters", "mallory", net::role::admin, unix_now(), 3600);
  auto expired = net::issue_token(k_secret, "bob", net::role::user, unix_now() - 7200, 3600);
  for (int i = 0; i < 2; ++i) {
    EXPECT_THAT(failure_of(net::authenticate(auth, with_bearer(forged), {}, &cache)), HasSubstr("signature"));
    EXPECT_THAT(failure_of(net::authenticate(auth, with_bearer(expired), {}, &cache)), HasSubstr("expired"));
  }
  EXPECT_EQ(cache.size(), 1u);
}

// What the cache holds is answered without libjwt: here a token it was given by hand (a
// server only ever keeps tokens that passed), which libjwt would refuse.
TEST(token_cache, authenticate_answers_a_kept_token_from_the_cache) {
  auto auth = jwt_settings();
  net::token_cache cache;
  auto signed_elsewhere = net::issue_token("another secret, also 32 characters", "carol", net::role::user,
                                             unix_now(), 3600);
  cache.keep(signed_elsewhere, net::identity{"carol", net::role::user}, unix_now() + 3600);
  auto who = net::authenticate(auth, with_bearer(signed_elsewhere), {}, &cache);
  ASSERT_TRUE(std::holds_alternative<net::identity>(who)) << failure_of(who);
  EXPECT_EQ(std::get<net::identity>(who).user, "carol");
  // Without the cache, the same request is refused.
  EXPECT_THAT(failure_of(net::authenticate(auth, with_bearer(signed_elsewhere), {})), HasSubstr("signature"));
}
