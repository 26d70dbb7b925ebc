#pragma once
/// A JSON object that names a key twice is ambiguous (parsers keep the first, the last, or
/// both), so every body the server takes refuses it (API.md: 400 naming the field).

#include <optional>
#include <string>
#include <string_view>

namespace simdjson::dom {
class element;
}

namespace jobmesh::match {

/// The path of the first key that appears twice in one object of `e` ("params.items",
/// "skills[2].name"), if any.
std::optional<std::string> first_duplicate_key(const simdjson::dom::element& e);

/// The same within `value`, the value of `key` in an object: the path starts with `key`
/// ("skills[2].name" for key "skills").
std::optional<std::string> first_duplicate_key(std::string_view key, const simdjson::dom::element& value);

/// The same for JSON text; nullopt also when the text is not JSON (its parser says why).
std::optional<std::string> first_duplicate_key(std::string_view json);

/// "key 'params.items' appears twice in one object; each key may appear once"
std::string duplicate_key_message(const std::string& path);

/// What simdjson's error `code` (a simdjson::error_code) means, for people: its own words, and
/// for a number it could not read, which numbers it reads (1e400 and integers past 2^64 - 1 are
/// valid JSON that no field here can hold).
std::string json_problem(int code);

}  // namespace jobmesh::match
