#pragma once
// How a key reaches its field in `settings`: an accessor per key, chosen by the key's kind.

#include "config/keys.hpp"
#include "config/settings.hpp"

#include <variant>

namespace jobmesh::config::detail {

using profile_map = std::map<std::string, std::map<std::string, double>>;
using string_map = std::map<std::string, std::string>;
using integer_map = std::map<std::string, std::int64_t>;

using field_ref = std::variant<std::int64_t& (*)(settings&), double& (*)(settings&), std::string& (*)(settings&),
                               string_map& (*)(settings&), integer_map& (*)(settings&),
                               profile_map& (*)(settings&)>;

struct key_binding {
  key_info info;
  field_ref field;
};

/// Every key with its accessor; `all_keys()` is this table's `info` column.
const std::vector<key_binding>& bindings();

}  // namespace jobmesh::config::detail
