#include "net/auth.hpp"

#include <fmt/format.h>
#include <jwt.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace jobmesh::net {

namespace {

struct jwt_deleter {
  void operator()(jwt_t* j) const { jwt_free(j); }
};
using jwt_ptr = std::unique_ptr<jwt_t, jwt_deleter>;

const unsigned char* key_of(const std::string& secret) {
  return reinterpret_cast<const unsigned char*>(secret.data());
}

std::string bearer_token(const request& req, const std::map<std::string, std::string>& query) {
  auto header = req[http::field::authorization];
  constexpr std::string_view k_bearer = "Bearer ";
  if (header.size() > k_bearer.size() && header.substr(0, k_bearer.size()) == k_bearer)
    return std::string{header.substr(k_bearer.size())};
  if (auto it = query.find("access_token"); it != query.end())
    return it->second;
  return {};
}

// A grant that must be a string, or nullopt when absent or of another type.
std::optional<std::string> string_grant(jwt_t* j, const char* name) {
  errno = 0;
  const char* value = jwt_get_grant(j, name);
  if (value == nullptr || errno != 0)
    return std::nullopt;
  return std::string{value};
}

}  // namespace

std::optional<role> parse_role(std::string_view text) {
  if (text == "user")
    return role::user;
  if (text == "admin")
    return role::admin;
  if (text == "service")
    return role::service;
  return std::nullopt;
}

std::string_view to_string(role r) {
  switch (r) {
    case role::user: return "user";
    case role::admin: return "admin";
    case role::service: return "service";
  }
  return "user";
}

namespace {

/// Whether a token expiring at `exp_s` is refused at `now_s`, given `leeway_s` of clock leeway.
bool expired(std::int64_t exp_s, std::int64_t leeway_s, std::int64_t now_s) {
  return exp_s + leeway_s < now_s;
}

/// A token that passed, and when it expires.
struct verified_token {
  identity who;
  std::int64_t exp_s = 0;
};

std::variant<verified_token, auth_failure> verify(std::string_view token, const std::string& secret,
                                                  std::int64_t leeway_s, std::int64_t now_s) {
  jwt_t* raw = nullptr;
  std::string text{token};
  // With a key given, libjwt checks the signature (and refuses alg "none"); the algorithm is
  // then pinned below, so a token signed another way is refused even with the right key.
  if (jwt_decode(&raw, text.c_str(), key_of(secret), static_cast<int>(secret.size())) != 0 || raw == nullptr)
    return auth_failure{"the token is malformed or its signature does not match"};
  jwt_ptr j{raw};
  if (jwt_get_alg(j.get()) != JWT_ALG_HS256)
    return auth_failure{"the token must be signed with HS256"};
  errno = 0;
  auto exp = jwt_get_grant_int(j.get(), "exp");
  if (errno != 0)
    return auth_failure{"the token has no exp (expiry) claim"};
  if (expired(exp, leeway_s, now_s))
    return auth_failure{"the token has expired"};
  auto sub = string_grant(j.get(), "sub");
  if (!sub || sub->empty())
    return auth_failure{"the token has no sub (user) claim"};
  auto role_text = string_grant(j.get(), "role");
  auto r = role_text ? parse_role(*role_text) : std::nullopt;
  if (!r)
    return auth_failure{"the token's role must be user, admin or service"};
  return verified_token{identity{*sub, *r}, exp};
}

}  // namespace

std::variant<identity, auth_failure> verify_token(std::string_view token, const std::string& secret,
                                                  std::int64_t leeway_s, std::int64_t now_s) {
  auto v = verify(token, secret, leeway_s, now_s);
  if (auto* failure = std::get_if<auth_failure>(&v))
    return std::move(*failure);
  return std::get<verified_token>(std::move(v)).who;
}

std::optional<identity> token_cache::find(const std::string& token, std::int64_t now_s, std::int64_t leeway_s) {
  std::lock_guard lock{mutex_};
  auto it = tokens_.find(token);
  if (it == tokens_.end())
    return std::nullopt;
  if (expired(it->second.exp_s, leeway_s, now_s)) {  // expired while kept: verify says so
    tokens_.erase(it);
    return std::nullopt;
  }
  return it->second.who;
}

void token_cache::keep(const std::string& token, identity who, std::int64_t exp_s) {
  std::lock_guard lock{mutex_};
  if (tokens_.size() >= capacity_ && !tokens_.contains(token))
    tokens_.clear();  // the tokens still in use come back at their next request
  tokens_.insert_or_assign(token, entry{std::move(who), exp_s});
}

std::size_t token_cache::size() const {
  std::lock_guard lock{mutex_};
  return tokens_.size();
}

std::variant<identity, auth_failure> authenticate(const config::auth_settings& auth, const request& req,
                                                  const std::map<std::string, std::string>& query,
                                                  token_cache* verified) {
  if (auth.mode != "jwt")
    return identity{"demo", role::admin};
  auto token = bearer_token(req, query);
  if (token.empty())
    return auth_failure{"a bearer token is required (Authorization: Bearer <token>)"};
  auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (verified != nullptr)
    if (auto who = verified->find(token, now, auth.leeway_s))
      return std::move(*who);
  auto v = verify(token, auth.secret, auth.leeway_s, now);
  if (auto* failure = std::get_if<auth_failure>(&v))
    return std::move(*failure);
  auto& passed = std::get<verified_token>(v);
  if (verified != nullptr)
    verified->keep(token, passed.who, passed.exp_s);
  return std::move(passed.who);
}

std::string issue_token(const std::string& secret, const std::string& sub, role r, std::int64_t now_s,
                        std::int64_t ttl_s) {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0)
    throw std::runtime_error("libjwt could not make a token");
  jwt_ptr j{raw};
  std::string role_text{to_string(r)};
  if (jwt_add_grant(j.get(), "sub", sub.c_str()) != 0 || jwt_add_grant(j.get(), "role", role_text.c_str()) != 0 ||
      jwt_add_grant_int(j.get(), "iat", now_s) != 0 || jwt_add_grant_int(j.get(), "exp", now_s + ttl_s) != 0 ||
      jwt_set_alg(j.get(), JWT_ALG_HS256, key_of(secret), static_cast<int>(secret.size())) != 0)
    throw std::runtime_error("libjwt could not sign the token");
  // libjwt allocates the text with malloc (its default allocator) and leaves it to the caller.
  std::unique_ptr<char, void (*)(void*)> out{jwt_encode_str(j.get()), std::free};
  if (!out)
    throw std::runtime_error("libjwt could not encode the token");
  return std::string{out.get()};
}

}  // namespace jobmesh::net
