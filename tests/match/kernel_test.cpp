// The fast kernel against the reference scorer: same ids in the same order, same scores and
// factors, over many random data sets, both directions, every profile and query option.
#include "match/kernel.hpp"
#include "match/reference.hpp"
#include "random_records.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>

using namespace jobmesh::match;

namespace {

struct data {
  std::vector<prepared_posting> postings;
  std::vector<prepared_candidate> candidates;
};

data make_data(std::uint64_t seed, int postings, int candidates) {
  jobmesh::testing::random_records gen{seed};
  normaliser n;
  data d;
  for (int i = 0; i < postings; ++i)
    d.postings.push_back(prepare(gen.posting(i), n));
  for (int i = 0; i < candidates; ++i)
    d.candidates.push_back(prepare(gen.candidate(i), n));
  return d;
}

}  // namespace

void expect_same(const std::vector<source_results>& want, const std::vector<source_results>& got, const profile& prof,
                 const std::string& what) {
  ASSERT_EQ(want.size(), got.size()) << what;
  for (std::size_t s = 0; s < want.size(); ++s) {
    ASSERT_EQ(want[s].source, got[s].source) << what;
    ASSERT_EQ(want[s].results.size(), got[s].results.size()) << what << " source " << want[s].source;
    for (std::size_t r = 0; r < want[s].results.size(); ++r) {
      const auto& a = want[s].results[r];
      const auto& b = got[s].results[r];
      ASSERT_EQ(a.id, b.id) << what << " source " << want[s].source << " rank " << r;
      EXPECT_NEAR(a.score, b.score, 1e-6) << what;
      for (auto f : prof.used)
        EXPECT_NEAR(a.factors[static_cast<std::size_t>(f)], b.factors[static_cast<std::size_t>(f)], 1e-9) << what;
    }
  }
}

namespace {

profile custom_profile() {
  return std::get<profile>(make_profile("everything", {{"location", 0.1}, {"industry", 0.1}, {"activity", 0.1},
                                                      {"rating", 0.1}, {"track_record", 0.1}, {"category", 0.1},
                                                      {"skills", 0.1}, {"experience", 0.1}, {"seniority", 0.1},
                                                      {"salary", 0.1}}));
}

}  // namespace

TEST(kernel, equals_the_reference_on_random_data) {
  auto everything = custom_profile();
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    auto d = make_data(seed, 60 + static_cast<int>(seed % 7) * 10, 40);
    batch_matcher kernel{d.postings, d.candidates};
    for (const profile* prof : std::initializer_list<const profile*>{&fit_profile(), &proximity_profile(), &everything}) {
      for (auto dir : {direction::candidate, direction::posting}) {
        query q;
        q.dir = dir;
        q.prof = prof;
        q.top_k = 1 + static_cast<int>(seed % 12);
        q.min_score = seed % 3 == 0 ? 55.0 : 0.0;
        q.top_per_company = dir == direction::candidate && seed % 4 == 1;
        if (seed % 5 == 2)
          q.filters.mode = work_mode::onsite;
        if (seed % 5 == 3)
          q.filters.category = "data";
        auto what = "seed " + std::to_string(seed) + " profile " + prof->name + " direction " +
                    (dir == direction::candidate ? "candidate" : "posting");
        expect_same(reference_match(d.postings, d.candidates, q), kernel.run(q, 1 + seed % 3), *prof, what);
      }
    }
  }
}

TEST(kernel, keeps_every_tie_in_id_order) {
  // Identical postings score identically: the list is the k smallest ids, in byte order.
  normaliser n;
  std::vector<prepared_posting> postings;
  for (auto id : {"b", "a10", "a2", "c", "a1"}) {
    posting p;
    p.id = id;
    p.company = "X";
    postings.push_back(prepare(p, n));
  }
  candidate c;
  c.id = "c";
  std::vector<prepared_candidate> candidates{prepare(c, n)};
  query q;
  q.top_k = 3;
  auto got = batch_matcher{postings, candidates}.run(q, 1);
  ASSERT_EQ(got[0].results.size(), 3u);
  EXPECT_EQ(got[0].results[0].id, "a1");
  EXPECT_EQ(got[0].results[1].id, "a10");
  EXPECT_EQ(got[0].results[2].id, "a2");
}

TEST(kernel, min_score_keeps_a_score_exactly_at_the_boundary) {
  normaliser n;
  posting p;
  p.id = "p";
  p.company = "X";
  p.category = "Data";
  candidate c;
  c.id = "c";
  // fit: category 0 (no preference), skills 0 (both empty), experience 1, seniority 1, salary 1
  // -> 100 * (0.2 + 0.1 + 0.1) = 40.
  std::vector<prepared_posting> ps{prepare(p, n)};
  std::vector<prepared_candidate> cs{prepare(c, n)};
  batch_matcher kernel{ps, cs};
  query q;
  q.min_score = 40.0;
  ASSERT_EQ(kernel.run(q, 1)[0].results.size(), 1u);
  EXPECT_NEAR(kernel.run(q, 1)[0].results[0].score, 40.0, 1e-9);
  q.min_score = 40.000001;
  EXPECT_TRUE(kernel.run(q, 1)[0].results.empty());
  q.min_score = 40.0000004;  // rounds to the same millionth as 40
  EXPECT_EQ(kernel.run(q, 1)[0].results.size(), 1u);
}

// Issue 3's check: on data from the generator, the kernel gives the reference's lists for both
// directions and both built-in profiles.
#include "match/generator.hpp"
#include "match/ndjson.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <sstream>

namespace {

// Records from the generator, as `jobmesh generate` writes them and the reader reads them.
data generated(const generator_options& options) {
  std::ostringstream p, c;
  generate(options, p, c);
  normaliser n;
  return {prepare_all(read_postings(p.str()).records, n), prepare_all(read_candidates(c.str()).records, n)};
}

}  // namespace

TEST(kernel, equals_the_reference_on_generated_data) {
  auto [postings, candidates] = generated({400, 300, 9});
  batch_matcher kernel{postings, candidates};
  for (const profile* prof : {&fit_profile(), &proximity_profile()})
    for (auto dir : {direction::candidate, direction::posting}) {
      query q;
      q.dir = dir;
      q.prof = prof;
      q.top_k = 10;
      expect_same(reference_match(postings, candidates, q), kernel.run(q, 2), *prof,
                  "generated data, profile " + prof->name);
    }
}

// A scan bounds a category's postings a chunk at a time (kernel_scan.hpp, k_chunk = 256) and
// stops a category once its best possible score cannot reach the list: with categories of
// several chunks, every list is still the reference's, for the built-in profiles and one that
// weighs every factor, and the options that move the list's bar (top_k from 1 to 150,
// min_score, one per company, a filter).
TEST(kernel, equals_the_reference_when_a_category_spans_many_chunks) {
  auto [postings, candidates] = generated({12000, 20, 5});
  std::map<std::string, int> per_category;
  for (const auto& r : postings)
    ++per_category[r.category.str()];
  auto largest = std::max_element(per_category.begin(), per_category.end(),
                                  [](const auto& a, const auto& b) { return a.second < b.second; });
  ASSERT_GT(largest->second, 3 * 256) << "the data should have a category of several chunks";
  batch_matcher kernel{postings, candidates};
  const auto everything = custom_profile();
  for (const profile* prof : {&fit_profile(), &proximity_profile(), &everything})
    for (int variant = 0; variant < 5; ++variant) {
      query q;
      q.prof = prof;
      q.top_k = variant == 1 ? 1 : variant == 4 ? 150 : 10;
      q.min_score = variant == 2 ? 60.0 : 0.0;
      q.top_per_company = variant == 3;
      if (variant == 1)
        q.filters.mode = work_mode::remote;
      expect_same(reference_match(postings, candidates, q), kernel.run(q, 2), *prof,
                  "profile " + prof->name + " variant " + std::to_string(variant));
    }
}

// An index of 120,000 postings (the build's word lookups split over two threads; categories of
// tens of thousands of postings) gives the reference's lists in both directions, ties in id
// order included.
TEST(kernel, equals_the_reference_on_a_large_index_with_many_ties) {
  // Small vocabularies: equal scores are common, so ties break on the ids' byte order
  // ("p10" before "p2"), which the merged ranks must give.
  auto [postings, candidates] = make_data(7, 120000, 4);
  batch_matcher kernel{postings, candidates};
  for (const profile* prof : {&fit_profile(), &proximity_profile()}) {
    query q;
    q.prof = prof;
    q.top_k = 25;
    q.top_per_company = prof == &proximity_profile();
    expect_same(reference_match(postings, candidates, q), kernel.run(q, 2), *prof, "profile " + prof->name);
  }
  // The other direction: a few postings' best candidates, from all over the index.
  query q;
  q.dir = direction::posting;
  q.top_k = 5;
  for (std::size_t i : {std::size_t{0}, std::size_t{59'999}, std::size_t{60'000}, postings.size() - 1}) {
    auto got = kernel.run_one(postings[i], q);
    auto want = reference_match({postings[i]}, candidates, q);
    expect_same(want, {got}, fit_profile(), "posting " + postings[i].id);
  }
}

// Records that come in byte order of their ids (a generated file, an export sorted by id) take
// their input positions as their ranks instead of sorting the ids: ties still break as the
// reference breaks them, in both directions.
TEST(kernel, ties_break_in_id_order_when_the_records_come_sorted_by_id) {
  auto [postings, candidates] = make_data(11, 20000, 40);
  auto by_id = [](const auto& a, const auto& b) { return a.id < b.id; };
  std::sort(postings.begin(), postings.end(), by_id);
  std::sort(candidates.begin(), candidates.end(), by_id);
  batch_matcher kernel{postings, candidates};
  query q;
  q.top_k = 25;
  expect_same(reference_match(postings, candidates, q), kernel.run(q, 2), fit_profile(), "sorted, candidate direction");
  q.dir = direction::posting;
  q.top_k = 10;
  expect_same(reference_match(postings, candidates, q), kernel.run(q, 2), fit_profile(), "sorted, posting direction");
}

// run_one: sources that are not in the index (as a matcher shard sees a candidate of another
// shard) get the reference's lists among the index's targets, unknown words included.
TEST(kernel, run_one_scores_an_outside_source_like_the_reference) {
  auto everything = custom_profile();
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    auto d = make_data(seed, 80, 40);
    // The index holds half of each side; the other half are outside sources.
    std::vector<prepared_posting> inside_p(d.postings.begin(), d.postings.begin() + 40);
    std::vector<prepared_candidate> inside_c(d.candidates.begin(), d.candidates.begin() + 20);
    std::vector<prepared_posting> outside_p(d.postings.begin() + 40, d.postings.end());
    std::vector<prepared_candidate> outside_c(d.candidates.begin() + 20, d.candidates.end());
    // Words no indexed record has: they must match nothing and still count in set sizes.
    outside_c.front().skills.insert("zz-unseen-skill");
    outside_c.front().preferred_categories.push_back("zz-unseen-category");
    outside_c.front().country = word{"zz-unseen-country"};
    outside_p.front().skills.insert("zz-unseen-skill");
    outside_p.front().category = word{"zz-unseen-category"};
    outside_p.front().industry = word{"zz-unseen-industry"};
    batch_matcher kernel{inside_p, inside_c};
    for (const profile* prof : std::initializer_list<const profile*>{&fit_profile(), &proximity_profile(), &everything}) {
      query q;
      q.prof = prof;
      q.top_k = 1 + static_cast<int>(seed % 9);
      q.min_score = seed % 3 == 0 ? 50.0 : 0.0;
      q.top_per_company = seed % 4 == 1;
      q.dir = direction::candidate;
      std::vector<source_results> got;
      for (const auto& c : outside_c)
        got.push_back(kernel.run_one(c, q));
      expect_same(reference_match(inside_p, outside_c, q), got, *prof, "outside candidates, seed " + std::to_string(seed));
      q.top_per_company = false;
      q.dir = direction::posting;
      got.clear();
      for (const auto& p : outside_p)
        got.push_back(kernel.run_one(p, q));
      expect_same(reference_match(outside_p, inside_c, q), got, *prof, "outside postings, seed " + std::to_string(seed));
      for (const auto& source : got)
        for (const auto& r : source.results)
          ASSERT_EQ(inside_c.at(r.input).id, r.id) << "a candidate's position, seed " << seed;
      // Filters compare the index's word ids. A category the index never saw: the outside
      // posting of that category passes the filter, one of another unseen category does not
      // (to the index both are one unknown id); and stored postings pass a known category only.
      for (const auto* category : {"zz-unseen-category", "zz-another-unseen-category"}) {
        q.filters.category = category;
        got.clear();
        for (const auto& p : outside_p)
          got.push_back(kernel.run_one(p, q));
        expect_same(reference_match(outside_p, inside_c, q), got, *prof, std::string{"posting filter "} + category);
      }
      q.dir = direction::candidate;
      for (const auto& category : {inside_p.front().category.str(), std::string{"zz-unseen-category"}}) {
        q.filters.category = category;
        got.clear();
        for (const auto& c : outside_c)
          got.push_back(kernel.run_one(c, q));
        expect_same(reference_match(inside_p, outside_c, q), got, *prof, "candidate filter " + category);
      }
      q.filters.category.reset();
    }
  }
}

namespace {

// A posting and a candidate for the skills tests: what varies is their category and skills;
// their other terms cycle with `i`.
prepared_posting skill_posting(int i, std::string category, std::vector<std::string> skills, const normaliser& n) {
  posting p;
  p.id = "p" + std::to_string(i);
  p.company = "Co" + std::to_string(i % 17);
  p.title = "Role";
  p.category = std::move(category);
  p.required_skills = std::move(skills);
  p.min_years = i % 3;
  p.experience_level = i % 5;
  return prepare(p, n);
}

prepared_candidate skill_candidate(int i, std::string preferred, std::vector<std::string> skills, const normaliser& n) {
  candidate c;
  c.id = "c" + std::to_string(i);
  c.preferred_categories = {std::move(preferred)};
  c.skills = std::move(skills);
  c.years_experience = i % 4;
  c.experience_level = i % 5;
  return prepare(c, n);
}

}  // namespace

// A category whose postings require more distinct skills than its 64 that a scan's first pass
// reads as bits: skills outside them (here the rare half of 140) must still count, so postings
// that share only rare skills with a candidate rank where the reference puts them.
TEST(kernel, skills_beyond_a_categorys_most_required_still_count) {
  std::mt19937_64 rng{7};
  auto skill = [](int k) { return "s" + std::to_string(k); };
  // Skills 0..69 are common, 70..139 rare: each rare one is required by a few postings only.
  auto draw = [&](int count, bool rare_heavy) {
    std::vector<std::string> out;
    for (int k = 0; k < count; ++k) {
      bool rare = std::uniform_int_distribution<int>{0, 9}(rng) < (rare_heavy ? 7 : 1);
      out.push_back(skill(rare ? std::uniform_int_distribution<int>{70, 139}(rng)
                               : std::uniform_int_distribution<int>{0, 69}(rng)));
    }
    return out;
  };
  normaliser n;
  std::vector<prepared_posting> postings;
  for (int i = 0; i < 600; ++i)
    postings.push_back(skill_posting(i, i % 5 == 0 ? "Other" : "Data", draw(2 + i % 9, i % 7 == 0), n));
  std::vector<prepared_candidate> candidates;
  for (int i = 0; i < 60; ++i) {
    auto skills = draw(1 + i % 10, i % 2 == 0);
    if (i % 6 == 0)
      skills.push_back("zz-unseen-skill");
    candidates.push_back(skill_candidate(i, "Data", std::move(skills), n));
  }
  batch_matcher kernel{postings, candidates};
  auto everything = custom_profile();
  for (const profile* prof : std::initializer_list<const profile*>{&fit_profile(), &everything})
    for (int top_k : {1, 5, 40}) {
      query q;
      q.prof = prof;
      q.top_k = top_k;
      auto what = "profile " + prof->name + " top_k " + std::to_string(top_k);
      expect_same(reference_match(postings, candidates, q), kernel.run(q, 2), *prof, what);
      std::vector<source_results> one_by_one;
      for (const auto& c : candidates)
        one_by_one.push_back(kernel.run_one(c, q));
      expect_same(reference_match(postings, candidates, q), one_by_one, *prof, "run_one, " + what);
      // Each result names its posting's position among those the index was built from.
      for (const auto& source : one_by_one)
        for (const auto& r : source.results)
          ASSERT_EQ(postings.at(r.input).id, r.id) << what;
    }
}

// A vocabulary of thousands of skills (a real taxonomy's size), each record holding a dozen:
// postings and candidates keep their skills as lists of ids, not bitsets over the vocabulary
// (a scan sets its source's as bits), and the skills in common still come out as the
// reference's, in both directions.
TEST(kernel, equals_the_reference_with_a_vocabulary_of_thousands_of_skills) {
  std::mt19937_64 rng{11};
  constexpr int k_vocabulary = 5000;
  auto draw = [&](int count, int lo, int hi) {
    std::vector<std::string> out;
    for (int k = 0; k < count; ++k)
      out.push_back("skill " + std::to_string(std::uniform_int_distribution<int>{lo, hi}(rng)));
    return out;
  };
  normaliser n;
  std::vector<prepared_posting> postings;
  for (int i = 0; i < 800; ++i) {
    auto skills = draw(6, 0, 59);  // shared with candidates often
    for (auto& rare : draw(6, 60, k_vocabulary - 1))  // beyond any category's 64 most required
      skills.push_back(rare);
    postings.push_back(skill_posting(i, "Cat" + std::to_string(i % 3), std::move(skills), n));
  }
  std::vector<prepared_candidate> candidates;
  for (int i = 0; i < 80; ++i) {
    auto skills = draw(12, 0, i % 2 == 0 ? 59 : k_vocabulary - 1);  // half hold common skills only
    candidates.push_back(skill_candidate(i, "Cat" + std::to_string(i % 3), std::move(skills), n));
  }
  batch_matcher kernel{postings, candidates};
  auto everything = custom_profile();
  for (const profile* prof : std::initializer_list<const profile*>{&fit_profile(), &everything})
    for (auto dir : {direction::candidate, direction::posting}) {
      query q;
      q.prof = prof;
      q.top_k = 7;
      q.dir = dir;
      auto what = "profile " + prof->name + (dir == direction::candidate ? ", candidates" : ", postings");
      auto want = reference_match(postings, candidates, q);
      expect_same(want, kernel.run(q, 2), *prof, what);
      std::size_t sharing = 0;  // the case under test: skills in common counted from the lists
      for (const auto& source : want)
        for (const auto& r : source.results)
          sharing += r.factors[static_cast<std::size_t>(factor::skills)] > 0 ? 1 : 0;
      EXPECT_GT(sharing, want.size()) << what;
    }
}

// The first pass bounds in floats with reciprocals: a salary_max so small that its reciprocal
// overflows a float makes the salary bound NaN against an expected salary of 0. Such a posting
// is still scored and ranked as the reference ranks it: here the best of the list, among worse
// postings in its group of 16 bounds, after better ones filled the list (a group check of
// "none reaches the cut" dropped it).
TEST(kernel, a_posting_with_an_overflowing_reciprocal_still_ranks) {
  normaliser n;
  std::vector<prepared_posting> postings;
  auto add = [&](std::string id, std::vector<std::string> skills, double salary_max, double min_years) {
    posting p;
    p.id = std::move(id);
    p.company = "Co";
    p.title = "Role";
    p.category = "Data";
    p.required_skills = std::move(skills);
    p.salary_max = salary_max;
    p.min_years = min_years;
    postings.push_back(prepare(p, n));
  };
  for (int i = 0; i < 50; ++i)
    add(fmt::format("p{:03}", i), {"a", "b"}, 60'000, 0);
  for (int i = 50; i < 300; ++i) {
    if (i == 200)
      add("a-special", {"a", "b"}, 1e-40, 0);  // to an expected salary of 0 it scores as p000
    else
      add(fmt::format("p{:03}", i), {"a"}, 60'000, 0);
  }
  std::vector<prepared_candidate> candidates;
  for (double expected : {0.0, 50'000.0})
    for (double years : {0.0, 3.0}) {
      candidate c;
      c.id = fmt::format("c-{}-{}", expected, years);
      c.preferred_categories = {"Data"};
      c.skills = {"a", "b"};
      c.expected_salary = expected;
      c.years_experience = years;
      candidates.push_back(prepare(c, n));
    }
  batch_matcher kernel{postings, candidates};
  for (int top_k : {1, 3}) {
    query q;
    q.top_k = top_k;
    auto want = reference_match(postings, candidates, q);
    expect_same(want, kernel.run(q, 1), fit_profile(), "top_k " + std::to_string(top_k));
    ASSERT_EQ(want[0].results[0].id, "a-special");  // the case this test is about
  }
  // Retired, its NaN bound still passes the first pass: it must not come back.
  ASSERT_TRUE(kernel.retire_posting("a-special"));
  std::vector<prepared_posting> kept;
  for (const auto& p : postings)
    if (p.id != "a-special")
      kept.push_back(p);
  for (int top_k : {1, 3}) {
    query q;
    q.top_k = top_k;
    std::vector<source_results> got;
    for (const auto& c : candidates)
      got.push_back(kernel.run_one(c, q));
    expect_same(reference_match(kept, candidates, q), got, fit_profile(), "retired, top_k " + std::to_string(top_k));
  }
}

// The first pass reads narrow copies of a posting's skill count (saturated at 255) and
// min_years (half years, rounded down), which may only raise its bound. In each category the
// best posting comes after ones that fill a list of one, so a bound rounded the other way
// (300 skills counted as 255; 2.7 years as 3; 0.3 as 0.5) would drop it.
TEST(kernel, the_first_passs_narrow_columns_never_drop_the_best_posting) {
  normaliser n;
  auto skills = [](int from, int to) {
    std::vector<std::string> out;
    for (int k = from; k < to; ++k)
      out.push_back(fmt::format("s{:03}", k));
    return out;
  };
  std::vector<prepared_posting> postings;
  auto add = [&](std::string id, std::string category, std::vector<std::string> required, double min_years) {
    posting p;
    p.id = std::move(id);
    p.company = "Co " + p.id;
    p.title = "Role";
    p.category = std::move(category);
    p.required_skills = std::move(required);
    p.min_years = min_years;
    postings.push_back(prepare(p, n));
  };
  // 20 postings that fill the list, then the best ("<prefix>-best").
  auto add_category = [&](const std::string& category, int filler_skills, double filler_years, int best_skills,
                          double best_years) {
    std::string prefix = category;
    std::transform(prefix.begin(), prefix.end(), prefix.begin(), [](unsigned char ch) { return std::tolower(ch); });
    for (int i = 0; i < 20; ++i)
      add(fmt::format("{}-{:02}", prefix, i), category, skills(0, filler_skills), filler_years);
    add(prefix + "-best", category, skills(0, best_skills), best_years);
  };
  // Many skills: 270 of the candidate's 300 (0.9), then all 300 (1.0).
  add_category("Many", 270, 0, 300, 0);
  // Years: 2.6 years against min_years 2.7 (0.963) is better than against 2.8 (0.929) ...
  add_category("Years", 4, 2.8, 4, 2.7);
  // ... and against 200 (0.013) than against 250 (0.0104), past a byte's half years; 0.1 years
  // against 0.3 (0.333) is better than against 0.4 (0.25).
  add_category("Far", 4, 250, 4, 200);
  add_category("Near", 4, 0.4, 4, 0.3);
  std::vector<prepared_candidate> candidates;
  for (std::string category : {"Many", "Years", "Far", "Near"}) {
    candidate c;
    c.id = "c-" + category;
    c.preferred_categories = {category};
    c.skills = category == "Many" ? skills(0, 300) : skills(0, 4);
    c.years_experience = category == "Near" ? 0.1 : 2.6;
    candidates.push_back(prepare(c, n));
  }
  batch_matcher kernel{postings, candidates};
  query q;
  q.top_k = 1;
  auto want = reference_match(postings, candidates, q);
  expect_same(want, kernel.run(q, 1), fit_profile(), "top_k 1");
  std::vector<std::string> best;
  for (const auto& source : want)
    best.push_back(source.results.at(0).id);
  ASSERT_EQ(best, (std::vector<std::string>{"many-best", "years-best", "far-best", "near-best"}));
}

// A retired record is no target of later queries, as if it had not been indexed.
TEST(kernel, a_retired_record_is_no_longer_a_target) {
  auto everything = custom_profile();
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    auto d = make_data(seed, 80, 40);
    batch_matcher kernel{d.postings, d.candidates};
    std::vector<prepared_posting> kept_p;
    std::vector<prepared_candidate> kept_c;
    for (std::size_t i = 0; i < d.postings.size(); ++i) {
      if (i % 3 == seed % 3)
        ASSERT_TRUE(kernel.retire_posting(d.postings[i].id));
      else
        kept_p.push_back(d.postings[i]);
    }
    for (std::size_t i = 0; i < d.candidates.size(); ++i) {
      if (i % 4 == seed % 4)
        ASSERT_TRUE(kernel.retire_candidate(d.candidates[i].id));
      else
        kept_c.push_back(d.candidates[i]);
    }
    EXPECT_FALSE(kernel.retire_posting(d.postings[seed % 3].id)) << "retired twice";
    EXPECT_FALSE(kernel.retire_posting("no-such-posting"));
    EXPECT_FALSE(kernel.retire_candidate("no-such-candidate"));
    for (const profile* prof : std::initializer_list<const profile*>{&fit_profile(), &proximity_profile(), &everything}) {
      query q;
      q.prof = prof;
      q.top_k = 1 + static_cast<int>(seed % 9);
      q.top_per_company = seed % 2 == 1;
      q.dir = direction::candidate;
      std::vector<source_results> got;
      for (const auto& c : d.candidates)
        got.push_back(kernel.run_one(c, q));
      expect_same(reference_match(kept_p, d.candidates, q), got, *prof, "candidates, seed " + std::to_string(seed));
      q.top_per_company = false;
      q.dir = direction::posting;
      got.clear();
      for (const auto& p : d.postings)
        got.push_back(kernel.run_one(p, q));
      expect_same(reference_match(d.postings, kept_c, q), got, *prof, "postings, seed " + std::to_string(seed));
    }
  }
}

// A scan scores the postings with the best bounds of a category first (the seeds) and then the
// rest whose bounds reach the list. When the seeds are retired or filtered out (here: every
// posting that made some candidate's list, each of which had a high bound), the lists still
// come from the postings that remain, as the reference gives them.
TEST(kernel, the_best_bounded_postings_retired_or_filtered_out_leave_the_references_lists) {
  auto [postings, candidates] = generated({12000, 20, 5});
  batch_matcher kernel{postings, candidates};
  query q;
  q.top_k = 10;
  std::set<std::string> best;
  for (const auto& listed : reference_match(postings, candidates, q))
    for (const auto& r : listed.results)
      best.insert(r.id);
  std::vector<prepared_posting> kept;
  for (const auto& p : postings) {
    if (best.count(p.id) != 0)
      ASSERT_TRUE(kernel.retire_posting(p.id));
    else
      kept.push_back(p);
  }
  ASSERT_GE(best.size(), 100u);
  expect_same(reference_match(kept, candidates, q), kernel.run(q, 2), fit_profile(), "the best retired");
  q.filters.mode = work_mode::remote;  // the best remaining are mostly not remote
  expect_same(reference_match(kept, candidates, q), kernel.run(q, 2), fit_profile(), "the best retired, remote only");
}

// SPEC-matching.md's "Unicode-aware lower case": words that differ only in the case of letters
// beyond ASCII, or in Unicode white space, are one word for every factor, filter and company.
TEST(kernel, words_differing_in_unicode_case_or_white_space_match) {
  normaliser words;
  auto postings = read_prepared_postings(
                      R"({"id":"p1","company":"ÉCOLE","title":"t","category":"Über","required_skills":["Ärzte","ΣΟΦΙΑ","naive bayes"],"country":"ÖSTERREICH","city":"WIEN","industry":"ÉNERGIE"})"
                      "\n"
                      R"({"id":"p2","company":"école","title":"t","category":"über","required_skills":["ärzte"]})"
                      "\n",
                      words, 1, 1)
                      .records;
  auto candidates = read_prepared_candidates(
                        R"({"id":"c1","preferred_categories":["über"],"skills":["ärzte","σοφια","naive\u00a0bayes"],"country":"österreich","city":"wien","industry":"énergie"})"
                        "\n",
                        words, 1, 1)
                        .records;
  ASSERT_EQ(postings.size(), 2u);
  ASSERT_EQ(candidates.size(), 1u);
  EXPECT_EQ(postings[0].company, "école");
  query q;
  q.top_k = 10;
  auto fit = reference_match(postings, candidates, q);
  ASSERT_EQ(fit.size(), 1u);
  ASSERT_EQ(fit[0].results.size(), 2u);
  const auto& p1 = fit[0].results[0].id == "p1" ? fit[0].results[0] : fit[0].results[1];
  EXPECT_EQ(p1.factors[static_cast<std::size_t>(factor::category)], 1.0);
  EXPECT_EQ(p1.factors[static_cast<std::size_t>(factor::skills)], 1.0) << "Ärzte, ΣΟΦΙΑ and naive bayes all held";
  batch_matcher kernel{postings, candidates};
  expect_same(fit, kernel.run(q, 1), fit_profile(), "fit");

  q.prof = &proximity_profile();
  auto near = reference_match(postings, candidates, q);
  const auto& n1 = near[0].results[0].id == "p1" ? near[0].results[0] : near[0].results[1];
  EXPECT_EQ(n1.factors[static_cast<std::size_t>(factor::location)], 1.0) << "same country and city";
  EXPECT_EQ(n1.factors[static_cast<std::size_t>(factor::industry)], 1.0);
  expect_same(near, kernel.run(q, 1), proximity_profile(), "proximity");

  q.top_per_company = true;  // ÉCOLE and école are one company
  auto one_each = reference_match(postings, candidates, q);
  EXPECT_EQ(one_each[0].results.size(), 1u);
  expect_same(one_each, kernel.run(q, 1), proximity_profile(), "top per company");

  q.top_per_company = false;
  q.filters.country = normalise_word("ÖSTERREICH");
  auto in_austria = reference_match(postings, candidates, q);
  ASSERT_EQ(in_austria[0].results.size(), 1u);
  EXPECT_EQ(in_austria[0].results[0].id, "p1");
}
