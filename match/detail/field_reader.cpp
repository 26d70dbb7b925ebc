#include "match/detail/field_reader.hpp"

#include "match/json_keys.hpp"
#include "match/normaliser.hpp"

#include <algorithm>
#include <boost/container/small_vector.hpp>
#include <chrono>
#include <fmt/format.h>

namespace jobmesh::match::detail {

namespace {

constexpr std::size_t k_max_id_length = 64;

bool is_id_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == ':' || c == '-';
}

bool is_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-')
    return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9')
      return false;
  auto digits = [&](std::size_t from, std::size_t n) {
    int v = 0;
    for (std::size_t i = from; i < from + n; ++i)
      v = v * 10 + (s[i] - '0');
    return v;
  };
  // A day the month has (2026-02-30 is not a date; 2024-02-29 is).
  return std::chrono::year_month_day{std::chrono::year{digits(0, 4)}, std::chrono::month{static_cast<unsigned>(digits(5, 2))},
                                     std::chrono::day{static_cast<unsigned>(digits(8, 2))}}
      .ok();
}

bool is_container(const simdjson::dom::element& e) {
  auto t = e.type();
  return t == simdjson::dom::element_type::OBJECT || t == simdjson::dom::element_type::ARRAY;
}

// Whether `e` may hold a key twice somewhere inside: an object, or an array holding an object
// or an array. A list of strings (every posting's skills) cannot, and is not walked again.
bool may_repeat_keys(const simdjson::dom::element& e) {
  if (e.type() == simdjson::dom::element_type::OBJECT)
    return true;
  if (e.type() != simdjson::dom::element_type::ARRAY)
    return false;
  for (auto item : simdjson::dom::array(e))
    if (is_container(item))
      return true;
  return false;
}

std::uint32_t bit(std::size_t slot) {
  return std::uint32_t{1} << slot;
}

}  // namespace

field_reader::field_reader(simdjson::dom::object obj, std::size_t line, const field_table& table)
    : table_(table), obj_(obj), line_(line) {
  for (auto [key, value] : obj_) {
    nests_ = nests_ || may_repeat_keys(value);
    int slot = table_.slot_of(key);
    if (slot < 0) {
      has_unknown_ = true;
      continue;
    }
    auto s = static_cast<std::size_t>(slot);
    if ((found_ & bit(s)) == 0) {  // obj[key] finds the first of repeated keys
      values_[s] = value;
      found_ |= bit(s);
    } else {
      repeated_ |= bit(s);
    }
  }
}

// first_duplicate_key's order: the values' insides first, in the object's order; then the
// smallest key (in byte order) the object itself names twice.
std::optional<std::string> field_reader::repeated_key() const {
  if (nests_)
    for (auto [key, value] : obj_)
      if (is_container(value))
        if (auto inner = first_duplicate_key(key, value))
          return inner;
  std::optional<std::string_view> smallest;
  auto consider = [&](std::string_view key) {
    if (!smallest || key < *smallest)
      smallest = key;
  };
  for (auto r = repeated_; r != 0; r &= r - 1)
    consider(table_.name(static_cast<std::size_t>(__builtin_ctz(r))));
  if (has_unknown_) {  // an unknown key never equals a known one
    boost::container::small_vector<std::string_view, 8> unknown;
    for (auto [key, value] : obj_)
      if (table_.slot_of(key) < 0)
        unknown.push_back(key);
    std::sort(unknown.begin(), unknown.end());
    if (auto twice = std::adjacent_find(unknown.begin(), unknown.end()); twice != unknown.end())
      consider(*twice);
  }
  if (!smallest)
    return std::nullopt;
  return std::string{*smallest};
}

void field_reader::fail(std::string_view field, std::string message) {
  if (!error_)
    error_ = record_error{line_, std::string{field}, std::move(message)};
}

simdjson::dom::element field_reader::get(field f) {
  asked_ |= bit(f.slot);
  return values_[f.slot];
}

bool field_reader::string_value(field f, std::string_view& out) {
  auto e = get(f);
  if (!present(f))
    return false;
  if (e.get_string().get(out)) {
    fail(f.name, fmt::format("{} must be a string, got {}", f.name, simdjson::minify(e)));
    return false;
  }
  return true;
}

void field_reader::required_string(field f, std::string& out, bool non_empty) {
  if (!present(f)) {
    asked_ |= bit(f.slot);
    return fail(f.name, fmt::format("{} is required", f.name));
  }
  optional_string(f, out);
  if (!failed() && non_empty && out.empty())
    fail(f.name, fmt::format("{} must not be empty", f.name));
}

void field_reader::required_word(field f, std::string& out) {
  required_string(f, out, true);
  // White space only is empty once normalised: such a company would be one with every other
  // blank company under top_per_company.
  if (!failed() && normal_word(out).empty())
    fail(f.name, fmt::format("{} must not be only white space", f.name));
}

void field_reader::optional_string(field f, std::string& out) {
  std::string_view v;
  if (string_value(f, v))
    out = v;
}

void field_reader::id(field f, std::string& out) {
  required_string(f, out, true);
  if (failed())
    return;
  bool ok = out.size() <= k_max_id_length && std::all_of(out.begin(), out.end(), is_id_char);
  if (!ok)
    fail(f.name, fmt::format("{} must be 1 to 64 characters of [A-Za-z0-9_.:-], got \"{}\"", f.name, out));
}

void field_reader::number(field f, double& out, double lo, double hi, bool lo_open) {
  auto e = get(f);
  if (!present(f))
    return;
  double v = 0;
  if (e.get_double().get(v))
    return fail(f.name, fmt::format("{} must be a number, got {}", f.name, simdjson::minify(e)));
  bool below = lo_open ? v <= lo : v < lo;
  if (below || v > hi) {
    auto range = hi == std::numeric_limits<double>::max() ? fmt::format("{} {}", lo_open ? ">" : ">=", lo)
                                                          : fmt::format("in [{}, {}]", lo, hi);
    return fail(f.name, fmt::format("{} must be {}, got {}", f.name, range, v));
  }
  out = v;
}

void field_reader::integer(field f, std::int64_t& out, std::int64_t lo) {
  auto e = get(f);
  if (!present(f))
    return;
  std::int64_t v = 0;
  if (e.get_int64().get(v))
    return fail(f.name, fmt::format("{} must be an integer, got {}", f.name, simdjson::minify(e)));
  if (v < lo)
    return fail(f.name, fmt::format("{} must be >= {}, got {}", f.name, lo, v));
  out = v;
}

void field_reader::string_list(field f, std::vector<std::string>& out) {
  auto e = get(f);
  if (!present(f))
    return;
  simdjson::dom::array arr;
  if (e.get_array().get(arr))
    return fail(f.name, fmt::format("{} must be an array of strings, got {}", f.name, simdjson::minify(e)));
  out.reserve(out.size() + arr.size());
  for (auto item : arr) {
    std::string_view v;
    if (item.get_string().get(v))
      return fail(f.name, fmt::format("{} must hold strings only, got {}", f.name, simdjson::minify(item)));
    out.emplace_back(v);
  }
}

void field_reader::date(field f, std::string& out) {
  optional_string(f, out);
  if (!failed() && !out.empty() && !is_date(out))
    fail(f.name, fmt::format("{} must be a date YYYY-MM-DD, got \"{}\"", f.name, out));
}

void field_reader::coordinates(field lat, field lon, std::optional<geo_point>& out) {
  bool has_lat = present(lat);
  bool has_lon = present(lon);
  geo_point p;
  number(lat, p.lat, -90, 90);
  number(lon, p.lon, -180, 180);
  if (failed())
    return;
  if (has_lat != has_lon)
    return fail(has_lat ? lon.name : lat.name, "lat and lon must be given both or neither");
  if (has_lat)
    out = p;
}

void field_reader::level(field f, int& out) {
  choice<int>(f, out, parse_experience_level, "entry, junior, mid, senior, lead");
}

std::vector<extra_field> field_reader::extras() const {
  std::vector<extra_field> out;
  if (!has_unknown_ && (found_ & ~asked_) == 0)
    return out;
  for (auto [key, value] : obj_) {
    int slot = table_.slot_of(key);
    if (slot < 0 || (asked_ & bit(static_cast<std::size_t>(slot))) == 0)
      out.emplace_back(std::string{key}, simdjson::minify(value));
  }
  return out;
}

}  // namespace jobmesh::match::detail
