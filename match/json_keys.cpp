#include "match/json_keys.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <vector>

namespace jobmesh::match {

namespace {

std::string joined(const std::string& prefix, std::string_view key) {
  return prefix.empty() ? std::string{key} : fmt::format("{}.{}", prefix, key);
}

std::optional<std::string> search(const simdjson::dom::element& e, const std::string& path) {
  simdjson::dom::object obj;
  if (!e.get_object().get(obj)) {
    std::vector<std::string_view> keys;
    keys.reserve(obj.size());
    for (auto [key, value] : obj) {
      keys.push_back(key);
      if (auto inner = search(value, joined(path, key)))
        return inner;
    }
    std::sort(keys.begin(), keys.end());
    if (auto twice = std::adjacent_find(keys.begin(), keys.end()); twice != keys.end())
      return joined(path, *twice);
    return std::nullopt;
  }
  simdjson::dom::array arr;
  if (!e.get_array().get(arr)) {
    std::size_t i = 0;
    for (auto value : arr) {
      if (auto inner = search(value, fmt::format("{}[{}]", path, i)))
        return inner;
      ++i;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> first_duplicate_key(const simdjson::dom::element& e) {
  return search(e, "");
}

std::optional<std::string> first_duplicate_key(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size(), true).get(doc))
    return std::nullopt;
  return search(doc, "");
}

std::string duplicate_key_message(const std::string& path) {
  return fmt::format("key '{}' appears twice in one object; each key may appear once", path);
}

}  // namespace jobmesh::match
