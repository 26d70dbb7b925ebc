#include "match/detail/field_reader.hpp"

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
  int month = (s[5] - '0') * 10 + (s[6] - '0');
  int day = (s[8] - '0') * 10 + (s[9] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

}  // namespace

void field_reader::fail(std::string_view field, std::string message) {
  if (!error_)
    error_ = record_error{line_, std::string{field}, std::move(message)};
}

bool field_reader::present(std::string_view field) const {
  simdjson::dom::element e;
  return obj_[field].get(e) == simdjson::SUCCESS && !e.is_null();
}

simdjson::dom::element field_reader::get(std::string_view field) {
  seen_.emplace(field);
  simdjson::dom::element e;
  if (obj_[field].get(e) != simdjson::SUCCESS)
    return {};  // absent: callers ask present() before reading
  return e;
}

void field_reader::required_string(std::string_view field, std::string& out, bool non_empty) {
  if (!present(field)) {
    seen_.emplace(field);
    return fail(field, fmt::format("{} is required", field));
  }
  optional_string(field, out);
  if (!failed() && non_empty && out.empty())
    fail(field, fmt::format("{} must not be empty", field));
}

void field_reader::optional_string(std::string_view field, std::string& out) {
  auto e = get(field);
  if (!present(field))
    return;
  std::string_view v;
  if (e.get_string().get(v))
    return fail(field, fmt::format("{} must be a string, got {}", field, simdjson::minify(e)));
  out = v;
}

void field_reader::id(std::string_view field, std::string& out) {
  required_string(field, out, true);
  if (failed())
    return;
  bool ok = out.size() <= k_max_id_length && std::all_of(out.begin(), out.end(), is_id_char);
  if (!ok)
    fail(field, fmt::format("{} must be 1 to 64 characters of [A-Za-z0-9_.:-], got \"{}\"", field, out));
}

void field_reader::number(std::string_view field, double& out, double lo, double hi, bool lo_open) {
  auto e = get(field);
  if (!present(field))
    return;
  double v = 0;
  if (e.get_double().get(v))
    return fail(field, fmt::format("{} must be a number, got {}", field, simdjson::minify(e)));
  bool below = lo_open ? v <= lo : v < lo;
  if (below || v > hi) {
    auto range = hi == std::numeric_limits<double>::max() ? fmt::format("{} {}", lo_open ? ">" : ">=", lo)
                                                          : fmt::format("in [{}, {}]", lo, hi);
    return fail(field, fmt::format("{} must be {}, got {}", field, range, v));
  }
  out = v;
}

void field_reader::integer(std::string_view field, std::int64_t& out, std::int64_t lo) {
  auto e = get(field);
  if (!present(field))
    return;
  std::int64_t v = 0;
  if (e.get_int64().get(v))
    return fail(field, fmt::format("{} must be an integer, got {}", field, simdjson::minify(e)));
  if (v < lo)
    return fail(field, fmt::format("{} must be >= {}, got {}", field, lo, v));
  out = v;
}

void field_reader::string_list(std::string_view field, std::vector<std::string>& out) {
  auto e = get(field);
  if (!present(field))
    return;
  simdjson::dom::array arr;
  if (e.get_array().get(arr))
    return fail(field, fmt::format("{} must be an array of strings, got {}", field, simdjson::minify(e)));
  for (auto item : arr) {
    std::string_view v;
    if (item.get_string().get(v))
      return fail(field, fmt::format("{} must hold strings only, got {}", field, simdjson::minify(item)));
    out.emplace_back(v);
  }
}

void field_reader::date(std::string_view field, std::string& out) {
  optional_string(field, out);
  if (!failed() && !out.empty() && !is_date(out))
    fail(field, fmt::format("{} must be a date YYYY-MM-DD, got \"{}\"", field, out));
}

void field_reader::coordinates(std::optional<geo_point>& out) {
  bool has_lat = present("lat");
  bool has_lon = present("lon");
  geo_point p;
  number("lat", p.lat, -90, 90);
  number("lon", p.lon, -180, 180);
  if (failed())
    return;
  if (has_lat != has_lon)
    return fail(has_lat ? "lon" : "lat", "lat and lon must be given both or neither");
  if (has_lat)
    out = p;
}

void field_reader::level(std::string_view field, int& out) {
  choice<int>(field, out, parse_experience_level, "entry, junior, mid, senior, lead");
}

std::vector<extra_field> field_reader::extras() const {
  std::vector<extra_field> out;
  for (auto [key, value] : obj_)
    if (!seen_.contains(key))
      out.emplace_back(std::string{key}, simdjson::minify(value));
  return out;
}

}  // namespace jobmesh::match::detail
