#pragma once
// A running node with tokens on (auth.mode jwt), for the tests of auth, limits and malformed
// input.

#include "net/auth.hpp"
#include "running_node.hpp"

#include <chrono>

namespace jobmesh::testing {

inline const std::string k_test_secret = "a test secret of at least 32 chars!";

class jwt_node : public running_node {
protected:
  void SetUp() override {
    running_node::SetUp();
    settings_.auth.mode = "jwt";
    settings_.auth.secret = k_test_secret;
  }

  /// A token of `sub` with role `r`, expiring `ttl_s` from now (negative: expired already),
  /// signed with `secret`.
  static std::string token(const std::string& sub, net::role r, std::int64_t ttl_s = 600,
                           const std::string& secret = k_test_secret) {
    auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
    return net::issue_token(secret, sub, r, now.count(), ttl_s);
  }

  /// One request as the holder of `bearer` (none when empty).
  http_reply as(const std::string& bearer, http::verb method, const std::string& target, const std::string& body = {},
                const std::string& type = "application/json") {
    return http_call(port_, method, target, body, type, bearer);
  }
};

}  // namespace jobmesh::testing
