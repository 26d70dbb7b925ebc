#pragma once
// Reads the fields of one NDJSON record with the spec's rules; remembers the first rule broken
// (line, field, message) and the fields it was never asked for (kept as raw JSON).
//
// Speed: the object is walked once, each key is matched to a slot of its record's `field_table`,
// and a rule reads its slot. Looking each field up by name (`obj[name]`, a scan of the object per
// field) and remembering the fields asked for in a std::set made reading five times slower.
// Field names are checked when the program is compiled (`table["id"]` of an unknown name fails).

#include "match/ndjson.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <simdjson.h>

namespace jobmesh::match::detail {

/// A field a record type knows: its name (for messages) and its slot in the reader.
struct field {
  std::string_view name;
  std::size_t slot = 0;
};

/// The names of the fields one record type knows, at most `k_max_fields`.
class field_table {
public:
  static constexpr std::size_t k_max_fields = 32;
  static constexpr std::size_t k_max_name = 31;

  template <std::size_t N>
  consteval explicit field_table(const std::string_view (&names)[N]) : size_(N) {
    static_assert(N <= k_max_fields);
    for (std::size_t i = 0; i < N; ++i) {
      if (names[i].empty() || names[i].size() > k_max_name)
        throw "field names have 1 to 31 characters";
      names_[i] = names[i];
      by_length_[names[i].size()] |= std::uint32_t{1} << i;
    }
  }

  /// The field called `name`; a name the table does not hold does not compile.
  consteval field operator[](std::string_view name) const {
    for (std::size_t i = 0; i < size_; ++i)
      if (names_[i] == name)
        return {names_[i], i};
    throw "not a field of this record";
  }

  std::string_view name(std::size_t slot) const { return names_[slot]; }

  /// The slot of `key`, or -1 when the record type does not know it.
  int slot_of(std::string_view key) const noexcept {
    if (key.size() > k_max_name)
      return -1;
    // Few names share a length (at most three here), so this compares about one string.
    for (auto candidates = by_length_[key.size()]; candidates != 0; candidates &= candidates - 1) {
      int slot = __builtin_ctz(candidates);
      if (same_chars(names_[static_cast<std::size_t>(slot)], key))
        return slot;
    }
    return -1;
  }

private:
  // For strings of one length; a loop the compiler inlines beats a call to memcmp on names this
  // short, and it runs for every key of every record.
  static bool same_chars(std::string_view a, std::string_view b) noexcept {
    for (std::size_t i = 0; i < a.size(); ++i)
      if (a[i] != b[i])
        return false;
    return true;
  }

  std::array<std::string_view, k_max_fields> names_{};
  std::array<std::uint32_t, k_max_name + 1> by_length_{};  ///< bit i: names_[i] has this length
  std::size_t size_ = 0;
};

class field_reader {
public:
  /// Walks `obj` once. `table` must outlive the reader.
  field_reader(simdjson::dom::object obj, std::size_t line, const field_table& table);

  /// The path of the first key named twice in one object of the record, as
  /// `first_duplicate_key` of the whole object says, without walking the record again to find
  /// out (the walk noted the fields given twice, the unknown keys and whether any value nests).
  std::optional<std::string> repeated_key() const;

  bool failed() const { return error_.has_value(); }
  const std::optional<record_error>& error() const { return error_; }

  /// Marks a rule broken (first one wins).
  void fail(std::string_view field, std::string message);

  void id(field f, std::string& out);
  void required_string(field f, std::string& out, bool non_empty);
  /// A required string whose normal form (normaliser.hpp) is not empty: a company.
  void required_word(field f, std::string& out);
  void optional_string(field f, std::string& out);
  void number(field f, double& out, double lo, double hi, bool lo_open = false);
  void integer(field f, std::int64_t& out, std::int64_t lo);
  void string_list(field f, std::vector<std::string>& out);
  void date(field f, std::string& out);
  /// `lat` and `lon` (both or neither).
  void coordinates(field lat, field lon, std::optional<geo_point>& out);
  void level(field f, int& out);

  template <class E>
  void choice(field f, E& out, std::optional<E> (*parse)(std::string_view), std::string_view names) {
    std::string_view text;
    if (!string_value(f, text))
      return;
    if (auto v = parse(text))
      out = *v;
    else
      fail(f.name, std::string{f.name} + " must be one of " + std::string{names} + ", got \"" + std::string{text} + "\"");
  }

  /// Fields never read, as (key, raw JSON), in the order of the object.
  std::vector<extra_field> extras() const;

  /// The field is there and not null (does not count as reading it).
  bool present(field f) const { return (found_ >> f.slot & 1) != 0 && !values_[f.slot].is_null(); }

private:
  /// Marks `f` read; its value, or a default element when absent (callers ask present()).
  simdjson::dom::element get(field f);
  /// Reads `f` as a string into `out`; false when absent, null or not a string (then failed).
  bool string_value(field f, std::string_view& out);

  const field_table& table_;
  simdjson::dom::object obj_;
  std::size_t line_;
  std::array<simdjson::dom::element, field_table::k_max_fields> values_{};
  std::uint32_t found_ = 0;  ///< slots the object holds (the first of repeated keys, as obj[key])
  std::uint32_t asked_ = 0;  ///< slots read; the object's other keys are its extras
  std::uint32_t repeated_ = 0;  ///< slots whose key the object names more than once
  bool has_unknown_ = false;  ///< a key that is no field of the table
  bool nests_ = false;        ///< a value is an object or an array holding one or an array
  std::optional<record_error> error_;
};

}  // namespace jobmesh::match::detail
