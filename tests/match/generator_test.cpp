#include "match/generator.hpp"
#include "match/ndjson.hpp"

#include <gtest/gtest.h>

#include <map>
#include <sstream>

using namespace jobmesh::match;

namespace {

struct generated {
  std::string postings, candidates;
};

generated make(std::size_t postings, std::size_t candidates, std::uint64_t seed) {
  std::ostringstream p, c;
  generate({postings, candidates, seed}, p, c);
  return {p.str(), c.str()};
}

}  // namespace

TEST(generator, the_same_seed_gives_the_same_bytes) {
  auto a = make(300, 300, 42);
  auto b = make(300, 300, 42);
  EXPECT_TRUE(a.postings == b.postings);
  EXPECT_TRUE(a.candidates == b.candidates);
  auto c = make(300, 300, 43);
  EXPECT_FALSE(a.postings == c.postings);
  // Candidate i does not depend on how many are made (the company pool of postings grows with
  // their number, so postings do).
  auto more = make(300, 400, 42);
  EXPECT_TRUE(more.candidates.substr(0, a.candidates.size()) == a.candidates);
  EXPECT_TRUE(more.postings == a.postings);
}

TEST(generator, every_record_passes_the_spec_rules) {
  auto g = make(2000, 2000, 7);
  auto postings = read_postings(g.postings);
  auto candidates = read_candidates(g.candidates);
  EXPECT_TRUE(postings.errors.empty()) << postings.errors.front().field << ": " << postings.errors.front().message;
  EXPECT_TRUE(candidates.errors.empty()) << candidates.errors.front().field << ": " << candidates.errors.front().message;
  EXPECT_EQ(postings.records.size(), 2000u);
  EXPECT_EQ(candidates.records.size(), 2000u);
}

TEST(generator, the_market_has_its_correlations) {
  auto g = make(3000, 3000, 11);
  auto postings = read_postings(g.postings).records;
  auto candidates = read_candidates(g.candidates).records;
  std::map<int, std::pair<double, int>> pay_by_level;
  int remote = 0, unrated = 0, with_coordinates = 0;
  for (const auto& p : postings)
    remote += p.mode == work_mode::remote;
  for (const auto& c : candidates) {
    if (c.current_salary > 0) {
      pay_by_level[c.experience_level].first += c.current_salary;
      ++pay_by_level[c.experience_level].second;
    }
    unrated += c.review_count == 0;
    with_coordinates += c.coordinates.has_value();
    EXPECT_FALSE(c.preferred_categories.empty());
  }
  auto mean = [&](int level) { return pay_by_level[level].first / pay_by_level[level].second; };
  EXPECT_GT(mean(3), mean(1) * 1.3);  // seniors earn clearly more than juniors
  EXPECT_GT(mean(4), mean(2));
  EXPECT_NEAR(remote / 3000.0, 0.15, 0.03);
  EXPECT_GT(unrated, 1200);             // many people have no reviews
  EXPECT_GT(with_coordinates, 2700);    // a few lack coordinates
}

TEST(generator, candidates_skills_come_mostly_from_their_categories) {
  auto g = make(3000, 500, 5);
  auto postings = read_postings(g.postings).records;
  auto candidates = read_candidates(g.candidates).records;
  std::map<std::string, std::map<std::string, int>> skills_of_category;
  for (const auto& p : postings)
    for (const auto& s : p.required_skills)
      ++skills_of_category[p.category][s];
  std::size_t in_pool = 0, total = 0;
  for (const auto& c : candidates)
    for (const auto& s : c.skills) {
      ++total;
      in_pool += skills_of_category[c.preferred_categories.front()].contains(s);
    }
  EXPECT_GT(static_cast<double>(in_pool) / static_cast<double>(total), 0.9);
}
