#include "match/reference.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>

namespace jobmesh::match {

namespace {

constexpr double k_earth_radius_km = 6371.0088;

double location(const prepared_posting& p, const prepared_candidate& c) {
  if (p.mode == work_mode::remote)
    return 1.0;
  if (p.coordinates && c.coordinates)
    return std::max(0.0, 1.0 - haversine_km(*p.coordinates, *c.coordinates) / c.max_distance_km);
  if (!p.country.empty() && p.country == c.country)
    return !p.city.empty() && p.city == c.city ? 1.0 : 0.5;
  return 0.0;
}

double industry(const prepared_posting& p, const prepared_candidate& c) {
  if (p.industry.empty() || p.industry != c.industry)
    return 0.0;
  return p.subcategory == c.subcategory ? 1.0 : 0.5;
}

double jaccard(const sorted_terms& a, const sorted_terms& b) {
  if (a.empty() && b.empty())
    return 0.0;
  auto inter = static_cast<double>(common_count(a, b));
  return inter / (static_cast<double>(a.size() + b.size()) - inter);
}

double salary(const prepared_posting& p, const prepared_candidate& c) {
  if (p.salary_max == 0 || c.expected_salary <= p.salary_max)
    return 1.0;
  return std::max(0.0, 1.0 - (c.expected_salary - p.salary_max) / p.salary_max);
}

bool wants_category(const prepared_posting& p, const prepared_candidate& c) {
  return !p.category.empty() && std::binary_search(c.preferred_categories.begin(), c.preferred_categories.end(), p.category);
}

void rank(std::vector<match_result>& v, const query& q, const std::map<std::string, std::string>* company_of) {
  auto before = [](const match_result& a, const match_result& b) {
    return ranks_before(rank_key(a.score), a.id, rank_key(b.score), b.id);
  };
  std::sort(v.begin(), v.end(), before);
  auto min_key = rank_key(q.min_score);
  std::erase_if(v, [&](const match_result& r) { return rank_key(r.score) < min_key; });
  if (company_of) {
    std::map<std::string, bool> seen;
    std::erase_if(v, [&](const match_result& r) { return !seen.emplace(company_of->at(r.id), true).second; });
  }
  if (v.size() > static_cast<std::size_t>(q.top_k))
    v.resize(static_cast<std::size_t>(q.top_k));
}

match_result scored(const std::string& id, const prepared_posting& p, const prepared_candidate& c, const profile& prof) {
  match_result r;
  r.id = id;
  r.factors = reference_factors(p, c);
  r.score = combine(prof, r.factors);
  return r;
}

}  // namespace

double haversine_km(geo_point a, geo_point b) {
  constexpr double rad = std::numbers::pi / 180.0;
  double dlat = (b.lat - a.lat) * rad;
  double dlon = (b.lon - a.lon) * rad;
  double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
             std::cos(a.lat * rad) * std::cos(b.lat * rad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2.0 * k_earth_radius_km * std::asin(std::min(1.0, std::sqrt(h)));
}

factor_values reference_factors(const prepared_posting& p, const prepared_candidate& c) {
  factor_values f{};
  auto at = [&f](factor x) -> double& { return f[static_cast<std::size_t>(x)]; };
  at(factor::location) = location(p, c);
  at(factor::industry) = industry(p, c);
  at(factor::activity) = c.engagement;
  at(factor::rating) = c.review_count == 0 ? 0.5 : c.rating / 5.0;
  at(factor::track_record) = static_cast<double>(std::min<std::int64_t>(c.completed_jobs, 20)) / 20.0;
  at(factor::category) = wants_category(p, c) ? 1.0 : 0.0;
  at(factor::skills) = jaccard(c.skills, p.skills);
  at(factor::experience) = p.min_years == 0 ? 1.0 : std::min(1.0, c.years_experience / p.min_years);
  at(factor::seniority) = 1.0 - std::abs(c.level - p.level) / 4.0;
  at(factor::salary) = salary(p, c);
  return f;
}

std::vector<source_results> reference_match(const std::vector<prepared_posting>& postings,
                                            const std::vector<prepared_candidate>& candidates, const query& q) {
  std::vector<source_results> out;
  if (q.dir == direction::candidate) {
    std::map<std::string, std::string> company_of;
    for (const auto& p : postings)
      company_of[p.id] = p.company;
    for (const auto& c : candidates) {
      source_results s{c.id, {}};
      for (const auto& p : postings)
        if (q.filters.accepts(p))
          s.results.push_back(scored(p.id, p, c, *q.prof));
      rank(s.results, q, q.top_per_company ? &company_of : nullptr);
      out.push_back(std::move(s));
    }
    return out;
  }
  for (const auto& p : postings) {
    source_results s{p.id, {}};
    if (q.filters.accepts(p))
      for (const auto& c : candidates)
        s.results.push_back(scored(c.id, p, c, *q.prof));
    rank(s.results, q, nullptr);
    out.push_back(std::move(s));
  }
  return out;
}

bool posting_filters::accepts(const prepared_posting& p) const {
  return (!country || *country == p.country) && (!category || *category == p.category) && (!mode || *mode == p.mode) &&
         (!employment || *employment == p.employment);
}

std::optional<std::string> check(const query& q) {
  if (q.top_k < 1 || q.top_k > 10000)
    return "top_k must be in [1, 10000]";
  if (q.top_per_company && q.dir != direction::candidate)
    return "top_per_company applies to direction candidate only";
  if (q.prof == nullptr)
    return "a profile is required";
  return std::nullopt;
}

}  // namespace jobmesh::match
