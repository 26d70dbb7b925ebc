#pragma once
// Random postings and candidates for property tests: small vocabularies so that equal scores,
// shared companies and synonyms happen often, plus the spec's edge cases (empty skill lists,
// remote postings, missing coordinates, identical and antipodal points, duplicate entries).

#include "match/records.hpp"

#include <random>

namespace jobmesh::testing {

class random_records {
public:
  explicit random_records(std::uint64_t seed) : rng_(seed) {}

  match::posting posting(int i) {
    match::posting p;
    p.id = "p" + std::to_string(i);
    p.company = pick({"Acme", "acme ", "Globex", "Initech", "Umbrella"});
    p.title = "Role";
    p.category = pick({"Data", "data", "Web", "Ops", ""});
    p.industry = pick({"Tech", "Health", ""});
    p.subcategory = pick({"A", "B", ""});
    p.country = pick({"DE", "FR", ""});
    p.city = pick({"Berlin", "Paris", ""});
    p.coordinates = point();
    p.mode = static_cast<match::work_mode>(uniform(0, 2));
    p.employment = static_cast<match::employment_type>(uniform(0, 3));
    p.required_skills = skills();
    p.salary_max = pick_number({0, 50'000, 80'000});
    p.salary_min = p.salary_max / 2;
    p.experience_level = uniform(0, 4);
    p.min_years = pick_number({0, 2, 5});
    return p;
  }

  match::candidate candidate(int i) {
    match::candidate c;
    c.id = "c" + std::to_string(i);
    c.country = pick({"DE", "FR", ""});
    c.city = pick({"Berlin", "Paris", ""});
    c.coordinates = point();
    c.max_distance_km = pick_number({10, 50, 500, 20'000});
    c.industry = pick({"Tech", "Health", ""});
    c.subcategory = pick({"A", "B", ""});
    for (int k = uniform(0, 3); k > 0; --k)
      c.preferred_categories.push_back(pick({"Data", "DATA ", "Web", "Ops"}));
    c.skills = skills();
    c.years_experience = pick_number({0, 1, 3, 10});
    c.experience_level = uniform(0, 4);
    c.expected_salary = pick_number({0, 40'000, 60'000, 90'000, 200'000});
    c.rating = pick_number({0, 3.5, 5});
    c.review_count = uniform(0, 2);
    c.completed_jobs = pick_number({0, 7, 20, 40});
    c.engagement = pick_number({0, 0.25, 1});
    return c;
  }

private:
  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>{lo, hi}(rng_); }
  std::string pick(std::initializer_list<const char*> v) { return *(v.begin() + uniform(0, static_cast<int>(v.size()) - 1)); }
  double pick_number(std::initializer_list<double> v) { return *(v.begin() + uniform(0, static_cast<int>(v.size()) - 1)); }

  std::optional<match::geo_point> point() {
    switch (uniform(0, 4)) {
      case 0: return std::nullopt;
      case 1: return match::geo_point{52.52, 13.405};   // the same point for many records
      case 2: return match::geo_point{-52.52, -166.595};  // its antipode
      default:
        return match::geo_point{std::uniform_real_distribution<double>{-89, 89}(rng_),
                                std::uniform_real_distribution<double>{-179, 179}(rng_)};
    }
  }

  std::vector<std::string> skills() {
    std::vector<std::string> out;
    for (int k = uniform(0, 6); k > 0; --k)
      out.push_back(pick({"js", "JavaScript", "python", "Python ", "k8s", "kubernetes", "sql", "go", "golang", "rust"}));
    return out;
  }

  std::mt19937_64 rng_;
};

}  // namespace jobmesh::testing
