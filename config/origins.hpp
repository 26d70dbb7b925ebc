#pragma once
/// `server.allowed_origins`: web origins as browsers send them in `Origin`.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobmesh::config {

/// Comma-separated `scheme://host[:port]` (http or https, no path), lower-cased; blanks around
/// entries are ignored. nullopt when an entry is not an origin; `problem` then names it.
std::optional<std::vector<std::string>> parse_origins(std::string_view text, std::string* problem = nullptr);

}  // namespace jobmesh::config
