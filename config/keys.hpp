#pragma once
/// The registry of configuration keys: the one list that the file loader, the environment
/// loader, the `--set` flag and the documentation test all read.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace jobmesh::config {

/// What a key holds.
enum class value_kind { integer, number, string, string_map, integer_map, profile_map };

/// A key as a user sees it: `section.name`, its type, its bounds and what it means.
struct key_info {
  std::string_view section;
  std::string_view name;
  value_kind kind;
  std::string_view description;
  std::int64_t min = 0;                    ///< integers and numbers only
  std::int64_t max = 0;                    ///< integers and numbers only
  std::vector<std::string_view> choices;   ///< strings only; empty = any
};

/// Every key, in documentation order.
const std::vector<key_info>& all_keys();

/// `section.name`, e.g. "server.port".
std::string dotted_name(const key_info& key);

/// `JOBMESH_<SECTION>_<NAME>` in upper case, e.g. "JOBMESH_SERVER_PORT".
std::string environment_name(const key_info& key);

}  // namespace jobmesh::config
