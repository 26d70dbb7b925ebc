#include "net/job_request.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace jobmesh::net;
using ::testing::HasSubstr;

namespace {

field_error error_of(std::string_view body) {
  auto r = parse_job_spec(body);
  if (auto* e = std::get_if<field_error>(&r))
    return *e;
  ADD_FAILURE() << "accepted: " << body;
  return {};
}

}  // namespace

TEST(parse_job_spec, reads_every_field) {
  auto r = parse_job_spec(
      R"({"type":"sleep","params":{"items":20, "ms_per_item": 50},"priority":"high","max_attempts":5,"timeout_s":60,"idempotency_key":"k"})");
  ASSERT_TRUE(std::holds_alternative<jobmesh::actors::job_spec>(r));
  auto spec = std::get<jobmesh::actors::job_spec>(r);
  EXPECT_EQ(spec.type, "sleep");
  EXPECT_EQ(spec.params, R"({"items":20,"ms_per_item":50})");
  EXPECT_EQ(spec.priority, 10);
  EXPECT_EQ(spec.max_attempts, 5);
  EXPECT_EQ(spec.timeout_s, 60);
  EXPECT_EQ(spec.idempotency_key, "k");
}

TEST(parse_job_spec, defaults_and_integer_priority) {
  auto spec = std::get<jobmesh::actors::job_spec>(parse_job_spec(R"({"type":"noop","priority":-3})"));
  EXPECT_EQ(spec.params, "{}");
  EXPECT_EQ(spec.priority, -3);
  EXPECT_EQ(spec.max_attempts, 0);
}

TEST(parse_job_spec, each_broken_rule_names_its_field) {
  EXPECT_EQ(error_of(R"({"type":"sleep",)").field, "");
  EXPECT_THAT(error_of(R"({"type":"sleep",)").message, HasSubstr("not valid JSON"));
  // Valid JSON whose number no field can hold: the message says which numbers are read.
  EXPECT_THAT(error_of(R"({"type":"sleep","priority":1e400})").message, HasSubstr("within a double's range"));
  EXPECT_THAT(error_of("[1,2]").message, HasSubstr("must be a JSON object"));
  EXPECT_EQ(error_of("{}").field, "type");
  EXPECT_EQ(error_of(R"({"type":""})").field, "type");
  EXPECT_EQ(error_of(R"({"type":7})").field, "type");
  EXPECT_EQ(error_of(R"({"type":"a","params":[1]})").field, "params");
  EXPECT_EQ(error_of(R"({"type":"a","priority":"urgent"})").field, "priority");
  EXPECT_EQ(error_of(R"({"type":"a","priority":101})").field, "priority");
  EXPECT_EQ(error_of(R"({"type":"a","max_attempts":0})").field, "max_attempts");
  EXPECT_EQ(error_of(R"({"type":"a","timeout_s":-1})").field, "timeout_s");
  EXPECT_EQ(error_of(R"({"type":"a","idempotency_key":""})").field, "idempotency_key");
  auto unknown = error_of(R"({"type":"a","prority":1})");
  EXPECT_EQ(unknown.field, "prority");
  EXPECT_THAT(unknown.message, HasSubstr("unknown field 'prority'"));
}

TEST(parse_job_filter, checks_status_and_limit) {
  auto f = std::get<jobmesh::storage::job_filter>(parse_job_filter({{"status", "running"}, {"limit", "5"}}));
  EXPECT_EQ(f.status, "running");
  EXPECT_EQ(f.limit, 5);
  EXPECT_EQ(std::get<field_error>(parse_job_filter({{"status", "done"}})).field, "status");
  EXPECT_EQ(std::get<field_error>(parse_job_filter({{"limit", "0"}})).field, "limit");
  EXPECT_EQ(std::get<field_error>(parse_job_filter({{"limit", "5x"}})).field, "limit");
}

TEST(parse_job_filter, a_cursor_is_a_job_id) {
  auto f = std::get<jobmesh::storage::job_filter>(parse_job_filter({{"after", "01M819SZZC4RY7478857NQTNXP"}}));
  EXPECT_EQ(f.after, "01M819SZZC4RY7478857NQTNXP");
  for (const char* bad : {"garbage", "!!!", "zzzz", "01m819szzc4ry7478857nqtnxp", "01M819SZZC4RY7478857NQTNX"}) {
    auto parsed = parse_job_filter({{"after", bad}});
    auto* e = std::get_if<field_error>(&parsed);
    ASSERT_NE(e, nullptr) << bad;
    EXPECT_EQ(e->field, "after");
    EXPECT_THAT(e->message, HasSubstr("job id"));
  }
}

TEST(parse_item_filter, checks_status_and_cursor) {
  auto f = std::get<jobmesh::storage::item_filter>(parse_item_filter("j", {{"status", "failed"}, {"after", "7"}}));
  EXPECT_EQ(f.after, 7);
  ASSERT_TRUE(f.status);
  EXPECT_EQ(std::get<field_error>(parse_item_filter("j", {{"status", "ok"}})).field, "status");
  EXPECT_EQ(std::get<field_error>(parse_item_filter("j", {{"after", "-2"}})).field, "after");
}

TEST(parse_job_spec, a_key_given_twice_is_refused_naming_it) {
  auto twice = error_of(R"({"type":"noop","type":"sleep"})");
  EXPECT_EQ(twice.field, "type");
  EXPECT_THAT(twice.message, HasSubstr("appears twice"));
  EXPECT_EQ(error_of(R"({"type":"noop","params":{"items":1,"items":2}})").field, "params.items");
  EXPECT_EQ(error_of(R"({"type":"noop","params":{"list":[{"a":1},{"a":1,"a":2}]}})").field, "params.list[1].a");
  EXPECT_TRUE(std::holds_alternative<jobmesh::actors::job_spec>(parse_job_spec(R"({"type":"noop","params":{"a":{"x":1},"b":{"x":1}}})")))
      << "the same key in two objects is fine";
}
