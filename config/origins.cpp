#include "config/origins.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace jobmesh::config {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

bool is_port(std::string_view s) {
  return !s.empty() && s.size() <= 5 && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// host[:port], the host a name or IPv4 address, or an IPv6 address in brackets.
bool is_authority(std::string_view a) {
  if (a.starts_with('[')) {
    auto close = a.find(']');
    if (close == std::string_view::npos || close == 1)
      return false;
    auto inside = a.substr(1, close - 1);
    bool hex = std::all_of(inside.begin(), inside.end(), [](unsigned char c) { return std::isxdigit(c) || c == ':' || c == '.'; });
    auto rest = a.substr(close + 1);
    return hex && (rest.empty() || (rest.front() == ':' && is_port(rest.substr(1))));
  }
  auto colon = a.find(':');
  auto host = a.substr(0, colon);
  bool name = !host.empty() && std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.';
  });
  return name && (colon == std::string_view::npos || is_port(a.substr(colon + 1)));
}

}  // namespace

std::optional<std::vector<std::string>> parse_origins(std::string_view text, std::string* problem) {
  std::vector<std::string> out;
  while (!trim(text).empty()) {
    auto comma = text.find(',');
    auto entry = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    std::string lowered{entry};
    std::transform(lowered.begin(), lowered.end(), lowered.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string_view e{lowered};
    auto scheme_end = e.find("://");
    auto scheme = e.substr(0, scheme_end);
    if (scheme_end == std::string_view::npos || (scheme != "http" && scheme != "https") ||
        !is_authority(e.substr(scheme_end + 3))) {
      if (problem)
        *problem = fmt::format("'{}' is not an origin (scheme://host[:port], http or https, no path)", entry);
      return std::nullopt;
    }
    out.push_back(std::move(lowered));
  }
  return out;
}

}  // namespace jobmesh::config
