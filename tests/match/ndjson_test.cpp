#include "match/ndjson.hpp"
#include "match/json_keys.hpp"
#include "match/normaliser.hpp"
#include "tests/scratch_dir.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <regex>
#include <thread>

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

// Boost.JSON 1.81 writes a double as "4.368288E1"; a record written from its fields (the
// generator's, the demo's) carries its numbers as people write them and read back the same.
TEST(ndjson, a_record_written_from_its_fields_has_plain_numbers) {
  auto p = read_postings(
      R"({"id":"p1","company":"Acme","title":"Engineer","lat":43.68288,"lon":-79.4,"salary_min":52000.5})");
  ASSERT_EQ(p.records.size(), 1u);
  auto text = to_json(p.records[0]);
  EXPECT_THAT(text, HasSubstr(R"("lat":43.68288,"lon":-79.4)"));
  EXPECT_THAT(text, HasSubstr(R"("salary_min":52000.5)"));
  EXPECT_FALSE(std::regex_search(text, std::regex{"[0-9][eE][-+]?[0-9]"})) << text;
  auto c = read_candidates(R"({"id":"c1","full_name":"Ada","rating":4.25,"lat":-33.8925,"lon":151.0732})");
  ASSERT_EQ(c.records.size(), 1u);
  EXPECT_THAT(to_json(c.records[0]), HasSubstr(R"("rating":4.25)"));
  EXPECT_THAT(to_json(c.records[0]), HasSubstr(R"("lat":-33.8925,"lon":151.0732)"));
}

TEST(ndjson, every_posting_rule_names_line_and_field) {
  EXPECT_EQ(only_error(R"({"company":"A","title":"t"})").field, "id");
  EXPECT_THAT(only_error(R"({"id":"a b","company":"A","title":"t"})").message, HasSubstr("[A-Za-z0-9_.:-]"));
  EXPECT_EQ(only_error(R"({"id":")" + std::string(65, 'x') + R"(","company":"A","title":"t"})").field, "id");
  EXPECT_EQ(only_error(R"({"id":"p","company":"","title":"t"})").field, "company");
  EXPECT_EQ(only_error(R"({"id":"p","company":"A"})").field, "title");
  EXPECT_THAT(only_error(R"({"id":"p","company":"A","title":"t","ext_id":18446744073709551616})").message,
              HasSubstr("integers must lie within [-2^63, 2^64 - 1]"));
  EXPECT_EQ(only_error(R"({"id":"p","company":" \u00a0 ","title":"t"})").message, "company must not be only white space");
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
  EXPECT_THAT(only_error(R"({"id":"p","company":"A","title":"t","posted_date":"2026-02-29"})").message,
              HasSubstr(R"(posted_date must be a date YYYY-MM-DD, got "2026-02-29")"));
  EXPECT_EQ(only_error(R"({"id":"p","company":"A","title":"t","deadline_date":"2026-04-31"})").field, "deadline_date");
  EXPECT_EQ(only_error(R"({"id":"p","company":"A","title":"t","deadline_date":"tomorrow"})").field, "deadline_date");
  EXPECT_EQ(only_error("[1]").field, "");
}

// A date is a day its month has: leap days in leap years only.
TEST(ndjson, dates_are_days_of_the_calendar) {
  auto r = read_postings(R"({"id":"p","company":"A","title":"t","posted_date":"2024-02-29","deadline_date":"2026-12-31"})");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].posted_date, "2024-02-29");
  EXPECT_EQ(only_error(R"({"id":"p","company":"A","title":"t","posted_date":"2100-02-29"})").field, "posted_date");
  EXPECT_EQ(only_error(R"({"id":"p","company":"A","title":"t","posted_date":"2026-06-00"})").field, "posted_date");
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

TEST(ndjson, each_taken_record_keeps_its_line_as_given) {
  auto r = read_candidates(" {\"id\":\"c1\", \"x\": 1.50}\t\r\n\n{\"id\":\"c2\",\"rating\":9}\n{\"id\":\"c3\"}");
  ASSERT_EQ(r.records.size(), 2u);
  ASSERT_EQ(r.sources.size(), 2u);
  EXPECT_EQ(r.sources[0], R"({"id":"c1", "x": 1.50})") << "trimmed, and nothing else changed";
  EXPECT_EQ(r.sources[1], R"({"id":"c3"})") << "a rejected line has no source";
}

TEST(ndjson, one_line_takes_out_whitespace_between_tokens_only) {
  EXPECT_EQ(one_line("{\n  \"a\" : [1, 2],\r\n\t\"b\": \"x  y\\\" \\\\\", \"c\":\"\\\"\"\n}\n"),
            R"({"a":[1,2],"b":"x  y\" \\","c":"\""})");
  EXPECT_EQ(one_line(R"({"id":"p1"})"), R"({"id":"p1"})");
  EXPECT_EQ(one_line("{\"unterminated: 1 }"), "{\"unterminated: 1 }") << "copied as it is; the reader names the error";
}

namespace {

// The threaded reader must say exactly what one reader says: the same records in the same
// order, the same errors with the lines of the whole text, duplicates across slices included.
void expect_same_reading(const std::string& text) {
  auto one = read_candidates(text);
  for (unsigned threads : {2u, 3u, 7u}) {
    SCOPED_TRACE(::testing::Message() << threads << " threads");
    auto many = read_candidates(text, threads, 1);  // slices of any size: a slice per thread
    EXPECT_EQ(many.records, one.records);
    ASSERT_EQ(many.errors.size(), one.errors.size());
    for (std::size_t i = 0; i < one.errors.size(); ++i) {
      EXPECT_EQ(many.errors[i].line, one.errors[i].line);
      EXPECT_EQ(many.errors[i].field, one.errors[i].field);
      EXPECT_EQ(many.errors[i].message, one.errors[i].message);
    }
  }
}

std::string candidate_line(const std::string& id, int rating = 3) {
  return "{\"id\":\"" + id + "\",\"rating\":" + std::to_string(rating) + ",\"skills\":[\"Go\"]}\n";
}

}  // namespace

TEST(ndjson, reading_on_threads_gives_what_one_reader_gives) {
  std::string mixed;  // blank, broken and rule-breaking lines, ids out of order, duplicates near and far
  for (int i = 0; i < 100; ++i) {
    auto id = "c" + std::to_string(1000 + (i % 13 == 0 ? 99 - i : i));
    switch (i % 10) {
      case 0: mixed += "\n"; break;
      case 3: mixed += "not json\n"; break;
      case 5: mixed += candidate_line("c" + std::to_string(1000 + std::max(0, i - 37))); break;
      case 7: mixed += candidate_line(id, 9); break;
      default: mixed += candidate_line(id);
    }
  }
  expect_same_reading(mixed);
  std::string sorted;
  for (int i = 0; i < 60; ++i)
    sorted += candidate_line("c" + std::to_string(1000 + i));
  expect_same_reading(sorted);
  // Sorted within every slice, but the last line repeats the first id: only a look across the
  // slices finds it.
  auto repeated = sorted + candidate_line("c1000");
  expect_same_reading(repeated);
  auto r = read_candidates(repeated, 2, 1);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 61u);
  EXPECT_THAT(r.errors[0].message, HasSubstr("earlier line"));
  EXPECT_EQ(r.records.size(), 60u);
}

// `jobmesh match --postings <(zcat postings.ndjson.gz)`: a pipe has no size to ask for.
TEST(ndjson, a_file_is_read_whole_whether_a_regular_file_or_a_pipe) {
  jobmesh::testing::scratch_dir dir{"ndjson_file"};
  std::string text;
  for (int i = 0; i < 40'000; ++i)  // a few blocks of the pipe's reads
    text += candidate_line("c" + std::to_string(100000 + i));
  auto file = (dir.path() / "candidates.ndjson").string();
  std::ofstream{file, std::ios::binary} << text;
  EXPECT_EQ(read_ndjson_file(file), text);
  auto fifo = (dir.path() / "pipe").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::jthread writer{[&] { std::ofstream{fifo, std::ios::binary} << text; }};
  EXPECT_EQ(read_ndjson_file(fifo), text);
  EXPECT_THROW(read_ndjson_file((dir.path() / "missing.ndjson").string()), std::runtime_error);
}

TEST(normaliser, folds_case_space_and_synonyms) {
  EXPECT_EQ(normalise_word("  Machine\t  Learning "), "machine learning");
  EXPECT_EQ(normalise_word("ZÜRICH"), "zürich");  // Unicode lower case
  normaliser n{{{"ReactJS", "React"}}};
  EXPECT_EQ(n.term("K8S"), "kubernetes");
  EXPECT_EQ(n.term(" reactjs"), "react");
  EXPECT_EQ(n.term("ML"), "machine learning");
  EXPECT_EQ(n.term_set({"js", "JavaScript", " javascript ", ""}).strings(), (std::vector<std::string>{"javascript"}));
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

// Every field the spec names is read into its member (none left among the extras): whole records.
TEST(ndjson, reads_every_field_of_a_posting) {
  auto r = read_postings(
      R"({"id":"p-1","company":"Acme","title":"Engineer","category":"Data","industry":"Tech","subcategory":"Streaming",)"
      R"("country":"Canada","city":"Toronto","lat":43.7,"lon":-79.4,"work_mode":"hybrid","employment_type":"contract",)"
      R"("required_skills":["Go","SQL"],"certifications":["CKA"],"salary_min":50000,"salary_max":70000.5,)"
      R"("experience_level":"senior","min_years":4,"posted_date":"2026-01-31","deadline_date":"2026-12-01","x":[1,{"y":null}]})");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  posting want{.id = "p-1", .company = "Acme", .title = "Engineer", .category = "Data", .industry = "Tech",
               .subcategory = "Streaming", .country = "Canada", .city = "Toronto",
               .coordinates = geo_point{43.7, -79.4}, .mode = work_mode::hybrid,
               .employment = employment_type::contract, .required_skills = {"Go", "SQL"},
               .certifications = {"CKA"}, .salary_min = 50000, .salary_max = 70000.5, .experience_level = 3,
               .min_years = 4, .posted_date = "2026-01-31", .deadline_date = "2026-12-01",
               .extra = {{"x", R"([1,{"y":null}])"}}};
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0], want);
}

TEST(ndjson, reads_every_field_of_a_candidate) {
  auto r = read_candidates(
      R"({"id":"c:1","full_name":"Ana","country":"Spain","city":"Madrid","lat":40.4,"lon":-3.7,"max_distance_km":25,)"
      R"("industry":"Tech","subcategory":"Web","preferred_categories":["Data"],"skills":["Rust"],"certifications":[],)"
      R"("years_experience":6.5,"experience_level":"lead","education_level":"phd","expected_salary":90000,)"
      R"("current_salary":80000,"rating":4.5,"review_count":12,"completed_jobs":3,"engagement":0.25})");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  candidate want{.id = "c:1", .full_name = "Ana", .country = "Spain", .city = "Madrid",
                 .coordinates = geo_point{40.4, -3.7}, .max_distance_km = 25, .industry = "Tech",
                 .subcategory = "Web", .preferred_categories = {"Data"}, .skills = {"Rust"}, .certifications = {},
                 .years_experience = 6.5, .experience_level = 4, .education = education_level::phd,
                 .expected_salary = 90000, .current_salary = 80000, .rating = 4.5, .review_count = 12,
                 .completed_jobs = 3, .engagement = 0.25, .extra = {}};
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0], want);
}

// The reader walks each object once; these are the cases where that could differ from looking
// each field up by name: repeated keys, escaped keys, nulls and unknown keys.
TEST(ndjson, escaped_and_null_keys_read_as_a_lookup_by_name_and_a_repeated_key_is_refused) {
  auto r = read_candidates(R"({"\u0069d":"c1","city":"Oslo","u":1,"country":null,"rating":null,"education_level":null})");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  ASSERT_EQ(r.records.size(), 1u);
  candidate want{.id = "c1", .city = "Oslo", .extra = {{"u", "1"}, {"education_level", "null"}}};
  EXPECT_EQ(r.records[0], want);  // a null level stays an extra
  // A key given twice is ambiguous (which one counts?): the line is refused, naming it, even
  // when the key is spelt with an escape the second time.
  EXPECT_EQ(only_candidate_error(R"({"id":"c","city":7,"city":"Oslo"})").field, "city");
  EXPECT_EQ(only_candidate_error(R"({"id":"c","u":1,"\u0075":2})").field, "u");
}

// The first rule broken in the order of the spec's table is reported, whatever the key order.
TEST(ndjson, the_first_rule_in_field_order_is_reported) {
  auto e = only_error(R"({"deadline_date":"soon","salary_min":-1,"title":"t","company":"A","id":"p"})");
  EXPECT_EQ(e.field, "salary_min");
  EXPECT_EQ(e.message, "salary_min must be >= 0, got -1");
}

TEST(ndjson, error_messages_are_exact) {
  EXPECT_EQ(only_error(R"({"id":"p","company":"A"})").message, "title is required");
  EXPECT_EQ(only_error(R"({"id":"p","company":"","title":"t"})").message, "company must not be empty");
  EXPECT_EQ(only_error(R"({"id":"a b","company":"A","title":"t"})").message,
            R"(id must be 1 to 64 characters of [A-Za-z0-9_.:-], got "a b")");
  EXPECT_EQ(only_error(R"({"id":"p","company":"A","title":"t","work_mode":"office"})").message,
            R"(work_mode must be one of onsite, hybrid, remote, got "office")");
  EXPECT_EQ(only_error(R"({"id":"p","company":"A","title":"t","required_skills":["go",3]})").message,
            "required_skills must hold strings only, got 3");
  EXPECT_EQ(only_error(R"({"id":"p","company":"A","title":"t","certifications":{"a":1}})").message,
            R"(certifications must be an array of strings, got {"a":1})");
  EXPECT_EQ(only_error(R"({"id":"p","company":"A","title":"t","salary_min":"x"})").message,
            R"(salary_min must be a number, got "x")");
  EXPECT_EQ(only_error(R"({"id":"p","company":"A","title":"t","salary_min":9,"salary_max":5})").message,
            "salary_min must be <= salary_max, got 9 > 5");
  EXPECT_EQ(only_error(R"({"id":"p","company":"A","title":"t","posted_date":"2026-1-1"})").message,
            R"(posted_date must be a date YYYY-MM-DD, got "2026-1-1")");
  EXPECT_EQ(only_error(R"({"id":"p","company":"A","title":"t","lon":1})").message,
            "lat and lon must be given both or neither");
  EXPECT_EQ(only_candidate_error(R"({"id":"c","max_distance_km":0})").message, "max_distance_km must be > 0, got 0");
  EXPECT_EQ(only_candidate_error(R"({"id":"c","review_count":1.5})").message,
            "review_count must be an integer, got 1.5");
  EXPECT_EQ(only_candidate_error(R"({"id":"c","rating":5.5})").message, "rating must be in [0, 5], got 5.5");
  EXPECT_EQ(only_error(R"({"id":"p",)").message,
            "not a JSON object: The JSON document has an improper structure: missing or superfluous commas, braces, "
            "missing keys, etc.");
}

// Ids in increasing order are checked against the previous one only; the first id out of order
// switches to a set of every id: duplicates are found either way.
TEST(ndjson, duplicate_ids_are_found_in_sorted_and_unsorted_input) {
  auto sorted = read_candidates("{\"id\":\"a\"}\n{\"id\":\"b\"}\n{\"id\":\"b\"}\n{\"id\":\"c\"}\n");
  ASSERT_EQ(sorted.errors.size(), 1u);
  EXPECT_EQ(sorted.errors[0].line, 3u);
  EXPECT_EQ(sorted.errors[0].message, R"(id "b" appears on an earlier line)");
  auto unsorted = read_candidates("{\"id\":\"b\"}\n{\"id\":\"d\"}\n{\"id\":\"c\"}\n{\"id\":\"e\"}\n{\"id\":\"b\"}\n"
                                  "{\"id\":\"a\"}\n{\"id\":\"e\"}\n{\"id\":\"f\"}\n");
  std::vector<std::string> ids;
  for (const auto& c : unsorted.records)
    ids.push_back(c.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"b", "d", "c", "e", "a", "f"}));
  ASSERT_EQ(unsorted.errors.size(), 2u);
  EXPECT_EQ(unsorted.errors[0].line, 5u);
  EXPECT_EQ(unsorted.errors[1].line, 7u);
}

TEST(normaliser, sets_are_sorted_by_bytes_without_duplicates_or_empties) {
  normaliser n{{{"Go Lang", "go"}, {" ", "blank"}}};
  EXPECT_EQ(n.term_set({"golang", " GO ", "go  lang", "Ölçü", "zeta", "Alpha"}).strings(),
            (std::vector<std::string>{"alpha", "go", "zeta", "ölçü"}));  // UTF-8 bytes sort after ASCII
  EXPECT_EQ(n.term_set({"", "\t"}).strings(), (std::vector<std::string>{"blank"}));  // as term(""): synonyms first
  EXPECT_EQ(n.word_set({"ML", " ml", "", "Data  Science"}), (std::vector<std::string>{"data science", "ml"}));
  EXPECT_EQ(n.term_set({}).strings(), (std::vector<std::string>{}));
  EXPECT_EQ(normalise_word(" \t\n"), "");
}

TEST(ndjson, a_key_given_twice_rejects_its_line_naming_it) {
  auto read = read_postings("{\"id\":\"p1\",\"company\":\"A\",\"title\":\"t\",\"title\":\"u\"}\n"
                            "{\"id\":\"p2\",\"company\":\"A\",\"title\":\"t\"}\n");
  ASSERT_EQ(read.errors.size(), 1u);
  EXPECT_EQ(read.errors[0].line, 1u);
  EXPECT_EQ(read.errors[0].field, "title");
  EXPECT_THAT(read.errors[0].message, HasSubstr("appears twice"));
  ASSERT_EQ(read.records.size(), 1u);
  EXPECT_EQ(read.records[0].id, "p2");
}

namespace {

template <class Read, class Prepared>
void expect_same_errors(const Read& want, const Prepared& got) {
  ASSERT_EQ(got.errors.size(), want.errors.size());
  for (std::size_t i = 0; i < want.errors.size(); ++i) {
    EXPECT_EQ(got.errors[i].line, want.errors[i].line);
    EXPECT_EQ(got.errors[i].field, want.errors[i].field);
    EXPECT_EQ(got.errors[i].message, want.errors[i].message);
  }
}

}  // namespace

// The preparing reader reads every line into one reused record: a field of an earlier line
// must never show through in a later one (a sparse line follows a full one; a leftover
// salary_min would make the next line's salary_max break the order rule), and it reports what
// the plain reader reports, on any number of threads.
TEST(ndjson, reading_prepared_gives_what_reading_then_preparing_gives) {
  const std::string full_posting =
      R"({"id":"p-1","company":"Acme  Corp","title":"Engineer","category":"Data","industry":"Tech","subcategory":"Streaming",)"
      R"("country":"Canada","city":"Toronto","lat":43.7,"lon":-79.4,"work_mode":"remote","employment_type":"contract",)"
      R"("required_skills":["Go","JS","go"],"certifications":["CKA"],"salary_min":50000,"salary_max":70000.5,)"
      R"("experience_level":"senior","min_years":4,"posted_date":"2026-01-31","deadline_date":"2026-12-01","x":1})";
  std::string postings;
  for (int i = 0; i < 40; ++i) {
    auto id = "p" + std::to_string(100 + (i % 9 == 4 ? i - 3 : i));  // some ids repeat earlier ones
    switch (i % 5) {
      case 0: postings += std::regex_replace(full_posting, std::regex{"p-1"}, id) + "\n"; break;
      case 1: postings += R"({"id":")" + id + R"(","company":"B","title":"t","salary_max":40000})" "\n"; break;
      case 2: postings += "\nnot json\n"; break;
      case 3: postings += R"({"id":")" + id + R"(","company":"","title":"t"})" "\n"; break;
      default: postings += R"({"id":")" + id + R"(","company":"C","title":"t","required_skills":["ML"]})" "\n";
    }
  }
  normaliser words{{{"Corp", "corporation"}}};
  auto read = read_postings(postings);
  ASSERT_GT(read.records.size(), 10u);
  ASSERT_GT(read.errors.size(), 10u);
  auto want = prepare_all(read.records, words);
  for (unsigned threads : {1u, 2u, 3u, 7u}) {
    SCOPED_TRACE(::testing::Message() << threads << " threads");
    auto got = read_prepared_postings(postings, words, threads, 1);
    EXPECT_EQ(got.records, want);
    expect_same_errors(read, got);
  }

  const std::string full_candidate =
      R"({"id":"c-1","full_name":"Ana","country":"Spain","city":"Madrid","lat":40.4,"lon":-3.7,"max_distance_km":25,)"
      R"("industry":"Tech","subcategory":"Web","preferred_categories":["Data","data "],"skills":["Rust","k8s"],)"
      R"("certifications":["X"],"years_experience":6.5,"experience_level":"lead","education_level":"phd",)"
      R"("expected_salary":90000,"current_salary":80000,"rating":4.5,"review_count":12,"completed_jobs":3,"engagement":0.25})";
  std::string candidates;
  for (int i = 0; i < 30; ++i) {
    auto id = "c" + std::to_string(100 + i);
    candidates += i % 3 == 0 ? std::regex_replace(full_candidate, std::regex{"c-1"}, id) + "\n"
                : i % 3 == 1 ? R"({"id":")" + id + "\"}\n"
                             : R"({"id":")" + id + R"(","rating":7})" "\n";
  }
  auto read_c = read_candidates(candidates);
  auto want_c = prepare_all(read_c.records, words);
  ASSERT_EQ(want_c.size(), 20u);
  for (unsigned threads : {1u, 2u, 7u}) {
    SCOPED_TRACE(::testing::Message() << threads << " threads");
    auto got = read_prepared_candidates(candidates, words, threads, 1);
    EXPECT_EQ(got.records, want_c);
    expect_same_errors(read_c, got);
  }
}

// `jobmesh match` reads its files a block at a time: whatever the block size (smaller than a
// line, a few lines, all of them), the threads per block and the file's last newline, it gives
// what reading the whole text gives, with the same errors on the same lines, and ids repeated
// across blocks are refused as within one. A pipe reads the same.
TEST(ndjson, reading_a_file_by_blocks_gives_what_reading_its_whole_text_gives) {
  jobmesh::testing::scratch_dir dir{"ndjson_blocks"};
  normaliser words;
  std::string text;
  for (int i = 0; i < 300; ++i) {
    auto id = "p" + std::to_string(1000 + (i % 7 == 3 ? i - 100 : i));  // repeats of ids 100 lines up
    text += i % 11 == 5 ? "\n{broken\n"
                        : R"({"id":")" + id + R"(","company":"Co )" + std::to_string(i % 13) +
                              R"(","title":"t","required_skills":["Go","SQL",")" + std::string(i % 40, 'x') + "\"]}\n";
  }
  auto want = read_prepared_postings(text, words);
  ASSERT_GT(want.records.size(), 200u);
  ASSERT_GT(want.errors.size(), 40u);
  for (bool last_newline : {true, false}) {
    auto file_text = last_newline ? text : text.substr(0, text.size() - 1);
    auto file = (dir.path() / "postings.ndjson").string();
    std::ofstream{file, std::ios::binary | std::ios::trunc} << file_text;
    for (std::size_t block : {std::size_t{16}, std::size_t{333}, std::size_t{4096}, std::size_t{1} << 20})
      for (unsigned threads : {1u, 2u, 3u}) {
        SCOPED_TRACE(::testing::Message() << "block " << block << ", " << threads << " threads, last newline "
                                          << last_newline);
        auto got = read_prepared_postings_file(file, words, threads, block, 1);
        EXPECT_EQ(got.records, want.records);
        expect_same_errors(want, got);
      }
  }
  auto fifo = (dir.path() / "pipe").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // A regular file is mapped and read in place; a pipe is read into buffers a block at a time.
  for (std::size_t block : {std::size_t{16}, std::size_t{333}, std::size_t{1000}, std::size_t{1} << 20}) {
    SCOPED_TRACE(::testing::Message() << "a pipe, block " << block);
    std::jthread writer{[&] { std::ofstream{fifo, std::ios::binary} << text; }};
    auto piped = read_prepared_postings_file(fifo, words, 2, block, 1);
    EXPECT_EQ(piped.records, want.records);
    expect_same_errors(want, piped);
  }
  EXPECT_THROW(read_prepared_candidates_file((dir.path() / "missing.ndjson").string(), words), std::runtime_error);
}

// The reader finds repeated keys during its one walk of the record; it must name the key that
// first_duplicate_key names for the whole object (inner values first, then the smallest key).
TEST(ndjson, a_repeated_key_is_named_as_first_duplicate_key_names_it) {
  const std::vector<std::string> lines = {
      R"({"id":"p1","title":"t","company":"A","title":"u","company":"B"})",  // two known keys: the smaller
      R"({"id":"p1","zz":1,"company":"A","zz":2,"aa":1,"aa":2})",           // two unknown keys
      R"({"id":"p1","title":"t","x":1,"title":"u","x":2})",                  // "title" < "x"
      R"({"id":"p1","b":1,"x":{"k":1,"k":2},"b":2})",                        // inside a value first
      R"({"id":"p1","required_skills":["a",{"n":1,"n":2}],"x":[[{"m":0,"m":1}]]})",
      R"({"id":"p1","company":"A","title":"t","x":{"k":1},"y":[1,{"k":2}]})",  // none
  };
  for (const auto& line : lines) {
    SCOPED_TRACE(line);
    auto want = first_duplicate_key(std::string_view{line});
    auto got = read_postings(line);
    if (!want) {
      EXPECT_TRUE(got.errors.empty());
      continue;
    }
    ASSERT_EQ(got.errors.size(), 1u);
    EXPECT_EQ(got.errors[0].field, *want);
    EXPECT_EQ(got.errors[0].message, duplicate_key_message(*want));
  }
  EXPECT_EQ(first_duplicate_key(std::string_view{lines[0]}), "company");
  EXPECT_EQ(first_duplicate_key(std::string_view{lines[4]}), "required_skills[1].n");
  EXPECT_EQ(first_duplicate_key(std::string_view{lines[3]}), "x.k");
}
