#include "actors/cron.hpp"

#include <gtest/gtest.h>

#include <chrono>

using namespace jobmesh;
using actors::cron_error;
using actors::cron_schedule;
using actors::next_due;
using actors::parse_cron;

namespace {

cron_schedule parse(std::string_view text) {
  auto result = parse_cron(text);
  if (auto* e = std::get_if<cron_error>(&result)) {
    ADD_FAILURE() << "'" << text << "' rejected: " << e->field << ": " << e->message;
    return {};
  }
  return std::get<cron_schedule>(result);
}

cron_error error_of(std::string_view text) {
  auto result = parse_cron(text);
  if (std::holds_alternative<cron_schedule>(result)) {
    ADD_FAILURE() << "'" << text << "' was accepted";
    return {};
  }
  return std::get<cron_error>(result);
}

/// The set values as "a,b,c", so a failing check shows what was parsed.
template <std::size_t n>
std::string values(const std::bitset<n>& bits) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    if (bits[i])
      out += (out.empty() ? "" : ",") + std::to_string(i);
  return out;
}

/// next_due of `text` after `after_ms`, in seconds; -1 for none.
std::int64_t due_s(std::string_view text, std::int64_t after_ms) {
  auto due = next_due(parse(text), after_ms);
  if (due && *due % 60'000 != 0)
    ADD_FAILURE() << *due << " is not on a whole minute";
  return due ? *due / 1000 : -1;
}

constexpr std::int64_t ms(std::int64_t seconds) { return seconds * 1000; }

/// Steps minute by minute, the slow obvious way, to check next_due's skipping.
std::int64_t brute_force_due_s(const cron_schedule& s, std::int64_t after_s) {
  namespace chr = std::chrono;
  for (auto t = after_s - after_s % 60 + 60;; t += 60) {
    chr::sys_seconds at{chr::seconds{t}};
    auto day = chr::floor<chr::days>(at);
    chr::year_month_day ymd{day};
    chr::hh_mm_ss hms{at - day};
    bool dom = s.days_of_month[static_cast<unsigned>(ymd.day())];
    bool dow = s.days_of_week[chr::weekday{day}.c_encoding()];
    bool day_ok = s.any_day_of_month || s.any_day_of_week ? dom && dow : dom || dow;
    if (day_ok && s.months[static_cast<unsigned>(ymd.month())] &&
        s.hours[static_cast<std::size_t>(hms.hours().count())] &&
        s.minutes[static_cast<std::size_t>(hms.minutes().count())])
      return t;
  }
}

// Epoch seconds from `date -u -d '<date>' +%s`.
constexpr std::int64_t jan01_2024 = 1704067200;       // 2024-01-01T00:00:00Z, a Monday
constexpr std::int64_t jan01_2024_0001 = 1704067260;  // 2024-01-01T00:01:00Z

}  // namespace

TEST(cron, star_means_every_value_and_text_is_trimmed) {
  auto s = parse(" \t* * * * *  ");
  EXPECT_EQ(s.minutes.count(), 60u);
  EXPECT_EQ(s.hours.count(), 24u);
  EXPECT_EQ(values(s.days_of_month), values(parse("* * 1-31 * *").days_of_month));
  EXPECT_FALSE(s.days_of_month[0]);
  EXPECT_EQ(values(s.months), "1,2,3,4,5,6,7,8,9,10,11,12");
  EXPECT_EQ(values(s.days_of_week), "0,1,2,3,4,5,6");
  EXPECT_TRUE(s.any_day_of_month);
  EXPECT_TRUE(s.any_day_of_week);
  EXPECT_EQ(s.text, "* * * * *");
}

TEST(cron, numbers_ranges_steps_and_lists) {
  EXPECT_EQ(values(parse("5 * * * *").minutes), "5");
  EXPECT_EQ(values(parse("* 9-12 * * *").hours), "9,10,11,12");
  EXPECT_EQ(values(parse("*/15 * * * *").minutes), "0,15,30,45");
  EXPECT_EQ(values(parse("10-20/5 * * * *").minutes), "10,15,20");
  EXPECT_EQ(values(parse("50/3 * * * *").minutes), "50,53,56,59");
  EXPECT_EQ(values(parse("* * 1,15,28-31 * *").days_of_month), "1,15,28,29,30,31");
  EXPECT_EQ(values(parse("1,*/20 * * * *").minutes), "0,1,20,40");
}

TEST(cron, fields_may_be_separated_by_several_spaces_and_tabs) {
  auto s = parse("0\t\t3   *\t* 1");
  EXPECT_EQ(values(s.minutes), "0");
  EXPECT_EQ(values(s.hours), "3");
  EXPECT_EQ(values(s.days_of_week), "1");
}

TEST(cron, month_and_day_names_in_any_case) {
  EXPECT_EQ(values(parse("* * * JAN,mar-May *").months), "1,3,4,5");
  EXPECT_EQ(values(parse("* * * dec/2 *").months), "12");
  EXPECT_EQ(values(parse("* * * * mon-fri").days_of_week), "1,2,3,4,5");
  EXPECT_EQ(values(parse("* * * * Sun,SAT").days_of_week), "0,6");
}

TEST(cron, day_of_week_7_is_sunday) {
  EXPECT_EQ(values(parse("* * * * 7").days_of_week), "0");
  EXPECT_EQ(values(parse("* * * * 0").days_of_week), "0");
  EXPECT_EQ(values(parse("* * * * 5-7").days_of_week), "0,5,6");
  // An open-ended step stops at Saturday, so it does not pick up 7 as an extra Sunday.
  EXPECT_EQ(values(parse("* * * * 1/2").days_of_week), "1,3,5");
}

TEST(cron, only_star_or_star_step_1_count_as_any_day) {
  EXPECT_TRUE(parse("* * */1 * */1").any_day_of_month);
  EXPECT_TRUE(parse("* * */1 * */1").any_day_of_week);
  EXPECT_FALSE(parse("* * 1-31 * *").any_day_of_month);
  EXPECT_FALSE(parse("* * */2 * *").any_day_of_month);
  EXPECT_FALSE(parse("* * * * 0-6").any_day_of_week);
}

TEST(cron, aliases_expand_to_five_fields) {
  auto daily = parse("@daily");
  EXPECT_EQ(values(daily.minutes), "0");
  EXPECT_EQ(values(daily.hours), "0");
  EXPECT_EQ(daily.text, "@daily");
  EXPECT_EQ(values(parse("@weekly").days_of_week), "0");
  EXPECT_EQ(values(parse("@yearly").months), "1");
  EXPECT_EQ(error_of("@sometimes").field, "cron");
}

TEST(cron, wrong_field_count_is_a_cron_error) {
  auto e = error_of("0 3 * *");
  EXPECT_EQ(e.field, "cron");
  EXPECT_EQ(e.message, "expected 5 fields (minute hour day-of-month month day-of-week), got 4");
  EXPECT_EQ(error_of("0 3 * * * *").message.substr(e.message.size() - 5), "got 6");
  EXPECT_EQ(error_of("   ").field, "cron");
}

TEST(cron, out_of_range_values_name_their_field) {
  auto e = error_of("0 24 * * *");
  EXPECT_EQ(e.field, "hour");
  EXPECT_EQ(e.message, "24 is out of range 0-23");
  EXPECT_EQ(error_of("60 * * * *").field, "minute");
  EXPECT_EQ(error_of("* * 0 * *").field, "day_of_month");
  EXPECT_EQ(error_of("* * 32 * *").message, "32 is out of range 1-31");
  EXPECT_EQ(error_of("* * * 13 *").field, "month");
  EXPECT_EQ(error_of("* * * * 8").message, "8 is out of range 0-7");
  EXPECT_EQ(error_of("* * * * 8").field, "day_of_week");
}

TEST(cron, malformed_items_name_their_field_and_problem) {
  EXPECT_EQ(error_of("* 5-3 * * *").field, "hour");
  EXPECT_EQ(error_of("* 5-3 * * *").message, "range '5-3' goes backwards (must be ascending)");
  EXPECT_EQ(error_of("*/0 * * * *").message, "step 0 must be at least 1");
  EXPECT_EQ(error_of("*/x * * * *").field, "minute");
  EXPECT_EQ(error_of("abc * * * *").message, "'abc' is not a number");
  EXPECT_EQ(error_of("* * * mon *").message, "'mon' is not a number or month name");
  EXPECT_EQ(error_of("* * * * jan").field, "day_of_week");
  EXPECT_EQ(error_of("* * 1,,2 * *").field, "day_of_month");
  EXPECT_EQ(error_of("* * * 1- *").field, "month");
  EXPECT_EQ(error_of("1-2-3 * * * *").field, "minute");
  EXPECT_EQ(error_of("1/2/3 * * * *").field, "minute");
  EXPECT_EQ(error_of("-1 * * * *").message, "'-1' is not a range a-b");
  EXPECT_EQ(error_of("99999999999 * * * *").field, "minute");
}

TEST(cron, a_day_that_never_occurs_in_the_months_given_is_rejected) {
  auto e = error_of("0 0 30 2 *");
  EXPECT_EQ(e.field, "day_of_month");
  EXPECT_NE(e.message.find("never occurs in the months given"), std::string::npos) << e.message;
  EXPECT_EQ(error_of("0 0 31 4,6 *").field, "day_of_month");
  // Still due: Feb 29 in leap years, and with a weekday the either-field rule applies.
  parse("0 0 29 2 *");
  parse("0 0 30 2 1");
}

TEST(cron, every_minute_is_due_at_the_next_whole_minute) {
  EXPECT_EQ(due_s("* * * * *", ms(jan01_2024)), jan01_2024_0001);
}

TEST(cron, seconds_within_a_minute_round_up_to_the_next_minute) {
  EXPECT_EQ(due_s("* * * * *", ms(jan01_2024) + 1), jan01_2024_0001);
  EXPECT_EQ(due_s("* * * * *", ms(1704067230) + 500), jan01_2024_0001);  // 00:00:30.5
  EXPECT_EQ(due_s("* * * * *", ms(1704067259) + 999), jan01_2024_0001);  // 00:00:59.999
}

TEST(cron, every_15_minutes_wraps_into_the_next_hour) {
  EXPECT_EQ(due_s("*/15 * * * *", ms(1704067620)), 1704068100);  // 00:07 -> 00:15
  EXPECT_EQ(due_s("*/15 * * * *", ms(1704069900)), 1704070800);  // 00:45 -> 01:00
}

TEST(cron, daily_time_already_passed_moves_to_the_next_day) {
  // 2024-01-01T05:00Z -> 2024-01-02T03:00Z
  EXPECT_EQ(due_s("0 3 * * *", ms(1704085200)), 1704164400);
}

TEST(cron, due_is_strictly_after_a_time_exactly_on_a_due_minute) {
  // 2024-01-02T03:00:00Z -> 2024-01-03T03:00Z
  EXPECT_EQ(due_s("0 3 * * *", ms(1704164400)), 1704250800);
}

TEST(cron, first_of_month_across_month_and_year_boundaries) {
  // 2024-01-15T00:00Z -> 2024-02-01T00:00Z
  EXPECT_EQ(due_s("0 0 1 * *", ms(1705276800)), 1706745600);
  // 2024-12-31T23:59:59Z -> 2025-01-01T00:00Z
  EXPECT_EQ(due_s("0 0 1 * *", ms(1735689599)), 1735689600);
  // 2024-01-01T00:00Z -> 2024-12-31T23:59Z
  EXPECT_EQ(due_s("59 23 31 12 *", ms(jan01_2024)), 1735689540);
}

TEST(cron, day_31_skips_months_without_it) {
  // 2024-04-01T00:00Z -> 2024-05-31T00:00Z
  EXPECT_EQ(due_s("0 0 31 * *", ms(1711929600)), 1717113600);
}

TEST(cron, feb_29_waits_for_a_leap_year) {
  // 2025-01-01T00:00Z -> 2028-02-29T00:00Z
  EXPECT_EQ(due_s("0 0 29 2 *", ms(1735689600)), 1835395200);
  // 2096-03-01T00:00Z -> 2104-02-29T00:00Z: 2100 is not a leap year
  EXPECT_EQ(due_s("0 0 29 2 *", ms(3981398400)), 4233686400);
}

TEST(cron, day_of_month_or_day_of_week_when_both_are_restricted) {
  // 2024-10-01T00:00Z (Tue) -> 2024-10-04T00:00Z, a Friday before the 13th
  EXPECT_EQ(due_s("0 0 13 * 5", ms(1727740800)), 1728000000);
  // 2024-10-11T00:00Z (Fri) -> 2024-10-13T00:00Z, a Sunday the 13th before the next Friday
  EXPECT_EQ(due_s("0 0 13 * 5", ms(1728604800)), 1728777600);
}

TEST(cron, sunday_as_0_and_as_7) {
  // 2024-01-01T00:00Z (Mon) -> 2024-01-07T12:00Z (Sun)
  EXPECT_EQ(due_s("0 12 * * 0", ms(jan01_2024)), 1704628800);
  EXPECT_EQ(due_s("0 12 * * 7", ms(jan01_2024)), 1704628800);
  EXPECT_EQ(due_s("0 12 * * sun", ms(jan01_2024)), 1704628800);
}

TEST(cron, names_pick_the_first_monday_of_march) {
  // 2024-01-01T00:00Z -> 2024-03-04T08:30Z
  EXPECT_EQ(due_s("30 8 * mar mon", ms(jan01_2024)), 1709541000);
}

TEST(cron, times_before_the_epoch_work) {
  // 1969-06-01T00:00Z -> 1970-01-01T00:00Z
  EXPECT_EQ(due_s("0 0 1 1 *", ms(-18489600)), 0);
  EXPECT_EQ(due_s("* * * * *", -1), 0);
}

TEST(cron, agrees_with_stepping_minute_by_minute) {
  const char* expressions[] = {"*/7 */5 * * *", "30 22 * * 1-5",   "0 0 13 * 5",
                               "15 9 29,30 * *", "0 12 */10 * 2", "5 4 31 * *",
                               "0 0 1 jan,jul *"};
  // Not on a whole minute, and across month, leap-day and year ends.
  const std::int64_t starts_s[] = {1704067230, 1706745599, 1709164800, 1735689599};
  for (const char* text : expressions) {
    auto s = parse(text);
    for (auto start : starts_s)
      EXPECT_EQ(next_due(s, ms(start)), ms(brute_force_due_s(s, start))) << text << " " << start;
  }
}

TEST(cron, a_schedule_with_no_values_is_never_due) {
  cron_schedule empty;
  EXPECT_FALSE(next_due(empty, ms(jan01_2024)));
}
