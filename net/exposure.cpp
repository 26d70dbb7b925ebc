#include "net/exposure.hpp"

#include "config/origins.hpp"

#include <boost/algorithm/string/case_conv.hpp>
#include <boost/algorithm/string/trim.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace jobmesh::net {

namespace {

// `s` without blanks around it, lower-cased (header values compare case-insensitively here).
std::string lower_trimmed(std::string_view s) {
  return boost::algorithm::to_lower_copy(boost::algorithm::trim_copy(std::string{s}));
}

// The media type of a Content-Type value, lower-cased, without parameters ("; charset=utf-8").
std::string media_type(std::string_view content_type) {
  return lower_trimmed(content_type.substr(0, content_type.find(';')));
}

// The host of a `Host` value (`name:port`, `[v6]:port`), lower-cased.
std::string host_name(std::string_view host) {
  auto name = lower_trimmed(host);
  if (!name.empty() && name.front() == '[')
    return name.substr(0, name.find(']') + 1);
  return name.substr(0, name.find(':'));
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
    auto own = lower_trimmed(s.server.host.find(':') != std::string::npos ? "[" + s.server.host + "]" : s.server.host);
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
  auto origin = lower_trimmed(it->value());
  auto host = lower_trimmed(req[http::field::host]);
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
