#include "net/exposure.hpp"

#include "config/origins.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace jobmesh::net {

namespace {

std::string lower(std::string_view s) {
  std::string out{s};
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

// The media type of a Content-Type value, lower-cased, without parameters ("; charset=utf-8").
std::string media_type(std::string_view content_type) {
  return lower(trim(content_type.substr(0, content_type.find(';'))));
}

// The host of a `Host` value (`name:port`, `[v6]:port`), lower-cased.
std::string host_name(std::string_view host) {
  host = trim(host);
  if (!host.empty() && host.front() == '[')
    return lower(host.substr(0, host.find(']') + 1));
  return lower(host.substr(0, host.find(':')));
}

std::string listed(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names)
    out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

bool changes_state(http::verb method) {
  return method == http::verb::post || method == http::verb::put || method == http::verb::patch ||
         method == http::verb::delete_;
}

namespace {

std::vector<std::string> allowed_origins(const config::settings& s) {
  std::string problem;
  auto origins = config::parse_origins(s.server.allowed_origins, &problem);
  if (!origins)
    throw std::invalid_argument("server.allowed_origins: " + problem);
  return *origins;
}

}  // namespace

exposure::exposure(const config::settings& s) : origins_(allowed_origins(s)) {
  if (s.auth.mode == "off") {
    hosts_ = {"localhost", "127.0.0.1", "[::1]"};
    auto own = lower(s.server.host.find(':') != std::string::npos ? "[" + s.server.host + "]" : s.server.host);
    if (std::find(hosts_.begin(), hosts_.end(), own) == hosts_.end())
      hosts_.push_back(own);
  }
}

std::optional<response> exposure::check_host(const request& req) const {
  if (hosts_.empty())
    return std::nullopt;
  auto name = host_name(req[http::field::host]);
  if (std::find(hosts_.begin(), hosts_.end(), name) != hosts_.end())
    return std::nullopt;
  return error_response(req, http::status::forbidden, "forbidden_host",
                        fmt::format("Host '{}' is not this server (with auth.mode off it answers only to {})",
                                    std::string{req[http::field::host]}, listed(hosts_)),
                        {{"header", "Host"}});
}

std::optional<response> exposure::check_origin(const request& req) const {
  auto it = req.find(http::field::origin);
  if (it == req.end())
    return std::nullopt;  // not from a browser's cross-site request: curl, a service
  auto origin = lower(trim(it->value()));
  auto host = lower(trim(req[http::field::host]));
  bool own = !host.empty() && (origin == "http://" + host || origin == "https://" + host);
  if (own || std::find(origins_.begin(), origins_.end(), origin) != origins_.end())
    return std::nullopt;
  return error_response(req, http::status::forbidden, "forbidden_origin",
                        fmt::format("Origin '{}' is not allowed: only the server's own origin{}", std::string{it->value()},
                                    origins_.empty() ? std::string{" (add others to server.allowed_origins)"}
                                                     : " and " + listed(origins_) + " (server.allowed_origins)"),
                        {{"header", "Origin"}});
}

std::optional<response> exposure::check(const request& req, bool ndjson_allowed) const {
  if (auto refused = check_host(req))
    return refused;
  if (!changes_state(req.method()))
    return std::nullopt;
  if (auto refused = check_origin(req))
    return refused;
  auto type = media_type(req[http::field::content_type]);
  if (type == "application/json" || (ndjson_allowed && type == "application/x-ndjson"))
    return std::nullopt;
  auto wanted = ndjson_allowed ? "application/json or application/x-ndjson" : "application/json";
  return error_response(req, http::status::unsupported_media_type, "unsupported_media_type",
                        fmt::format("{} {} needs Content-Type: {} (it changes state); got {}",
                                    std::string{req.method_string()}, std::string{req.target()}, wanted,
                                    type.empty() ? std::string{"none"} : "'" + type + "'"),
                        {{"header", "Content-Type"}});
}

std::optional<response> exposure::check_upgrade(const request& req) const {
  if (auto refused = check_host(req))
    return refused;
  return check_origin(req);
}

}  // namespace jobmesh::net
