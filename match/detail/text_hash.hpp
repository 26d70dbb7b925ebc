#pragma once
// Hashing and comparing texts by view, for maps keyed by std::string: a lookup by a view into
// a record (or a raw text) builds no string.

#include <boost/container_hash/hash.hpp>
#include <cstddef>
#include <string_view>

namespace jobmesh::match::detail {

struct text_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const { return boost::hash<std::string_view>{}(text); }
};

struct text_equal {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return a == b; }
};

}  // namespace jobmesh::match::detail
