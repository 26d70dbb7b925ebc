// `POST /api/v1/activity` bodies: each rule named by line and field; good lines taken.
#include "net/activity_request.hpp"

#include <gmock/gmock.h>

using namespace jobmesh::net;
using ::testing::HasSubstr;

namespace {

constexpr std::int64_t k_now_ms = 1'900'000'000'000;

activity_lines lines_of(std::string_view body, bool ndjson = true) {
  auto r = parse_activity(body, ndjson, k_now_ms);
  if (auto* e = std::get_if<field_error>(&r)) {
    ADD_FAILURE() << e->message;
    return {};
  }
  return std::get<activity_lines>(std::move(r));
}

line_error only_rejection(std::string_view line) {
  auto l = lines_of(line, false);
  EXPECT_TRUE(l.events.empty());
  EXPECT_EQ(l.rejected.size(), 1u);
  return l.rejected.empty() ? line_error{} : l.rejected.front();
}

}  // namespace

TEST(parse_activity, good_events_are_taken_with_their_times_and_values) {
  auto l = lines_of(R"({"candidate_id":"c1","kind":"login"}
{"candidate_id":"c1","kind":"view","posting_id":"p1","at":"2030-03-17T17:46:40Z"}

{"candidate_id":"c1","kind":"session_end","value":1500,"at":"2030-03-17T17:46:40.250Z"}
{"candidate_id":"c1","kind":"review","value":4,"posting_id":"p1"})");
  ASSERT_EQ(l.events.size(), 4u);
  EXPECT_TRUE(l.rejected.empty());
  EXPECT_EQ(l.events[0].at, k_now_ms) << "no `at`: now";
  EXPECT_EQ(l.events[0].received_at, k_now_ms);
  EXPECT_EQ(l.events[1].posting_id, "p1");
  EXPECT_EQ(l.events[1].at, 1'900'000'000'000) << "2030-03-17T17:46:40Z is 1.9e12 ms";
  EXPECT_EQ(l.events[2].at, 1'900'000'000'250);
  EXPECT_EQ(l.events[2].value, 1500);
  EXPECT_EQ(l.events[3].kind, "review");
}

TEST(parse_activity, each_broken_rule_names_its_field) {
  EXPECT_EQ(only_rejection(R"({"kind":"login"})").field, "candidate_id");
  EXPECT_EQ(only_rejection(R"({"candidate_id":"c 1","kind":"login"})").field, "candidate_id");
  EXPECT_THAT(only_rejection(R"({"candidate_id":"c1","kind":"click"})").message, HasSubstr("login, session_end"));
  EXPECT_EQ(only_rejection(R"({"candidate_id":"c1","kind":"apply"})").field, "posting_id");
  EXPECT_EQ(only_rejection(R"({"candidate_id":"c1","kind":"login","posting_id":"p1"})").field, "posting_id");
  EXPECT_EQ(only_rejection(R"({"candidate_id":"c1","kind":"session_end"})").field, "value");
  EXPECT_EQ(only_rejection(R"({"candidate_id":"c1","kind":"session_end","value":-3})").field, "value");
  EXPECT_EQ(only_rejection(R"({"candidate_id":"c1","kind":"review","value":6})").field, "value");
  EXPECT_EQ(only_rejection(R"({"candidate_id":"c1","kind":"review","value":4.5})").field, "value");
  EXPECT_EQ(only_rejection(R"({"candidate_id":"c1","kind":"login","value":1})").field, "value");
  EXPECT_EQ(only_rejection(R"({"candidate_id":"c1","kind":"login","at":"yesterday"})").field, "at");
  EXPECT_EQ(only_rejection(R"({"candidate_id":"c1","kind":"login","at":"2030-02-30T00:00:00Z"})").field, "at");
  EXPECT_THAT(only_rejection(R"({"candidate_id":"c1","kind":"login","at":"2099-01-01T00:00:00Z"})").message,
              HasSubstr("future"));
  EXPECT_EQ(only_rejection(R"({"candidate_id":"c1","kind":"login","kind":"view"})").field, "kind");
  EXPECT_EQ(only_rejection(R"({"candidate_id":"c1","kind":"login","extra":1})").field, "extra");
  EXPECT_THAT(only_rejection(R"({"candidate_id":"c1",)").message, HasSubstr("not valid JSON"));
}

TEST(parse_activity, bad_lines_are_named_by_line_and_the_rest_taken) {
  auto l = lines_of("{\"candidate_id\":\"c1\",\"kind\":\"login\"}\n{\"kind\":\"login\"}\n\n"
                    "{\"candidate_id\":\"c2\",\"kind\":\"apply\",\"posting_id\":\"p9\"}\n");
  ASSERT_EQ(l.events.size(), 2u);
  ASSERT_EQ(l.rejected.size(), 1u);
  EXPECT_EQ(l.rejected[0].line, 2);
  EXPECT_EQ(l.rejected[0].field, "candidate_id");
  EXPECT_TRUE(std::holds_alternative<field_error>(parse_activity("\n \n", true, k_now_ms)));
  EXPECT_TRUE(std::holds_alternative<field_error>(parse_activity("", false, k_now_ms)));
}

TEST(parse_utc_time, reads_rfc_3339_utc_and_refuses_the_rest) {
  EXPECT_EQ(parse_utc_time("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_utc_time("2030-03-17T17:46:40Z"), 1'900'000'000'000);
  EXPECT_EQ(parse_utc_time("2030-03-17T17:46:40.5Z"), 1'900'000'000'500);
  EXPECT_EQ(parse_utc_time("2030-03-17T17:46:40.123456Z"), 1'900'000'000'123);
  for (const char* bad : {"2030-03-17 17:46:40Z", "2030-03-17T17:46:40", "2030-03-17T17:46:40+01:00",
                          "2030-13-01T00:00:00Z", "2030-03-17T24:00:00Z", "2030-03-17T17:46:40.Z", ""})
    EXPECT_EQ(parse_utc_time(bad), std::nullopt) << bad;
}
