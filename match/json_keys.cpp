#include "match/json_keys.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <boost/container/small_vector.hpp>
#include <vector>

namespace jobmesh::match {

namespace {

// One step of a path: a key of an object, or an index into an array.
struct step {
  std::string_view key;
  std::size_t index = 0;
  bool is_index = false;
};

// Whether an object within `e` names a key twice; if so `path` holds the steps to that key,
// innermost first. Nothing is allocated for a value without objects or arrays, and the path is
// written only once the key is found (this runs for every record a reader takes).
bool search(const simdjson::dom::element& e, std::vector<step>& path) {
  if (simdjson::dom::object obj; !e.get_object().get(obj)) {
    boost::container::small_vector<std::string_view, 32> keys;
    for (auto [key, value] : obj) {
      keys.push_back(key);
      if (search(value, path)) {
        path.push_back({key});
        return true;
      }
    }
    std::sort(keys.begin(), keys.end());
    if (auto twice = std::adjacent_find(keys.begin(), keys.end()); twice != keys.end()) {
      path.push_back({*twice});
      return true;
    }
    return false;
  }
  if (simdjson::dom::array arr; !e.get_array().get(arr)) {
    std::size_t i = 0;
    for (auto value : arr) {
      // Most arrays hold strings (skills): no call for a value that holds no key.
      auto type = value.type();
      if (type != simdjson::dom::element_type::OBJECT && type != simdjson::dom::element_type::ARRAY) {
        ++i;
        continue;
      }
      if (search(value, path)) {
        path.push_back({{}, i, true});
        return true;
      }
      ++i;
    }
  }
  return false;
}

std::string joined(const std::vector<step>& path) {
  std::string out;
  for (auto s = path.rbegin(); s != path.rend(); ++s) {
    if (s->is_index)
      out += fmt::format("[{}]", s->index);
    else
      out += (out.empty() ? "" : ".") + std::string{s->key};
  }
  return out;
}

std::optional<std::string> find(const simdjson::dom::element& e) {
  std::vector<step> path;
  if (!search(e, path))
    return std::nullopt;
  return joined(path);
}

}  // namespace

std::optional<std::string> first_duplicate_key(const simdjson::dom::element& e) {
  return find(e);
}

std::optional<std::string> first_duplicate_key(std::string_view key, const simdjson::dom::element& value) {
  std::vector<step> path;
  if (!search(value, path))
    return std::nullopt;
  path.push_back({key});
  return joined(path);
}

std::optional<std::string> first_duplicate_key(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size(), true).get(doc))
    return std::nullopt;
  return find(doc);
}

std::string duplicate_key_message(const std::string& path) {
  return fmt::format("key '{}' appears twice in one object; each key may appear once", path);
}

std::string json_problem(int code) {
  auto error = static_cast<simdjson::error_code>(code);
  std::string text = simdjson::error_message(error);
  if (error == simdjson::NUMBER_ERROR)
    text += " (integers must lie within [-2^63, 2^64 - 1] and other numbers within a double's range, about 1.8e308)";
  return text;
}

}  // namespace jobmesh::match
