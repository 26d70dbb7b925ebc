// Golden scores computed by hand from SPEC-matching.md.
#include "match/reference.hpp"

#include <gtest/gtest.h>

using namespace jobmesh::match;

namespace {

double at(const factor_values& f, factor x) {
  return f[static_cast<std::size_t>(x)];
}

struct pair_fixture {
  posting p;
  candidate c;
  normaliser n;
  factor_values factors() const { return reference_factors(prepare(p, n), prepare(c, n)); }
};

}  // namespace

TEST(reference, fit_by_hand) {
  pair_fixture x;
  x.p.category = "Data Engineering";
  x.p.required_skills = {"Python", "SQL", "k8s", "Spark"};
  x.p.min_years = 4;
  x.p.experience_level = 3;  // senior
  x.p.salary_max = 80'000;
  x.c.preferred_categories = {"  data   engineering "};
  x.c.skills = {"python", "kubernetes", "Go", "python"};
  x.c.years_experience = 3;
  x.c.experience_level = 2;  // mid
  x.c.expected_salary = 90'000;
  auto f = x.factors();
  // category: "data engineering" is preferred after normalisation -> 1
  EXPECT_EQ(at(f, factor::category), 1.0);
  // skills: C = {python, kubernetes, go}, P = {python, sql, kubernetes, spark}: 2 / 5
  EXPECT_DOUBLE_EQ(at(f, factor::skills), 0.4);
  // experience: 3 / 4
  EXPECT_DOUBLE_EQ(at(f, factor::experience), 0.75);
  // seniority: 1 - |2 - 3| / 4
  EXPECT_DOUBLE_EQ(at(f, factor::seniority), 0.75);
  // salary: 1 - (90000 - 80000) / 80000 = 0.875
  EXPECT_DOUBLE_EQ(at(f, factor::salary), 0.875);
  // 100 * (.3 * 1 + .3 * .4 + .2 * .75 + .1 * .75 + .1 * .875) = 100 * 0.7325
  EXPECT_NEAR(combine(fit_profile(), f), 73.25, 1e-9);
}

TEST(reference, proximity_by_hand) {
  pair_fixture x;
  x.p.coordinates = geo_point{52.5200, 13.4050};  // Berlin
  x.c.coordinates = geo_point{52.3906, 13.0645};  // Potsdam
  x.c.max_distance_km = 50;
  x.p.industry = x.c.industry = "Tech";
  x.p.subcategory = "Data";
  x.c.subcategory = "Web";
  x.c.engagement = 0.8;
  x.c.rating = 4.5;
  x.c.review_count = 10;
  x.c.completed_jobs = 5;
  auto f = x.factors();
  double d = haversine_km(*x.p.coordinates, *x.c.coordinates);
  // Computed independently (Python's math module, the same formula): 27.19121258777... km.
  EXPECT_NEAR(d, 27.191212587776, 1e-9);
  EXPECT_DOUBLE_EQ(at(f, factor::location), 1.0 - d / 50.0);
  EXPECT_EQ(at(f, factor::industry), 0.5);       // same industry, other subcategory
  EXPECT_DOUBLE_EQ(at(f, factor::activity), 0.8);
  EXPECT_DOUBLE_EQ(at(f, factor::rating), 0.9);  // 4.5 / 5
  EXPECT_DOUBLE_EQ(at(f, factor::track_record), 0.25);  // 5 / 20
  double want = 100 * (0.35 * (1.0 - d / 50.0) + 0.25 * 0.5 + 0.15 * 0.8 + 0.15 * 0.9 + 0.10 * 0.25);
  EXPECT_NEAR(combine(proximity_profile(), f), want, 1e-9);
}

TEST(reference, location_edge_cases) {
  pair_fixture x;
  x.p.mode = work_mode::remote;
  EXPECT_EQ(at(x.factors(), factor::location), 1.0);  // remote beats everything
  x.p.mode = work_mode::onsite;
  EXPECT_EQ(at(x.factors(), factor::location), 0.0);  // nothing known
  x.p.country = x.c.country = "DE";
  EXPECT_EQ(at(x.factors(), factor::location), 0.5);
  x.p.city = "Berlin";
  x.c.city = " berlin";
  EXPECT_EQ(at(x.factors(), factor::location), 1.0);
  x.p.coordinates = geo_point{10, 20};
  x.c.coordinates = geo_point{10, 20};
  EXPECT_EQ(at(x.factors(), factor::location), 1.0);  // identical points
  x.c.coordinates = geo_point{-10, -160};             // antipodal: half the circumference
  // Haversine is ill-conditioned at antipodes (asin near 1 turns a 1e-16 rounding of its
  // argument into ~2e-4 km), so half the circumference is met to within a metre.
  EXPECT_NEAR(haversine_km(*x.p.coordinates, *x.c.coordinates), 3.141592653589793 * 6371.0088, 1e-3);
  EXPECT_EQ(at(x.factors(), factor::location), 0.0);
  x.c.max_distance_km = 30'000;
  EXPECT_NEAR(at(x.factors(), factor::location), 1.0 - 3.141592653589793 * 6371.0088 / 30'000, 1e-7);
}

TEST(reference, rating_track_record_and_empty_skills) {
  pair_fixture x;
  auto f = x.factors();
  EXPECT_EQ(at(f, factor::rating), 0.5);       // no reviews
  EXPECT_EQ(at(f, factor::skills), 0.0);       // both empty
  EXPECT_EQ(at(f, factor::experience), 1.0);   // min_years 0
  EXPECT_EQ(at(f, factor::salary), 1.0);       // not stated
  EXPECT_EQ(at(f, factor::category), 0.0);     // empty category never matches
  x.c.completed_jobs = 45;
  EXPECT_EQ(at(x.factors(), factor::track_record), 1.0);
  x.c.skills = {"JS", "javascript", "ts"};     // synonyms and duplicates: {javascript, typescript}
  x.p.required_skills = {"TypeScript"};
  EXPECT_DOUBLE_EQ(at(x.factors(), factor::skills), 0.5);
}

TEST(reference, industry_needs_a_non_empty_industry) {
  pair_fixture x;
  EXPECT_EQ(at(x.factors(), factor::industry), 0.0);
  x.p.industry = x.c.industry = "health";
  EXPECT_EQ(at(x.factors(), factor::industry), 1.0);  // both subcategories empty: equal
}

TEST(profiles, custom_profiles_are_checked) {
  EXPECT_TRUE(std::holds_alternative<profile>(make_profile("p", {{"skills", 0.5}, {"salary", 0.5}})));
  auto unknown = std::get<std::string>(make_profile("p", {{"skill", 1.0}}));
  EXPECT_NE(unknown.find("profile 'p': unknown factor 'skill'"), std::string::npos);
  auto sum = std::get<std::string>(make_profile("q", {{"skills", 0.5}, {"salary", 0.4}}));
  EXPECT_NE(sum.find("profile 'q': weights must sum to 1"), std::string::npos);
  auto range = std::get<std::string>(make_profile("r", {{"skills", 1.5}, {"salary", -0.5}}));
  EXPECT_NE(range.find("profile 'r'"), std::string::npos);
  profile_set set;
  EXPECT_TRUE(set.add({{"mine", {{"skills", 1.0}}}}).empty());
  EXPECT_NE(set.find("mine"), nullptr);
  EXPECT_NE(set.find("fit"), nullptr);
  EXPECT_EQ(set.find("nope"), nullptr);
}
