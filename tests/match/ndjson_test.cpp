#include "match/ndjson.hpp"
#include "match/normaliser.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace jobmesh::match;
using ::testing::HasSubstr;

namespace {

record_error only_error(std::string_view line) {
  auto r = read_postings(line);
  EXPECT_TRUE(r.records.empty()) << line;
  EXPECT_EQ(r.errors.size(), 1u) << line;
  return r.errors.empty() ? record_error{} : r.errors[0];
}

record_error only_candidate_error(std::string_view line) {
  auto r = read_candidates(line);
  EXPECT_TRUE(r.records.empty()) << line;
  EXPECT_EQ(r.errors.size(), 1u) << line;
  return r.errors.empty() ? record_error{} : r.errors[0];
}

}  // namespace

TEST(ndjson, reads_a_posting_with_defaults_and_keeps_unknown_fields) {
  auto r = read_postings(R"({"id":"p1","company":"Acme","title":"Engineer","team":{"size":4},"tags":["a"]})");
  ASSERT_EQ(r.records.size(), 1u);
  const auto& p = r.records[0];
  EXPECT_EQ(p.mode, work_mode::onsite);
  EXPECT_EQ(p.employment, employment_type::full_time);
  EXPECT_EQ(p.experience_level, 2);
  EXPECT_FALSE(p.coordinates);
  ASSERT_EQ(p.extra.size(), 2u);
  EXPECT_EQ(p.extra[0], (extra_field{"team", R"({"size":4})"}));
  auto again = read_postings(to_json(p));
  ASSERT_EQ(again.records.size(), 1u);
  EXPECT_EQ(to_json(again.records[0]), to_json(p));
}

TEST(ndjson, every_posting_rule_names_line_and_field) {
  EXPECT_EQ(only_error(R"({"company":"A","title":"t"})").field, "id");
  EXPECT_THAT(only_error(R"({"id":"a b","company":"A","title":"t"})").message, HasSubstr("[A-Za-z0-9_.:-]"));
  EXPECT_EQ(only_error(R"({"id":")" + std::string(65, 'x') + R"(","company":"A","title":"t"})").field, "id");
  EXPECT_EQ(only_error(R"({"id":"p","company":"","title":"t"})").field, "company");
  EXPECT_EQ(only_error(R"({"id":"p","company":"A"})").field, "title");
  EXPECT_EQ(only_error(R"({"id":"p","company":"A","title":"t","lat":10})").field, "lon");
  EXPECT_THAT(only_error(R"({"id":"p","company":"A","title":"t","lat":91,"lon":0})").message, HasSubstr("lat must be in [-90, 90], got 91"));
  EXPECT_EQ(only_error(R"({"id":"p","company":"A","title":"t","lat":0,"lon":-181})").field, "lon");
  EXPECT_EQ(only_error(R"({"id":"p","company":"A","title":"t","work_mode":"office"})").field, "work_mode");
  EXPECT_EQ(only_error(R"({"id":"p","company":"A","title":"t","employment_type":"gig"})").field, "employment_type");
  EXPECT_EQ(only_error(R"({"id":"p","company":"A","title":"t","required_skills":"go"})").field, "required_skills");
  EXPECT_EQ(only_error(R"({"id":"p","company":"A","title":"t","required_skills":["go",3]})").field, "required_skills");
  EXPECT_EQ(only_error(R"({"id":"p","company":"A","title":"t","salary_min":-1})").field, "salary_min");
  EXPECT_THAT(only_error(R"({"id":"p","company":"A","title":"t","salary_min":9,"salary_max":5})").message, HasSubstr("salary_min must be <= salary_max"));
  EXPECT_EQ(only_error(R"({"id":"p","company":"A","title":"t","experience_level":"guru"})").field, "experience_level");
  EXPECT_EQ(only_error(R"({"id":"p","company":"A","title":"t","min_years":-2})").field, "min_years");
  EXPECT_EQ(only_error(R"({"id":"p","company":"A","title":"t","posted_date":"2026-13-01"})").field, "posted_date");
  EXPECT_EQ(only_error(R"({"id":"p","company":"A","title":"t","deadline_date":"tomorrow"})").field, "deadline_date");
  EXPECT_EQ(only_error("[1]").field, "");
}

TEST(ndjson, every_candidate_rule_names_its_field) {
  EXPECT_EQ(only_candidate_error(R"({"id":"c","max_distance_km":0})").field, "max_distance_km");
  EXPECT_EQ(only_candidate_error(R"({"id":"c","years_experience":-1})").field, "years_experience");
  EXPECT_EQ(only_candidate_error(R"({"id":"c","education_level":"college"})").field, "education_level");
  EXPECT_EQ(only_candidate_error(R"({"id":"c","rating":5.5})").field, "rating");
  EXPECT_EQ(only_candidate_error(R"({"id":"c","review_count":1.5})").field, "review_count");
  EXPECT_EQ(only_candidate_error(R"({"id":"c","completed_jobs":-1})").field, "completed_jobs");
  EXPECT_EQ(only_candidate_error(R"({"id":"c","engagement":1.2})").field, "engagement");
  EXPECT_EQ(only_candidate_error(R"({"id":"c","expected_salary":-5})").field, "expected_salary");
  EXPECT_EQ(only_candidate_error(R"({"id":"c","skills":[null]})").field, "skills");
}

TEST(ndjson, good_lines_are_taken_beside_bad_ones_and_duplicates_rejected) {
  auto r = read_candidates("{\"id\":\"c1\"}\n\n{\"id\":\"c2\",\"rating\":9}\nnot json\n{\"id\":\"c1\"}\n{\"id\":\"c3\"}\n");
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[1].id, "c3");
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(r.errors[0].line, 3u);
  EXPECT_EQ(r.errors[0].field, "rating");
  EXPECT_EQ(r.errors[1].line, 4u);
  EXPECT_EQ(r.errors[2].line, 5u);
  EXPECT_THAT(r.errors[2].message, HasSubstr("earlier line"));
}

TEST(normaliser, folds_case_space_and_synonyms) {
  EXPECT_EQ(normalise_word("  Machine\t  Learning "), "machine learning");
  EXPECT_EQ(normalise_word("Zürich"), "zürich");  // UTF-8 bytes pass through
  normaliser n{{{"ReactJS", "React"}}};
  EXPECT_EQ(n.term("K8S"), "kubernetes");
  EXPECT_EQ(n.term(" reactjs"), "react");
  EXPECT_EQ(n.term("ML"), "machine learning");
  EXPECT_EQ(n.term_set({"js", "JavaScript", " javascript ", ""}), (std::vector<std::string>{"javascript"}));
}

// SPEC-matching.md: either salary bound may be stated alone ("from 50,000"); the order rule
// applies only when both are stated.
TEST(ndjson, a_posting_may_state_only_one_salary_bound) {
  auto got = read_postings(R"({"id":"from","company":"A","title":"t","salary_min":50000}
{"id":"upto","company":"A","title":"t","salary_max":70000}
{"id":"both","company":"A","title":"t","salary_min":50000,"salary_max":70000}
{"id":"equal","company":"A","title":"t","salary_min":60000,"salary_max":60000}
{"id":"swapped","company":"A","title":"t","salary_min":70000,"salary_max":50000}
)");
  ASSERT_EQ(got.records.size(), 4u);
  EXPECT_EQ(got.records[0].salary_min, 50000);
  EXPECT_EQ(got.records[0].salary_max, 0);
  EXPECT_EQ(got.records[1].salary_max, 70000);
  ASSERT_EQ(got.errors.size(), 1u);
  EXPECT_EQ(got.errors[0].line, 5u);
  EXPECT_EQ(got.errors[0].field, "salary_min");
}
