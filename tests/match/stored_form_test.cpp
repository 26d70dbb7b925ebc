#include "match/stored_form.hpp"

#include "match/generator.hpp"
#include "tests/match/random_records.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace jobmesh::match;
using ::testing::HasSubstr;

namespace {

template <class Prepared>
Prepared round_trip(const Prepared& r) {
  std::string form;
  append_form(r, form);
  Prepared back;
  EXPECT_TRUE(read_form(form, back)) << r.id;
  return back;
}

}  // namespace

TEST(stored_form, gives_back_every_prepared_record_it_was_made_from) {
  normaliser words{{{"Py", "Python"}}};
  jobmesh::testing::random_records random{7};
  for (int i = 0; i < 500; ++i) {
    auto p = prepare(random.posting(i), words);
    EXPECT_EQ(round_trip(p), p) << p.id;
    auto c = prepare(random.candidate(i), words);
    EXPECT_EQ(round_trip(c), c) << c.id;
  }
  for (std::size_t i = 0; i < 500; ++i) {  // generated data: real-looking texts, coordinates, lists
    auto p = prepare(generate_posting(3, i, 50), words);
    EXPECT_EQ(round_trip(p), p) << p.id;
    auto c = prepare(generate_candidate(3, i), words);
    EXPECT_EQ(round_trip(c), c) << c.id;
  }
}

TEST(stored_form, keeps_long_texts_and_lists_and_absent_coordinates) {
  prepared_posting p;
  p.id = std::string(300, 'x');  // a length past one varint byte
  p.company = "a company";
  p.category = word{"data"};
  p.skills = sorted_terms{"c++", "go", "rust"};
  p.coordinates.reset();
  p.level = -1;  // stored as it is, whatever the reader made of it
  EXPECT_EQ(round_trip(p), p);
  p.coordinates = geo_point{-33.9, 151.2};
  EXPECT_EQ(round_trip(p), p);
}

TEST(stored_form, refuses_bytes_that_are_not_one_whole_form) {
  normaliser words;
  auto p = prepare(jobmesh::testing::random_records{1}.posting(1), words);
  std::string form;
  append_form(p, form);
  prepared_posting back;
  for (std::size_t cut = 0; cut < form.size(); ++cut)
    EXPECT_FALSE(read_form(std::string_view{form}.substr(0, cut), back)) << "cut at " << cut;
  EXPECT_FALSE(read_form(form + "x", back));
  auto bad_mode = form;
  bad_mode[2 + p.id.size() + p.company.size() + 5 + p.category.size() + p.industry.size() + p.subcategory.size() +
           p.country.size() + p.city.size()] = 9;  // work_mode: after the id, company and five words
  EXPECT_FALSE(read_form(bad_mode, back));
  prepared_candidate c;
  EXPECT_FALSE(read_form(form, c)) << "a posting's form read as a candidate";
  prepared_posting unsorted = p;  // skills a set could not hold: out of order, twice, empty
  for (auto terms : {std::vector<std::string_view>{"b", "a"}, {"a", "a"}, {"", "a"}}) {
    unsorted.skills = sorted_terms::from_sorted(terms);
    std::string bad;
    append_form(unsorted, bad);
    EXPECT_FALSE(read_form(bad, back)) << terms[0] << "," << terms[1];
  }
}

TEST(stored_form, chunks_hold_records_and_count_the_ones_that_no_longer_pass) {
  normaliser words;
  jobmesh::testing::random_records random{2};
  std::vector<prepared_candidate> want;
  std::string chunk;
  for (int i = 0; i < 20; ++i) {
    if (i % 7 == 3) {
      append_to_chunk(chunk, {});
      continue;
    }
    want.push_back(prepare(random.candidate(i), words));
    std::string form;
    append_form(want.back(), form);
    append_to_chunk(chunk, form);
  }
  auto got = read_candidate_chunk(chunk);
  EXPECT_EQ(got.records, want);
  EXPECT_EQ(got.broken, 3u);
  EXPECT_TRUE(read_candidate_chunk("").records.empty());
  EXPECT_THAT([&] { read_candidate_chunk(std::string_view{chunk}.substr(0, chunk.size() - 1)); },
              ::testing::ThrowsMessage<std::invalid_argument>(HasSubstr("cut short")));
  EXPECT_THAT([&] { read_posting_chunk(chunk); },
              ::testing::ThrowsMessage<std::invalid_argument>(HasSubstr("not a form")));
}

TEST(stored_form, fingerprint_changes_with_the_synonyms_and_only_with_them) {
  EXPECT_EQ(form_fingerprint(normaliser{}), form_fingerprint(normaliser{}));
  EXPECT_EQ(form_fingerprint(normaliser{{{"Py", "Python"}}}), form_fingerprint(normaliser{{{"py ", "python"}}}));
  EXPECT_NE(form_fingerprint(normaliser{}), form_fingerprint(normaliser{{{"py", "python"}}}));
  EXPECT_NE(form_fingerprint(normaliser{{{"py", "python"}}}), form_fingerprint(normaliser{{{"py", "pytho"}}}));
  EXPECT_NE(form_fingerprint(normaliser{{{"ab", "c"}}}), form_fingerprint(normaliser{{{"a", "bc"}}}));
}
