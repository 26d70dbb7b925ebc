#include "match/generator.hpp"

#include "match/detail/market_tables.hpp"
#include "match/ndjson.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace jobmesh::match {

namespace {

using detail::cities;
using detail::job_families;

constexpr double k_remote_share = 0.15;
constexpr double k_hybrid_share = 0.25;
constexpr double k_missing_coordinates_share = 0.05;
constexpr std::size_t k_progress_every = 10'000;
// Level multipliers of salary, entry .. lead.
constexpr std::array<double, 5> k_level_pay{0.6, 0.78, 1.0, 1.3, 1.6};
// Typical minimum years a posting asks for, per level.
constexpr std::array<double, 5> k_level_years{0, 1, 3, 5, 8};

std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// One generator per record: record i is the same whatever the number of records asked for.
portable_random record_random(std::uint64_t seed, std::uint64_t kind, std::size_t i) {
  return portable_random{mix(seed ^ mix(kind * 0x100000001b3ULL + i))};
}

const detail::city& pick_city(portable_random& r) {
  static const double total = [] {
    double t = 0;
    for (const auto& c : cities())
      t += c.population_m;
    return t;
  }();
  double x = r.unit() * total;
  for (const auto& c : cities())
    if ((x -= c.population_m) < 0)
      return c;
  return cities().back();
}

template <class T>
const T& pick(portable_random& r, const std::vector<T>& v) {
  return v[static_cast<std::size_t>(r.between(0, static_cast<std::int64_t>(v.size()) - 1))];
}

// `n` distinct skills, mostly from `family`, a few shared ones.
std::vector<std::string> draw_skills(portable_random& r, const detail::job_family& family, std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t tries = 0; out.size() < n && tries < n * 10; ++tries) {
    auto skill = std::string{r.unit() < 0.85 ? pick(r, family.skills) : pick(r, detail::shared_skills())};
    if (std::find(out.begin(), out.end(), skill) == out.end())
      out.push_back(std::move(skill));
  }
  return out;
}

std::optional<geo_point> near(portable_random& r, const detail::city& c) {
  if (r.unit() < k_missing_coordinates_share)
    return std::nullopt;
  return geo_point{std::round((c.lat + r.normal() * 0.08) * 1e5) / 1e5, std::round((c.lon + r.normal() * 0.12) * 1e5) / 1e5};
}

double round_to(double x, double step) {
  return std::max(0.0, std::round(x / step) * step);
}

std::string date(int days_after_2026_01_01) {
  static constexpr std::array<int, 12> k_days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int month = 0, day = days_after_2026_01_01;
  while (month < 11 && day >= k_days[static_cast<std::size_t>(month)])
    day -= k_days[static_cast<std::size_t>(month++)];
  return fmt::format("2026-{:02}-{:02}", month + 1, std::min(day, k_days[static_cast<std::size_t>(month)] - 1) + 1);
}

int level_for_years(double years, portable_random& r) {
  double noisy = years + r.normal();
  return noisy < 1.5 ? 0 : noisy < 3.5 ? 1 : noisy < 6.5 ? 2 : noisy < 11 ? 3 : 4;
}

education_level education_for(int age, int level, portable_random& r) {
  double x = r.unit() + 0.08 * level - (age < 24 ? 0.25 : 0.0);
  return x < 0.08 ? education_level::high_school
         : x < 0.55 ? education_level::bachelor
         : x < 0.92 ? education_level::master
         : age >= 27 ? education_level::phd : education_level::master;
}

}  // namespace

std::uint64_t portable_random::next() {
  state_ += 0x9e3779b97f4a7c15ULL;
  std::uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double portable_random::unit() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

std::int64_t portable_random::between(std::int64_t lo, std::int64_t hi) {
  return lo + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(hi - lo + 1));
}

double portable_random::normal() {
  double sum = 0;
  for (int i = 0; i < 12; ++i)
    sum += unit();
  return sum - 6.0;
}

posting generate_posting(std::uint64_t seed, std::size_t i, std::size_t company_count) {
  auto r = record_random(seed, 1, i);
  const auto& family = pick(r, job_families());
  const auto& where = pick_city(r);
  posting p;
  p.id = fmt::format("p{:07}", i + 1);
  auto company = static_cast<std::size_t>(r.between(0, static_cast<std::int64_t>(std::max<std::size_t>(1, company_count)) - 1));
  const auto& words = detail::company_words();
  p.company = fmt::format("{} {} {}", words[company % words.size()], words[(company / words.size()) % words.size()],
                          company % 3 == 0 ? "GmbH" : company % 3 == 1 ? "Ltd" : "Inc");
  p.experience_level = static_cast<int>(std::clamp<double>(std::round(2 + r.normal() * 1.1), 0, 4));
  static constexpr std::array<std::string_view, 5> k_title_prefix{"Entry-level ", "Junior ", "", "Senior ", "Lead "};
  p.title = fmt::format("{}{}", k_title_prefix[static_cast<std::size_t>(p.experience_level)],
                        family.titles[static_cast<std::size_t>(r.between(0, 2))]);
  p.category = family.category;
  p.industry = family.industry;
  p.subcategory = family.subcategories[static_cast<std::size_t>(r.between(0, 2))];
  p.country = where.country;
  p.city = where.name;
  p.coordinates = near(r, where);
  double mode = r.unit();
  p.mode = mode < k_remote_share ? work_mode::remote : mode < k_remote_share + k_hybrid_share ? work_mode::hybrid : work_mode::onsite;
  double kind = r.unit();
  p.employment = kind < 0.8 ? employment_type::full_time : kind < 0.9 ? employment_type::contract
                 : kind < 0.97 ? employment_type::part_time : employment_type::internship;
  p.required_skills = draw_skills(r, family, static_cast<std::size_t>(r.between(4, 12)));
  if (!family.certifications.empty() && r.unit() < 0.3)
    p.certifications.emplace_back(pick(r, family.certifications));
  double pay = family.base_salary * k_level_pay[static_cast<std::size_t>(p.experience_level)] * where.salary_factor;
  p.salary_max = r.unit() < 0.2 ? 0 : round_to(pay * (1.1 + 0.1 * r.normal()), 1000);
  p.salary_min = round_to(p.salary_max * 0.8, 1000);
  p.min_years = std::max(0.0, std::round(k_level_years[static_cast<std::size_t>(p.experience_level)] + r.normal()));
  int posted = static_cast<int>(r.between(240, 320));
  p.posted_date = date(posted);
  p.deadline_date = date(std::min(364, posted + static_cast<int>(r.between(30, 60))));
  return p;
}

candidate generate_candidate(std::uint64_t seed, std::size_t i) {
  auto r = record_random(seed, 2, i);
  const auto& family = pick(r, job_families());
  const auto& where = pick_city(r);
  candidate c;
  c.id = fmt::format("c{:07}", i + 1);
  c.full_name = fmt::format("{} {}", pick(r, detail::first_names()), pick(r, detail::last_names()));
  c.country = where.country;
  c.city = where.name;
  c.coordinates = near(r, where);
  c.max_distance_km = static_cast<double>(std::array<int, 6>{10, 25, 50, 50, 100, 250}[static_cast<std::size_t>(r.between(0, 5))]);
  c.industry = family.industry;
  c.subcategory = family.subcategories[static_cast<std::size_t>(r.between(0, 2))];
  c.preferred_categories.emplace_back(family.category);
  for (auto extra = r.between(0, 2); extra > 0; --extra) {
    const auto& other = pick(r, job_families());
    if (other.industry == family.industry && other.category != family.category)
      c.preferred_categories.emplace_back(other.category);
  }
  int age = static_cast<int>(std::clamp<double>(std::round(36 + r.normal() * 10), 20, 66));
  c.years_experience = std::clamp(std::round(age - 23 + r.normal() * 2), 0.0, age - 18.0);
  c.experience_level = level_for_years(c.years_experience, r);
  c.education = education_for(age, c.experience_level, r);
  c.skills = draw_skills(r, family, static_cast<std::size_t>(std::clamp<double>(std::round(5 + c.experience_level * 1.5 + r.normal() * 2), 3, 15)));
  if (!family.certifications.empty() && r.unit() < 0.25)
    c.certifications.emplace_back(pick(r, family.certifications));
  double pay = family.base_salary * k_level_pay[static_cast<std::size_t>(c.experience_level)] * where.salary_factor;
  c.current_salary = r.unit() < 0.1 ? 0 : round_to(pay * (1.0 + 0.12 * r.normal()), 500);
  c.expected_salary = round_to((c.current_salary > 0 ? c.current_salary : pay) * (1.05 + 0.2 * r.unit()), 500);
  // Most people have no reviews; the rest are skewed towards good ratings.
  c.review_count = r.unit() < 0.55 ? 0 : static_cast<std::int64_t>(std::floor(std::pow(r.unit(), 3) * 120)) + 1;
  c.rating = c.review_count == 0 ? 0 : std::round(std::clamp(4.3 + r.normal() * 0.5, 1.0, 5.0) * 10) / 10;
  c.completed_jobs = c.review_count == 0 ? static_cast<std::int64_t>(r.between(0, 2)) : c.review_count + r.between(0, 10);
  c.engagement = std::round(std::pow(r.unit(), 1.7) * 1000) / 1000;
  return c;
}

void generate(const generator_options& options, std::ostream& postings, std::ostream& candidates,
              const generator_progress& progress) {
  auto total = options.postings + options.candidates;
  auto companies = std::max<std::size_t>(1, options.postings / 20);
  std::size_t written = 0;
  auto tick = [&] {
    if (progress && (++written % k_progress_every == 0 || written == total))
      progress(written, total);
  };
  for (std::size_t i = 0; i < options.postings; ++i, tick())
    postings << to_json(generate_posting(options.seed, i, companies)) << '\n';
  for (std::size_t i = 0; i < options.candidates; ++i, tick())
    candidates << to_json(generate_candidate(options.seed, i)) << '\n';
}

}  // namespace jobmesh::match
