#include "actors/cron.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <span>
#include <vector>

namespace jobmesh::actors {

namespace {

namespace chr = std::chrono;

using value_mask = std::uint64_t;  // bit n = value n is due; every field fits in 64 values

constexpr std::array<std::string_view, 12> month_names{
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> day_names{"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

struct field_spec {
  std::string_view name;
  int min;
  int max;
  int open_max;  // upper end of `*` and `a/n`: day of week stops at 6 so 7 doesn't add Sunday
  std::span<const std::string_view> names;
  int first_name_value;
};

constexpr std::array<field_spec, 5> specs{{
    {"minute", 0, 59, 59, {}, 0},
    {"hour", 0, 23, 23, {}, 0},
    {"day_of_month", 1, 31, 31, {}, 0},
    {"month", 1, 12, 12, month_names, 1},
    {"day_of_week", 0, 7, 6, day_names, 0},
}};

template <typename T>
using or_error = std::variant<T, std::string>;

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back()))
    s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  for (std::size_t at = 0;;) {
    auto next = s.find(sep, at);
    parts.push_back(s.substr(at, next - at));
    if (next == std::string_view::npos)
      return parts;
    at = next + 1;
  }
}

std::vector<std::string_view> split_blanks(std::string_view s) {
  std::vector<std::string_view> words;
  for (std::size_t at = 0; at < s.size();) {
    auto end = std::find_if(s.begin() + static_cast<std::ptrdiff_t>(at), s.end(), is_blank);
    auto len = static_cast<std::size_t>(end - s.begin()) - at;
    if (len > 0)
      words.push_back(s.substr(at, len));
    at += len + 1;
  }
  return words;
}

std::optional<int> to_int(std::string_view s) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size())
    return std::nullopt;
  return v;
}

std::optional<int> name_value(std::string_view s, const field_spec& spec) {
  for (std::size_t i = 0; i < spec.names.size(); ++i) {
    auto name = spec.names[i];
    auto same = std::equal(s.begin(), s.end(), name.begin(), name.end(),
                           [](char a, char b) { return (a | 0x20) == b; });
    if (same)
      return spec.first_name_value + static_cast<int>(i);
  }
  return std::nullopt;
}

or_error<int> parse_value(std::string_view s, const field_spec& spec) {
  auto v = to_int(s);
  if (!v)
    v = name_value(s, spec);
  if (!v) {
    auto what = spec.names.empty() ? "a number" : spec.name == "month" ? "a number or month name"
                                                                      : "a number or day name";
    return fmt::format("'{}' is not {}", s, what);
  }
  if (*v < spec.min || *v > spec.max)
    return fmt::format("{} is out of range {}-{}", *v, spec.min, spec.max);
  return *v;
}

/// The first and last value of a list item's part before any '/'.
or_error<std::pair<int, int>> parse_base(std::string_view base, bool stepped,
                                         const field_spec& spec) {
  if (base == "*")
    return std::pair{spec.min, spec.open_max};
  auto ends = split(base, '-');
  if (ends.size() > 2 || (ends.size() == 2 && (ends[0].empty() || ends[1].empty())))
    return fmt::format("'{}' is not a range a-b", base);
  auto lo = parse_value(ends[0], spec);
  if (auto* e = std::get_if<std::string>(&lo))
    return *e;
  if (ends.size() == 1)
    return std::pair{std::get<int>(lo), stepped ? spec.open_max : std::get<int>(lo)};
  auto hi = parse_value(ends[1], spec);
  if (auto* e = std::get_if<std::string>(&hi))
    return *e;
  if (std::get<int>(hi) < std::get<int>(lo))
    return fmt::format("range '{}' goes backwards (must be ascending)", base);
  return std::pair{std::get<int>(lo), std::get<int>(hi)};
}

or_error<value_mask> parse_item(std::string_view item, const field_spec& spec) {
  if (item.empty())
    return std::string("empty item in the list");
  auto parts = split(item, '/');
  if (parts.size() > 2)
    return fmt::format("'{}' has more than one '/'", item);
  int step = 1;
  if (parts.size() == 2) {
    auto n = to_int(parts[1]);
    if (!n)
      return fmt::format("step '{}' is not a number", parts[1]);
    if (*n < 1)
      return fmt::format("step {} must be at least 1", *n);
    step = *n;
  }
  auto range = parse_base(parts[0], parts.size() == 2, spec);
  if (auto* e = std::get_if<std::string>(&range))
    return *e;
  auto [lo, hi] = std::get<std::pair<int, int>>(range);
  value_mask mask = 0;
  // 64-bit so `v += step` cannot overflow for a huge step.
  for (std::int64_t v = lo; v <= hi; v += step)
    mask |= value_mask{1} << v;
  return mask;
}

or_error<value_mask> parse_field(std::string_view field, const field_spec& spec) {
  value_mask mask = 0;
  for (auto item : split(field, ',')) {
    auto m = parse_item(item, spec);
    if (auto* e = std::get_if<std::string>(&m))
      return *e;
    mask |= std::get<value_mask>(m);
  }
  return mask;
}

std::string_view expand_alias(std::string_view text) {
  constexpr std::array<std::pair<std::string_view, std::string_view>, 7> aliases{{
      {"@hourly", "0 * * * *"},
      {"@daily", "0 0 * * *"},
      {"@midnight", "0 0 * * *"},
      {"@weekly", "0 0 * * 0"},
      {"@monthly", "0 0 1 * *"},
      {"@yearly", "0 0 1 1 *"},
      {"@annually", "0 0 1 1 *"},
  }};
  for (auto [alias, fields] : aliases)
    if (text == alias)
      return fields;
  return {};
}

bool some_day_exists(const cron_schedule& s) {
  constexpr std::array<int, 13> longest{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int m = 1; m <= 12; ++m)
    for (int d = 1; d <= longest[static_cast<std::size_t>(m)]; ++d)
      if (s.months[static_cast<std::size_t>(m)] && s.days_of_month[static_cast<std::size_t>(d)])
        return true;
  return false;
}

cron_schedule to_schedule(const std::array<value_mask, 5>& m,
                          const std::vector<std::string_view>& fields) {
  cron_schedule s;
  s.minutes = std::bitset<60>(m[0]);
  s.hours = std::bitset<24>(m[1]);
  s.days_of_month = std::bitset<32>(m[2]);
  s.months = std::bitset<13>(m[3]);
  s.days_of_week = std::bitset<7>(m[4] | (m[4] >> 7));  // 7 is Sunday too
  auto is_any = [](std::string_view f) { return f == "*" || f == "*/1"; };
  s.any_day_of_month = is_any(fields[2]);
  s.any_day_of_week = is_any(fields[4]);
  return s;
}

bool day_matches(const cron_schedule& s, unsigned day_of_month, unsigned weekday) {
  bool dom = s.days_of_month[day_of_month];
  bool dow = s.days_of_week[weekday];
  if (s.any_day_of_month || s.any_day_of_week)
    return dom && dow;  // the `*` field is all ones, so only the other one decides
  return dom || dow;
}

/// The first due minute of a matching day at or after `from` (minute of the day).
std::optional<int> first_time_in_day(const cron_schedule& s, int from) {
  for (int h = from / 60; h < 24; ++h) {
    if (!s.hours[static_cast<std::size_t>(h)])
      continue;
    for (int m = h == from / 60 ? from % 60 : 0; m < 60; ++m)
      if (s.minutes[static_cast<std::size_t>(m)])
        return h * 60 + m;
  }
  return std::nullopt;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - (a % b != 0 && (a < 0) != (b < 0) ? 1 : 0);
}

}  // namespace

std::variant<cron_schedule, cron_error> parse_cron(std::string_view text) {
  auto trimmed = trim(text);
  auto expanded = trimmed.starts_with('@') ? expand_alias(trimmed) : trimmed;
  if (expanded.empty() && !trimmed.empty())
    return cron_error{"cron", fmt::format("unknown alias '{}'", trimmed)};
  auto fields = split_blanks(expanded);
  if (fields.size() != 5)
    return cron_error{"cron", "expected 5 fields (minute hour day-of-month month day-of-week), got " +
                                  std::to_string(fields.size())};
  std::array<value_mask, 5> masks{};
  for (std::size_t i = 0; i < 5; ++i) {
    auto m = parse_field(fields[i], specs[i]);
    if (auto* e = std::get_if<std::string>(&m))
      return cron_error{std::string(specs[i].name), *e};
    masks[i] = std::get<value_mask>(m);
  }
  auto s = to_schedule(masks, fields);
  // With day of week restricted too, the either-field rule makes every week due.
  if (!s.any_day_of_month && s.any_day_of_week && !some_day_exists(s))
    return cron_error{"day_of_month",
                      fmt::format("'{}' never occurs in the months given ('{}')", fields[2], fields[3])};
  s.text = std::string(trimmed);
  return s;
}

std::optional<std::int64_t> next_due(const cron_schedule& s, std::int64_t after_ms) {
  constexpr std::int64_t minute_ms = 60'000;
  constexpr std::int64_t search_days = 8 * 366;  // Feb 29 can be 8 years apart (2096 -> 2104)
  constexpr std::int64_t supported_days = 3'000'000;  // keeps chrono's year (max 32767) valid
  auto first_minute = floor_div(after_ms, minute_ms) + 1;
  auto day = floor_div(first_minute, 1440);
  if (day < -supported_days || day > supported_days)
    return std::nullopt;
  auto minute_of_day = static_cast<int>(first_minute - day * 1440);
  for (auto last_day = day + search_days; day <= last_day; ++day, minute_of_day = 0) {
    chr::sys_days date{chr::days{day}};
    chr::year_month_day ymd{date};
    if (!s.months[static_cast<unsigned>(ymd.month())]) {
      // The whole month is skipped: continue from its last day, the loop steps past it.
      auto first_of_next = chr::sys_days{(ymd.year() / ymd.month() + chr::months{1}) / 1};
      day = first_of_next.time_since_epoch().count() - 1;
      continue;
    }
    auto weekday = chr::weekday{date}.c_encoding();
    if (!day_matches(s, static_cast<unsigned>(ymd.day()), weekday))
      continue;
    if (auto m = first_time_in_day(s, minute_of_day))
      return (day * 1440 + *m) * minute_ms;
  }
  return std::nullopt;
}

}  // namespace jobmesh::actors
