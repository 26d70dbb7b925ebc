// The same seed must give the same bytes on every machine, so nothing here is fused into a
// multiply-add (-march=native would let GCC fuse, and a fused result rounds differently).
#pragma GCC optimize("fp-contract=off")

#include "match/generator.hpp"

#include "match/detail/generator_draws.hpp"
#include "match/ndjson.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fmt/format.h>

namespace jobmesh::match {

namespace {

using detail::job_family;
using detail::portable_random;

constexpr std::uint64_t k_posting_stream = 1;
constexpr std::uint64_t k_candidate_stream = 2;
constexpr double k_remote_share = 0.15;
constexpr double k_hybrid_share = 0.25;
constexpr double k_unstated_salary_share = 0.2;
constexpr std::size_t k_postings_per_company = 20;
constexpr std::size_t k_progress_every = 4096;
// Minimum years a posting typically asks for, per level.
constexpr std::array<double, 5> k_level_years{0, 1, 3, 5, 8};
constexpr std::array<std::string_view, 5> k_title_prefix{"Entry-level ", "Junior ", "", "Senior ", "Lead "};

int clamp_level(double x) {
  return static_cast<int>(std::clamp(std::round(x), 0.0, static_cast<double>(detail::k_top_level)));
}

// Big employers post much more than small ones: the square of a uniform favours low indices.
std::size_t draw_company(portable_random& r, std::size_t company_count) {
  double u = r.unit();
  return std::min(company_count - 1, static_cast<std::size_t>(u * u * static_cast<double>(company_count)));
}

const detail::city& place_posting(portable_random& r, posting& p) {
  const auto& where = detail::draw_city(r);
  p.country = where.country;
  p.city = where.name;
  p.coordinates = detail::draw_coordinates(r, where);
  double mode = r.unit();
  p.mode = mode < k_remote_share ? work_mode::remote
           : mode < k_remote_share + k_hybrid_share ? work_mode::hybrid
                                                    : work_mode::onsite;
  double kind = r.unit();
  p.employment = kind < 0.8 ? employment_type::full_time
                 : kind < 0.9 ? employment_type::contract
                 : kind < 0.97 ? employment_type::part_time
                               : employment_type::internship;
  if (p.employment == employment_type::internship)
    p.experience_level = 0;
  return where;
}

void set_posting_terms(portable_random& r, posting& p, const job_family& family, const detail::city& where) {
  const auto level = static_cast<std::size_t>(p.experience_level);
  double pay = detail::typical_pay(family, p.experience_level, where);
  if (!r.chance(k_unstated_salary_share)) {
    p.salary_max = detail::round_to(pay * (1.1 + 0.1 * r.normal()), 1000);
    p.salary_min = detail::round_to(p.salary_max * (0.75 + 0.1 * r.unit()), 1000);
  }
  p.min_years = std::max(0.0, std::round(k_level_years[level] + r.normal()));
  if (!family.certifications.empty() && r.chance(0.15 + 0.07 * static_cast<double>(level)))
    p.certifications.emplace_back(r.pick(family.certifications));
  int posted = static_cast<int>(r.between(0, 330));
  p.posted_date = detail::date_of_2026(posted);
  if (r.chance(0.8))
    p.deadline_date = detail::date_of_2026(posted + static_cast<int>(r.between(14, 60)));
}

education_level draw_education(portable_random& r, const job_family& family, int age) {
  if (!r.chance(family.degree_share))
    return r.chance(0.06) ? education_level::none : education_level::high_school;
  double u = r.unit();
  if (age >= 28 && u < 0.08)
    return education_level::phd;
  return age >= 24 && u < 0.45 ? education_level::master : education_level::bachelor;
}

double school_leaving_age(education_level e) {
  static constexpr std::array<double, 5> k_age{16, 18, 22, 24, 28};  // none .. phd
  return k_age[static_cast<std::size_t>(e)];
}

// Education first, then the years since leaving school: who studies longer starts later.
void set_career(portable_random& r, candidate& c, const job_family& family) {
  int age = static_cast<int>(std::clamp(std::round(36 + r.normal() * 10), 19.0, 66.0));
  auto education = draw_education(r, family, age);
  double started = school_leaving_age(education) + std::abs(r.normal()) * 1.5;
  c.years_experience = std::max(0.0, std::round(age - started));
  double noisy = c.years_experience + r.normal();
  c.experience_level = noisy < 1.5 ? 0 : noisy < 3.5 ? 1 : noisy < 6.5 ? 2 : noisy < 11 ? 3 : 4;
  if (!r.chance(0.05))  // the field is optional and some people leave it out
    c.education = education;
}

// The family's category first; often a sibling of the same industry; now and then a second
// trade from anywhere (someone changing careers), whose skills they partly have.
const job_family* set_preferences(portable_random& r, candidate& c, const job_family& family) {
  c.preferred_categories.emplace_back(family.category);
  const auto& other = r.pick(detail::job_families());
  if (&other != &family && other.industry == family.industry && r.chance(0.6))
    c.preferred_categories.emplace_back(other.category);
  if (!r.chance(0.08))
    return nullptr;
  const auto& second = r.pick(detail::job_families());
  if (&second == &family || second.category == c.preferred_categories.back())
    return nullptr;
  c.preferred_categories.emplace_back(second.category);
  return &second;
}

void set_pay(portable_random& r, candidate& c, const job_family& family, const detail::city& where) {
  double pay = detail::typical_pay(family, c.experience_level, where);
  bool employed = !r.chance(0.12);
  c.current_salary = employed ? detail::round_to(pay * (1.0 + 0.12 * r.normal()), 500) : 0.0;
  c.expected_salary = detail::round_to((employed ? c.current_salary : pay * 0.95) * (1.03 + 0.22 * r.unit()), 500);
  if (!family.certifications.empty() && r.chance(0.1 + 0.08 * c.experience_level))
    c.certifications.emplace_back(r.pick(family.certifications));
}

// Most people have no reviews; the rest are skewed towards many good ones (cubes and square
// roots rather than std::pow, whose last bit differs between libraries).
void set_standing(portable_random& r, candidate& c) {
  static constexpr std::array<double, 12> k_distances{5, 10, 15, 25, 25, 40, 50, 50, 75, 100, 250, 500};
  c.max_distance_km = k_distances[r.index(k_distances.size())];
  double u = r.unit();
  c.review_count = r.chance(0.55) ? 0 : static_cast<std::int64_t>(std::floor(u * u * u * 120)) + 1;
  c.rating = c.review_count == 0 ? 0 : std::round(std::clamp(4.3 + r.normal() * 0.5, 1.0, 5.0) * 10) / 10;
  c.completed_jobs = c.review_count > 0 ? c.review_count + r.between(0, 10) : r.chance(0.7) ? 0 : r.between(1, 3);
  double e = r.unit();
  c.engagement = std::round(e * std::sqrt(e) * 1000) / 1000;
}

}  // namespace

std::size_t company_count_for(std::size_t postings) {
  return std::max<std::size_t>(1, postings / k_postings_per_company);
}

posting generate_posting(std::uint64_t seed, std::size_t i, std::size_t company_count) {
  auto r = portable_random::for_record(seed, k_posting_stream, i);
  const auto& family = r.pick(detail::job_families());
  posting p;
  p.id = fmt::format("p{:07}", i + 1);
  p.company = detail::company_name(draw_company(r, std::max<std::size_t>(1, company_count)));
  p.experience_level = clamp_level(2 + r.normal() * 1.1);
  const auto& where = place_posting(r, p);
  p.title = fmt::format("{}{}", k_title_prefix[static_cast<std::size_t>(p.experience_level)],
                        family.titles[r.index(family.titles.size())]);
  p.category = family.category;
  p.industry = family.industry;
  p.subcategory = family.subcategories[r.index(family.subcategories.size())];
  p.required_skills = detail::draw_skills(r, family, nullptr, static_cast<std::size_t>(r.between(4, 12)));
  set_posting_terms(r, p, family, where);
  return p;
}

candidate generate_candidate(std::uint64_t seed, std::size_t i) {
  auto r = portable_random::for_record(seed, k_candidate_stream, i);
  const auto& family = r.pick(detail::job_families());
  const auto& where = detail::draw_city(r);
  candidate c;
  c.id = fmt::format("c{:07}", i + 1);
  c.full_name = fmt::format("{} {}", r.pick(detail::first_names()), r.pick(detail::last_names()));
  c.country = where.country;
  c.city = where.name;
  c.coordinates = detail::draw_coordinates(r, where);
  c.industry = family.industry;
  c.subcategory = family.subcategories[r.index(family.subcategories.size())];
  const auto* second = set_preferences(r, c, family);
  set_career(r, c, family);
  auto skill_count = std::clamp(std::round(5 + c.experience_level * 1.5 + r.normal() * 2), 3.0, 15.0);
  c.skills = detail::draw_skills(r, family, second, static_cast<std::size_t>(skill_count));
  set_pay(r, c, family, where);
  set_standing(r, c);
  return c;
}

void generate(const generator_options& options, std::ostream& postings, std::ostream& candidates,
              const generator_progress& progress) {
  const auto total = options.postings + options.candidates;
  const auto companies = company_count_for(options.postings);
  std::size_t written = 0;
  auto tick = [&] {
    if (progress && (++written % k_progress_every == 0 || written == total))
      progress(written, total);
  };
  std::string line;
  for (std::size_t i = 0; i < options.postings; ++i, tick()) {
    line = to_json(generate_posting(options.seed, i, companies));
    line += '\n';
    postings << line;
  }
  for (std::size_t i = 0; i < options.candidates; ++i, tick()) {
    line = to_json(generate_candidate(options.seed, i));
    line += '\n';
    candidates << line;
  }
}

}  // namespace jobmesh::match
