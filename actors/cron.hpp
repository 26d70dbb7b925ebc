#pragma once
/// Cron schedules: a classic 5-field expression "minute hour day-of-month month day-of-week",
/// always read in UTC, with Vixie cron semantics. Each field is `*`, a number, a range `a-b`,
/// a step (`*/n`, `a-b/n`, `a/n`) or a comma-separated list of those; months and days of the
/// week also take three-letter names, and day of week 7 is Sunday like 0. When both day fields
/// are restricted a day is due if EITHER matches. The aliases @hourly, @daily (@midnight),
/// @weekly, @monthly and @yearly (@annually) are accepted in place of the 5 fields.

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace jobmesh::actors {

/// A parsed cron expression: one bit per value that is due.
struct cron_schedule {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days_of_month;  // bit 1..31
  std::bitset<13> months;         // bit 1..12
  std::bitset<7> days_of_week;    // bit 0..6, 0 = Sunday
  /// The field was "*" (or "*/1"); decides the either-day-field rule.
  bool any_day_of_month = true;
  bool any_day_of_week = true;
  std::string text;  // the expression as given, trimmed
};

/// Why an expression was rejected. `field` is one of "minute", "hour", "day_of_month", "month",
/// "day_of_week", or "cron" for the whole expression (wrong field count, unknown alias).
struct cron_error {
  std::string field;
  std::string message;
};

/// Parses `text`; an expression that can never be due (e.g. "0 0 30 2 *") is an error.
std::variant<cron_schedule, cron_error> parse_cron(std::string_view text);

/// The first due time strictly after `after_ms` (milliseconds since the Unix epoch, UTC), always
/// on a whole minute; nullopt when none within ~8 years (enough for any schedule parse_cron
/// accepts, even Feb 29 across the non-leap 2100).
std::optional<std::int64_t> next_due(const cron_schedule& s, std::int64_t after_ms);

}  // namespace jobmesh::actors
