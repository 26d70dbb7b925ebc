// The generator: the same seed gives the same bytes, every record passes the spec's rules (by
// the NDJSON reader and by checks of our own), and the market has the correlations it claims.
#include "match/detail/generator_tables.hpp"
#include "match/generator.hpp"
#include "match/ndjson.hpp"
#include "match/prepared.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
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

struct market {
  std::vector<posting> postings;
  std::vector<candidate> candidates;
};

market parse(const generated& g) {
  auto p = read_postings(g.postings);
  auto c = read_candidates(g.candidates);
  EXPECT_TRUE(p.errors.empty()) << p.errors.front().field << ": " << p.errors.front().message;
  EXPECT_TRUE(c.errors.empty()) << c.errors.front().field << ": " << c.errors.front().message;
  return {std::move(p.records), std::move(c.records)};
}

bool valid_id(const std::string& id) {
  return !id.empty() && id.size() <= 64 && id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                                "0123456789_.:-") == std::string::npos;
}

double mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v)
    sum += x;
  return v.empty() ? 0 : sum / static_cast<double>(v.size());
}

// The normalised pool of a category: its family's skills and the skills every trade shares.
std::set<std::string> pool_of(const std::string& category) {
  std::set<std::string> pool;
  for (const auto& f : detail::job_families())
    if (f.category == category)
      pool.insert(f.skills.begin(), f.skills.end());
  pool.insert(detail::shared_skills().begin(), detail::shared_skills().end());
  return pool;
}

}  // namespace

TEST(generator, the_same_seed_gives_the_same_bytes) {
  auto a = make(500, 500, 42);
  auto b = make(500, 500, 42);
  EXPECT_TRUE(a.postings == b.postings);
  EXPECT_TRUE(a.candidates == b.candidates);
  auto c = make(500, 500, 43);
  EXPECT_FALSE(a.postings == c.postings);
  EXPECT_FALSE(a.candidates == c.candidates);
  // Candidate i does not depend on how many are made; postings do not depend on candidates.
  auto more = make(500, 700, 42);
  EXPECT_TRUE(more.candidates.substr(0, a.candidates.size()) == a.candidates);
  EXPECT_TRUE(more.postings == a.postings);
}

TEST(generator, every_record_passes_the_spec_rules) {
  auto m = parse(make(3000, 3000, 7));
  ASSERT_EQ(m.postings.size(), 3000u);
  ASSERT_EQ(m.candidates.size(), 3000u);
  normaliser words;
  for (const auto& p : m.postings) {
    EXPECT_TRUE(valid_id(p.id)) << p.id;
    EXPECT_FALSE(p.company.empty());
    EXPECT_LE(p.salary_min, p.salary_max) << p.id;
    auto skills = words.term_set(p.required_skills);
    EXPECT_TRUE(skills.size() >= 4 && skills.size() <= 12) << p.id;
    EXPECT_EQ(skills.size(), p.required_skills.size()) << p.id << ": a skill is listed twice";
    EXPECT_TRUE(p.deadline_date.empty() || p.deadline_date > p.posted_date) << p.id;
  }
  for (const auto& c : m.candidates) {
    EXPECT_TRUE(valid_id(c.id)) << c.id;
    auto skills = words.term_set(c.skills);
    EXPECT_TRUE(skills.size() >= 3 && skills.size() <= 15) << c.id;
    EXPECT_GT(c.max_distance_km, 0);
    EXPECT_TRUE(c.engagement >= 0 && c.engagement <= 1) << c.id;
    EXPECT_TRUE(c.review_count > 0 || c.rating == 0) << c.id << ": rated without reviews";
    EXPECT_GE(c.completed_jobs, c.review_count) << c.id;
  }
}

TEST(generator, pay_follows_level_and_expectations_follow_pay) {
  auto m = parse(make(200, 4000, 11));
  std::map<int, std::vector<double>> pay_by_level, years_by_level;
  double raises = 0, employed = 0;
  for (const auto& c : m.candidates) {
    years_by_level[c.experience_level].push_back(c.years_experience);
    if (c.current_salary == 0)
      continue;
    pay_by_level[c.experience_level].push_back(c.current_salary);
    employed += 1;
    raises += c.expected_salary >= c.current_salary && c.expected_salary <= c.current_salary * 1.3;
  }
  EXPECT_GT(mean(pay_by_level[3]), mean(pay_by_level[1]) * 1.3);  // seniors earn clearly more than juniors
  EXPECT_GT(mean(pay_by_level[4]), mean(pay_by_level[2]));
  for (int level = 1; level <= 4; ++level)
    EXPECT_GT(mean(years_by_level[level]), mean(years_by_level[level - 1])) << "level " << level;
  EXPECT_GT(raises / employed, 0.95);  // people ask a little more than they earn
}

TEST(generator, education_follows_family_and_delays_the_start) {
  auto m = parse(make(200, 6000, 13));
  std::map<std::string, std::pair<double, double>> degrees;  // category -> (with degree, all)
  std::vector<double> phd_years, school_years;
  for (const auto& c : m.candidates) {
    if (!c.education)
      continue;
    bool degree = *c.education >= education_level::bachelor;
    degrees[c.preferred_categories.front()].first += degree;
    degrees[c.preferred_categories.front()].second += 1;
    (*c.education == education_level::phd ? phd_years : school_years).push_back(c.years_experience);
  }
  auto share = [&](const std::string& cat) { return degrees[cat].first / degrees[cat].second; };
  EXPECT_GT(share("Machine Learning"), share("Logistics") + 0.4);
  EXPECT_GT(share("Teaching"), share("Customer Support") + 0.4);
  EXPECT_FALSE(phd_years.empty());
}

TEST(generator, places_modes_and_standing_look_like_a_market) {
  auto m = parse(make(6000, 6000, 17));
  std::map<work_mode, double> modes;
  std::map<std::string, double> cities;
  for (const auto& p : m.postings) {
    modes[p.mode] += 1.0 / 6000;
    cities[p.city] += 1;
  }
  EXPECT_NEAR(modes[work_mode::remote], 0.15, 0.02);
  EXPECT_NEAR(modes[work_mode::hybrid], 0.25, 0.03);
  EXPECT_GT(cities["London"], 4 * cities["Geneva"]);  // weighted by population
  std::set<std::string> countries;
  double unrated = 0, located = 0, idle = 0;
  for (const auto& c : m.candidates) {
    countries.insert(c.country);
    unrated += c.review_count == 0;
    located += c.coordinates.has_value();
    idle += c.completed_jobs == 0;
  }
  EXPECT_GE(countries.size(), 10u);
  EXPECT_GT(unrated / 6000, 0.45);  // many people have no reviews
  EXPECT_GT(idle / 6000, 0.3);
  EXPECT_NEAR(located / 6000, 0.95, 0.02);  // a few lack coordinates
}

TEST(generator, skills_come_mostly_from_the_preferred_categories) {
  auto m = parse(make(200, 3000, 5));
  normaliser words;
  std::size_t in_pool = 0, total = 0, respelled = 0;
  for (const auto& c : m.candidates) {
    std::set<std::string> pool;
    for (const auto& cat : c.preferred_categories)
      pool.merge(pool_of(cat));
    for (const auto& s : c.skills) {
      ++total;
      in_pool += pool.contains(words.term(s));
      respelled += words.term(s) != s;
    }
  }
  double share = static_cast<double>(in_pool) / static_cast<double>(total);
  EXPECT_GT(share, 0.9);
  EXPECT_LT(share, 0.995);  // a few outliers, as real people have
  EXPECT_GT(respelled, total / 200);  // synonyms and capitals that normalisation undoes
  EXPECT_LT(respelled, total / 10);
}

// `jobmesh match` reads and prepares on every core: the records must be those of one thread.
TEST(generator, reading_and_preparing_on_threads_gives_what_one_thread_gives) {
  auto g = make(25'000, 25'000, 3);  // enough records for a range per thread to prepare
  auto one = parse(g);
  normaliser n;
  for (unsigned threads : {2u, 3u}) {
    SCOPED_TRACE(::testing::Message() << threads << " threads");
    auto postings = read_postings(g.postings, threads, 1);
    auto candidates = read_candidates(g.candidates, threads, 1);
    EXPECT_TRUE(postings.errors.empty());
    EXPECT_TRUE(candidates.errors.empty());
    EXPECT_EQ(postings.records, one.postings);
    EXPECT_EQ(candidates.records, one.candidates);
    EXPECT_EQ(prepare_all(one.postings, n, threads), prepare_all(one.postings, n));
    EXPECT_EQ(prepare_all(one.candidates, n, threads), prepare_all(one.candidates, n));
  }
}
