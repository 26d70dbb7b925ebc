#pragma once
// Reads the fields of one NDJSON record with the spec's rules; remembers the first rule broken
// (line, field, message) and the fields it was never asked for (kept as raw JSON).

#include "match/ndjson.hpp"

#include <optional>
#include <set>
#include <simdjson.h>

namespace jobmesh::match::detail {

class field_reader {
public:
  field_reader(simdjson::dom::object obj, std::size_t line) : obj_(obj), line_(line) {}

  bool failed() const { return error_.has_value(); }
  const std::optional<record_error>& error() const { return error_; }

  /// Marks a rule broken (first one wins).
  void fail(std::string_view field, std::string message);

  void id(std::string_view field, std::string& out);
  void required_string(std::string_view field, std::string& out, bool non_empty);
  void optional_string(std::string_view field, std::string& out);
  void number(std::string_view field, double& out, double lo, double hi, bool lo_open = false);
  void integer(std::string_view field, std::int64_t& out, std::int64_t lo);
  void string_list(std::string_view field, std::vector<std::string>& out);
  void date(std::string_view field, std::string& out);
  void coordinates(std::optional<geo_point>& out);
  void level(std::string_view field, int& out);

  template <class E>
  void choice(std::string_view field, E& out, std::optional<E> (*parse)(std::string_view), std::string_view names) {
    std::string text;
    optional_string(field, text);
    if (failed() || !present(field))
      return;
    if (auto v = parse(text))
      out = *v;
    else
      fail(field, std::string{field} + " must be one of " + std::string{names} + ", got \"" + text + "\"");
  }

  /// Fields never read, as (key, raw JSON).
  std::vector<extra_field> extras() const;

  bool present(std::string_view field) const;

private:
  simdjson::dom::element get(std::string_view field);

  simdjson::dom::object obj_;
  std::size_t line_;
  std::optional<record_error> error_;
  std::set<std::string, std::less<>> seen_;
};

}  // namespace jobmesh::match::detail
